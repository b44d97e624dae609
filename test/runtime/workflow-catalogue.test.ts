import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { getCatalogue, setCatalogue } from "../../lib/runtime/aws/catalogue-from-env.ts";
import { parseCatalogue, WorkflowCatalogue } from "../../lib/runtime/workflow-catalogue.ts";
import { tempDir } from "../support/tmp.ts";

describe("catalogue", () => {
  afterEach(() => {
    setCatalogue(undefined);
    delete process.env.BATON_CATALOGUE_FILE;
  });

  it("loads the file named by BATON_CATALOGUE_FILE once", async () => {
    // Prepare
    const dir = tempDir("baton-catalogue-");
    const file = join(dir, "catalogue.json");
    await writeFile(
      file,
      JSON.stringify({ workflows: [{ name: "demo", version: 1, type: "standard", steps: [] }] }),
    );
    process.env.BATON_CATALOGUE_FILE = file;

    // Act
    const first = await getCatalogue();
    await writeFile(file, "{ broken");
    const second = await getCatalogue();

    // Assess
    expect([first === second, first.list().map((w) => w.name)]).toEqual([true, ["demo"]]);
  });

  it.each([
    ["{", "catalogue is not valid JSON"],
    ['{"workflows": {}}', 'catalogue must be an object with a "workflows" array; got object.'],
    ['{"workflows": [{"version": 1, "steps": []}]}', "catalogue: workflows[0] has no name."],
    [
      '{"workflows": [{"name": "a", "version": 1, "steps": [{}]}]}',
      "catalogue: workflows[0] (a) steps[0] has no id.",
    ],
  ])("fails with a clear message for %s", (text, message) => {
    // Act / Assess
    expect(() => parseCatalogue(text)).toThrow(message);
  });

  it("finds a workflow by the state machine ARN its catalogue entry names", () => {
    // Prepare
    const catalogue = parseCatalogue(
      JSON.stringify([
        { name: "a", version: 1, steps: [], stateMachineArn: "arn:a" },
        { name: "b", version: 1, steps: [] },
      ]),
    );

    // Act
    const found = [
      catalogue.byStateMachineArn("arn:a")?.name,
      catalogue.byStateMachineArn("arn:b")?.name,
      catalogue.stateMachineArn("b"),
    ];

    // Assess: without BATON_STATE_MACHINE_ARN_PREFIX, b has no known ARN
    expect(found).toEqual(["a", undefined, undefined]);
  });
});

describe("state machine ARNs", () => {
  afterEach(() => {
    delete process.env.BATON_STATE_MACHINE_ARN_PREFIX;
  });

  it("derives a workflow's ARN from the prefix and finds the workflow by it", () => {
    // Prepare
    process.env.BATON_STATE_MACHINE_ARN_PREFIX =
      "arn:aws:states:eu-west-1:123:stateMachine:baton-dev-";
    const entry = {
      name: "demo",
      version: 1,
      type: "standard",
      definition: {},
      asl: {},
      mermaid: "",
      steps: [],
    } as const;
    const catalogue = new WorkflowCatalogue([entry]);

    // Act
    const arn = catalogue.stateMachineArn("demo");

    // Assess
    expect(arn).toBe("arn:aws:states:eu-west-1:123:stateMachine:baton-dev-demo");
    expect(catalogue.byStateMachineArn(arn ?? "")?.name).toBe("demo");
    expect(catalogue.stateMachineArn("unknown")).toBeUndefined();
  });
});

describe("a followed catalogue", () => {
  const entry = (name: string, version: number) =>
    ({ name, version, type: "standard", steps: [] }) as unknown as Parameters<
      WorkflowCatalogue["publish"]
    >[0];
  const view = (catalogue: WorkflowCatalogue) =>
    catalogue.names().map((name) => ({
      name,
      current: catalogue.get(name)?.version,
      versions: catalogue.versions(name).map((w) => w.version),
      aliases: catalogue.aliases(name),
    }));

  it("is rebuilt on a copy from what it was, then kept in step with every later change", () => {
    // Prepare
    const source = new WorkflowCatalogue([entry("orders", 1), entry("gone", 1)]);
    source.publish(entry("orders", 2));
    source.setAliases("orders", { live: [{ version: 1, weight: 100 }] });
    source.remove("gone");
    const copy = new WorkflowCatalogue([]);

    // Act
    const stop = source.follow((change) => copy.apply(change));
    const before = view(copy);
    source.publish(entry("payments", 1));
    source.setAliases("orders", { live: [{ version: 2, weight: 100 }] });
    stop();
    source.publish(entry("after-stop", 1));

    // Assess
    expect(before).toStrictEqual([
      { name: "gone", current: undefined, versions: [1], aliases: undefined },
      {
        name: "orders",
        current: 1,
        versions: [2, 1],
        aliases: { live: [{ version: 1, weight: 100 }] },
      },
    ]);
    expect(view(copy)).toStrictEqual([
      { name: "gone", current: undefined, versions: [1], aliases: undefined },
      {
        name: "orders",
        current: 2,
        versions: [2, 1],
        aliases: { live: [{ version: 2, weight: 100 }] },
      },
      {
        name: "payments",
        current: 1,
        versions: [1],
        aliases: { live: [{ version: 1, weight: 100 }] },
      },
    ]);
  });
});
