/**
 * Every start checks the input schema: event triggers and `workflow` steps locally, as the API
 * does. A refused start never runs; it is announced (`Execution Rejected`) and dead-lettered.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "../../lib/local/event-bus.ts";
import { createLocalRuntime, type LocalRuntime } from "../../lib/local/runtime.ts";
import { loadAndCompileDir } from "../../lib/local/workflows.ts";
import { InMemoryRegistryStore } from "../../lib/runtime/registry/memory-store.ts";

const ORDERS = `
workflow: take-order
input:
  type: object
  required: [orderId]
  properties: { orderId: { type: string } }
triggers:
  - event: { source: [shop.orders], detailType: [Order Placed] }
steps:
  - { id: pause, wait: { seconds: 1 } }
`;
const PARENT = `
workflow: parent-order
steps:
  - id: child
    workflow: { name: take-order, input: { orderId: 42 } }
`;

describe("validated starts (local)", () => {
  let dir: string;
  let runtime: LocalRuntime;
  const seen: BusEvent[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "baton-admission-"));
    await writeFile(join(dir, "take-order.yaml"), ORDERS);
    await writeFile(join(dir, "parent-order.yaml"), PARENT);
    runtime = await createLocalRuntime({
      compiled: loadAndCompileDir(dir),
      registry: new InMemoryRegistryStore(),
      records: () => {},
      skipDelays: true,
      busRetryDelaysMs: [],
      log: () => {},
    });
    runtime.bus.listen((event) => seen.push(event));
    runtime.startTriggers();
  });
  afterAll(async () => {
    await runtime?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const started = (workflow: string) =>
    runtime.engine.list().filter((e) => e.workflow === workflow);

  it("refuses a triggered start whose event detail fails the schema: no run, an event, a dead letter", async () => {
    // Act
    runtime.bus.put([{ source: "shop.orders", detailType: "Order Placed", detail: { id: 7 } }]);
    await runtime.idle();

    // Assess
    expect(started("take-order")).toEqual([]);
    const rejected = seen.find((e) => e["detail-type"] === "Execution Rejected");
    expect(rejected?.detail).toMatchObject({
      workflow: "take-order",
      source: "trigger",
      errors: [{ path: "/input/orderId", message: "is required" }],
    });
    const letters = runtime.deadLetters.letters();
    expect([letters.length, letters[0]?.rule, letters[0]?.reason]).toEqual([
      1,
      "trigger:take-order:0",
      expect.stringContaining(
        "Baton.InvalidInput: The input does not match the input schema of take-order",
      ),
    ]);
  });

  it("starts a triggered execution whose detail matches the schema", async () => {
    // Act
    runtime.bus.put([
      { source: "shop.orders", detailType: "Order Placed", detail: { orderId: "o-1" } },
    ]);
    await runtime.idle();

    // Assess
    expect(started("take-order").map((e) => e.input)).toEqual([{ orderId: "o-1" }]);
  });

  it("fails a workflow step whose child input fails the child's schema, without starting the child", async () => {
    // Act
    const parent = runtime.engine.start("parent-order", {});
    const done = await runtime.engine.waitFor(parent.executionId);
    await runtime.idle();

    // Assess
    expect([done.status, done.error]).toEqual(["FAILED", "Baton.ChildWorkflowFailed"]);
    expect(done.cause).toContain("Baton.InvalidInput");
    expect(started("take-order").map((e) => e.input)).toEqual([{ orderId: "o-1" }]);
    expect(
      seen.filter((e) => e["detail-type"] === "Execution Rejected").map((e) => e.detail),
    ).toContainEqual(expect.objectContaining({ workflow: "take-order", source: "workflow" }));
  });
});
