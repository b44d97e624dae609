/**
 * The child-input task of a `workflow` step (start-execution handler, AWS and local): resolves the
 * child's input, checks it against the child's schema with the admission every start uses, and
 * returns what the child starts with; a refusal is announced and fails the step, starting nothing.
 */
import { describe, expect, it } from "vitest";
import type { CatalogueWorkflow } from "../../lib/core/project/catalogue.ts";
import { checkChildInput, isChildInputRequest } from "../../lib/runtime/child-input.ts";
import { StartAdmission } from "../../lib/runtime/start-admission.ts";
import { fakeDeps } from "./fakes.ts";

const WITH_DEFAULTS: CatalogueWorkflow = {
  name: "gift-wrap",
  version: 2,
  type: "standard",
  definition: {},
  asl: {},
  mermaid: "",
  steps: [],
  inputSchema: {
    type: "object",
    required: ["orderId"],
    properties: { orderId: { type: "string" }, paper: { type: "string", default: "plain" } },
  },
};

function setup() {
  const fake = fakeDeps({}, [WITH_DEFAULTS]);
  let n = 0;
  return {
    events: fake.events,
    deps: {
      admission: new StartAdmission(fake.deps.catalogue, fake.events),
      newId: () => `child-${++n}`,
      clock: () => new Date("2026-12-04T10:00:00.000Z"),
    },
  };
}

const request = (child: string, input: unknown, data?: unknown) => ({
  check: "child-input",
  workflow: "parent",
  version: 1,
  executionId: "exec-9",
  stepId: "kid",
  child,
  input,
  ...(data === undefined ? {} : { data }),
});

describe("checkChildInput", () => {
  it("resolves the templates and returns the child's start: its name, and its state naming the parent", async () => {
    // Prepare
    const { deps, events } = setup();
    // Act
    const start = await checkChildInput(
      request(
        "gift-wrap",
        { orderId: "{{ input.id }}", note: "for {{ steps.buy.body.to }}" },
        {
          input: { id: "o-7" },
          steps: { buy: { body: { to: "ana" } } },
        },
      ),
      deps,
    );
    // Assess
    expect(start).toStrictEqual({
      name: "child-1",
      state: {
        input: { orderId: "o-7", note: "for ana", paper: "plain" },
        context: {
          executionId: "child-1",
          startedAt: "2026-12-04T10:00:00.000Z",
          redriveCount: 0,
          startedBy: "workflow:parent/exec-9",
        },
        steps: {},
      },
    });
    expect(events.events).toStrictEqual([]);
  });

  it("names another execution on every invocation (a retried check never reuses a name)", async () => {
    // Prepare
    const { deps } = setup();
    const check = request("approval", { n: 1 });
    // Act
    const names = [
      (await checkChildInput(check, deps)).name,
      (await checkChildInput(check, deps)).name,
    ];
    // Assess
    expect(names).toEqual(["child-1", "child-2"]);
  });

  it("fails with Baton.InvalidInput and announces Execution Rejected (source workflow) when the input fails the child's schema", async () => {
    // Prepare
    const { deps, events } = setup();
    // Act
    const outcome = checkChildInput(
      request("order-fulfillment", { orderId: "{{ input.id }}" }, { input: { id: "o-7" } }),
      deps,
    );
    // Assess
    const reason =
      "The input does not match the input schema of order-fulfillment: /input/amount is required.";
    await expect(outcome).rejects.toMatchObject({
      name: "Baton.InvalidInput",
      message: JSON.stringify({ message: `Child workflow not started: ${reason}`, step: "kid" }),
    });
    expect(events.events).toStrictEqual([
      {
        source: "baton",
        detailType: "Execution Rejected",
        detail: {
          workflow: "order-fulfillment",
          version: 3,
          source: "workflow",
          reason,
          errors: [{ path: "/input/amount", message: "is required" }],
          input: { orderId: "o-7" },
        },
      },
    ]);
  });

  it("fails with Baton.TemplateError naming the step and the path when a template reads an absent value", async () => {
    // Prepare
    const { deps, events } = setup();
    // Act
    const outcome = checkChildInput(
      request("gift-wrap", { orderId: "{{ input.id }}" }, { input: {} }),
      deps,
    );
    // Assess
    await expect(outcome).rejects.toMatchObject({
      name: "Baton.TemplateError",
      message: expect.stringContaining(
        "Step kid: {{ input.id }} at /input/orderId reads an absent value",
      ),
    });
    expect(events.events).toStrictEqual([]);
  });

  it("passes a child without an input schema through, ?? defaults applied", async () => {
    // Prepare
    const { deps } = setup();
    // Act
    const start = await checkChildInput(
      request("approval", { by: "{{ input.by ?? 'nobody' }}", n: 1 }, { input: {} }),
      deps,
    );
    // Assess
    expect(start.state.input).toStrictEqual({ by: "nobody", n: 1 });
  });

  it("fails when the payload is not a child-input check, saying what it needs", async () => {
    // Prepare
    const { deps } = setup();
    // Act
    const outcome = checkChildInput({ check: "child-input", workflow: "parent" }, deps);
    // Assess
    await expect(outcome).rejects.toThrow(/needs \{check: "child-input", workflow, version/);
    expect([isChildInputRequest(request("x", {})), isChildInputRequest({ workflow: "x" })]).toEqual(
      [true, false],
    );
  });
});
