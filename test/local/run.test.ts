/**
 * `baton run`: one execution in process with a live timeline, against the demo services.
 */
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoServices, startDemoServices } from "../../lib/local/demo/services.ts";
import { runOnce } from "../../lib/local/run.ts";
import type { ExecutionDocument } from "../../lib/runtime/records/document.ts";

let dir: string;
let demo: DemoServices;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-run-test-"));
  demo = await startDemoServices({ basePort: 0, only: ["inventory", "payments", "shipping"] });
  await writeFile(join(dir, "services.yaml"), demo.servicesYaml());
  await copyFile(
    join(import.meta.dirname, "fixtures", "workflows", "saga.yaml"),
    join(dir, "saga.yaml"),
  );
  await writeFile(
    join(dir, "broken.yaml"),
    "workflow: broken\nsteps:\n  - id: a\n    call: nope\n",
  );
});

afterAll(async () => {
  await demo.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(file: string, input: unknown, json: boolean) {
  let out = "";
  let err = "";
  const code = await runOnce({
    file: join(dir, file),
    input: input as never,
    json,
    color: false,
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
  });
  return { code, out, err };
}

describe("runOnce", () => {
  it("prints a step timeline and the execution document, exiting 0 on success", async () => {
    // Act
    const { code, out } = await run("saga.yaml", { orderId: "o-1", amount: 3 }, false);
    // Assess
    const timeline = out
      .split("\n")
      .filter((line) => /SUCCEEDED$/.test(line))
      .map((line) => line.split(/\s+/).slice(1, 4).join(" "));
    expect(code).toEqual(0);
    expect(timeline).toEqual([
      "reserve 1 inventory-a",
      "charge 1 payments-a",
      "ship 1 shipping-a",
      "SUCCEEDED",
    ]);
    const document = JSON.parse(out.slice(out.indexOf("\n{") + 1)) as ExecutionDocument;
    expect([document.workflow, document.status]).toEqual(["test-saga", "SUCCEEDED"]);
  });

  it("prints only the document with --json and exits 1 when the execution fails", async () => {
    // Prepare
    await fetch(`${demo.services.get("shipping")?.url}/__control`, {
      method: "POST",
      body: JSON.stringify({ failNext: 1, failStatus: 400 }),
    });
    // Act
    const { code, out } = await run("saga.yaml", { orderId: "o-2", amount: 3 }, true);
    // Assess
    const document = JSON.parse(out) as ExecutionDocument;
    expect([code, document.status, document.compensation]).toEqual([1, "FAILED", "COMPLETED"]);
  });

  it("fails when the input does not match the input schema, listing every violation", async () => {
    // Act
    const { code, out, err } = await run("saga.yaml", { amount: 0 }, false);
    // Assess
    expect([code, out]).toEqual([1, ""]);
    expect(err.split("\n").slice(0, 2)).toEqual([
      "input/orderId: is required",
      "input/amount: must be > 0",
    ]);
  });

  it("fails when the file has errors, printing them as file:line: code message", async () => {
    // Act
    const { code, err } = await run("broken.yaml", {}, false);
    // Assess
    expect(code).toEqual(1);
    expect(err).toMatch(/broken\.yaml:4: E_\w+ /);
  });
});
