import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import type { AwaitSignalRequest } from "../../lib/core/contract.ts";
import { idempotencyKey } from "../../lib/core/effect-keys.ts";
import type { AwaitStep, MapStep, Step } from "../../lib/core/model.ts";
import { type FakeService, runFlow, TaskError } from "../support/flow.ts";
import { call, sequential, workflow } from "../support/workflows.ts";

const mapOf = (id: string, items: string, steps: Step[], pointer = "/steps/0"): MapStep => ({
  kind: "map",
  id,
  pointer,
  dependsOn: [],
  explicitDependsOn: false,
  items,
  maxConcurrency: 0,
  steps,
});

/** Fails `/boom` once (retries off), answers everything else; a transient 503 on the first try of `/line`. */
const service: FakeService = (req) => {
  if (req.path === "/boom") throw new TaskError("Baton.ClientError");
  return { body: { id: req.stepId } };
};

describe("idempotency keys: one per effect", () => {
  it("gives every item of nested maps its own key, and each undo its forward key plus :undo", async () => {
    // Prepare: orders × lines, each line creates something compensable; a later step fails.
    const lines = mapOf("lines", "{{ item.lines }}", [
      call("reserve", { compensate: { path: "/release" } }),
    ]);
    const orders = mapOf("orders", "{{ input.orders }}", [lines]);
    const wf = workflow(sequential<Step>([orders, call("boom", { retry: null, dependsOn: [] })]));

    // Act
    const result = await runFlow(
      compileWorkflow(wf),
      { orders: [{ lines: [1, 2] }, { lines: [3] }] },
      { services: { svc: service } },
    );

    // Assess
    expect(result.error).toBe("Baton.ClientError");
    const forward = result.calls.filter((c) => c.stepId === "reserve" && c.mode === "call");
    const undo = result.calls.filter((c) => c.mode === "compensate");
    expect(forward.map(idempotencyKey).sort()).toEqual([
      "exec-1:orders[0].lines[0].reserve",
      "exec-1:orders[0].lines[1].reserve",
      "exec-1:orders[1].lines[0].reserve",
    ]);
    expect(undo.map(idempotencyKey).sort()).toEqual(
      forward.map((c) => `${idempotencyKey(c)}:undo`).sort(),
    );
  });

  it("keeps one key across every retry of a map item's call", async () => {
    // Prepare: item 1's call fails twice with a retryable error, then succeeds.
    let failures = 0;
    const flaky: FakeService = (req) => {
      if (req.itemPath === "each[1]" && failures < 2) {
        failures++;
        throw new TaskError("Baton.ServiceError");
      }
      return { body: {} };
    };
    const wf = workflow([mapOf("each", "{{ input.items }}", [call("put")])]);

    // Act
    const result = await runFlow(
      compileWorkflow(wf),
      { items: ["a", "b"] },
      {
        services: { svc: flaky },
      },
    );

    // Assess
    expect(result.status).toBe("SUCCEEDED");
    expect(result.calls.map((c) => `${c.attempt} ${idempotencyKey(c)}`).sort()).toEqual([
      "1 exec-1:each[0].put",
      "1 exec-1:each[1].put",
      "2 exec-1:each[1].put",
      "3 exec-1:each[1].put",
    ]);
  });

  it("sends each await inside a map its item path, so every item waits on its own", async () => {
    // Prepare
    const approve: AwaitStep = {
      kind: "await",
      id: "approve",
      pointer: "/steps/0/map/steps/0",
      dependsOn: [],
      explicitDependsOn: false,
      signal: "approve",
      timeout: 60,
    };
    const seen: AwaitSignalRequest[] = [];
    const wf = workflow([mapOf("each", "{{ input.items }}", [approve])]);

    // Act
    const result = await runFlow(
      compileWorkflow(wf),
      { items: ["a", "b", "c"] },
      {
        awaitHandler: (payload) => {
          seen.push(payload);
          return { ok: payload.itemPath };
        },
      },
    );

    // Assess
    expect(result.status).toBe("SUCCEEDED");
    expect(seen.map((p) => p.itemPath).sort()).toEqual(["each[0]", "each[1]", "each[2]"]);
  });
});
