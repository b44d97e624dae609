/**
 * Uncertain outcomes (WORKFLOWS.md v2): a step whose call may have taken effect (its final error is
 * a timeout, a connection lost after sending, or an unusable success) is compensated too, exactly
 * once, in reverse order; a step that never reached the service is not. Services here keep a
 * ledger of effects keyed by the idempotency key, as the README asks services to.
 */
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import type { ServiceCallRequest } from "../../lib/core/contract.ts";
import { idempotencyKey } from "../../lib/core/effect-keys.ts";
import { DEFAULT_RETRY, type MapStep, type ParallelStep } from "../../lib/core/model.ts";
import { type FakeService, runFlow, TaskError } from "../support/flow.ts";
import { call, sequential, workflow } from "../support/workflows.ts";

const TIMEOUT = 60_000;

/**
 * A service that applies every forward call to a ledger (once per key), then answers or fails as
 * `outcome` says; an undo removes the effect of its forward key (`<key>:undo`), once.
 */
function ledgerService(outcome: (req: ServiceCallRequest) => "ok" | "timeout" | "refused") {
  const ledger = new Map<string, number>();
  const undone = new Set<string>();
  const service: FakeService = (req) => {
    const key = idempotencyKey(req);
    if (req.mode === "compensate") {
      const forward = key.replace(/:undo$/, "");
      if (!undone.has(key)) ledger.delete(forward);
      undone.add(key);
      return { body: {} };
    }
    const how = outcome(req);
    // Refused: the request never reached the service, so nothing is applied.
    if (how === "refused") throw new TaskError("Baton.ServiceError", "connection refused");
    if (!ledger.has(key)) ledger.set(key, 1);
    // Timed out: applied, but the answer never came back.
    if (how === "timeout") throw new TaskError("Baton.Timeout", "took longer than 30 s");
    return { body: { id: `${req.stepId}-1` } };
  };
  return { service, ledger };
}

const trace = (calls: ServiceCallRequest[]) =>
  calls.map((c) => `${c.mode === "call" ? "" : "undo "}${c.stepId}`);
const saga = () =>
  workflow(
    sequential([
      call("a", { compensate: {} }),
      call("b", { compensate: {} }),
      call("c", { compensate: {} }),
    ]),
  );

describe("uncertain outcomes", () => {
  it(
    "undoes a last step that timed out after the service applied it: the ledger nets to zero",
    async () => {
      // Prepare: c times out on every attempt, after the service applied it.
      const { service, ledger } = ledgerService((req) => (req.stepId === "c" ? "timeout" : "ok"));

      // Act
      const result = await runFlow(compileWorkflow(saga()), {}, { services: { svc: service } });

      // Assess
      expect(result.status).toBe("FAILED");
      expect(result.error).toBe("Baton.Timeout");
      expect(JSON.parse(result.cause ?? "{}")).toMatchObject({ Error: "Baton.Timeout", step: "c" });
      expect(trace(result.calls)).toEqual(["a", "b", "c", "c", "c", "undo c", "undo b", "undo a"]);
      expect(result.calls.filter((c) => c.mode === "compensate").map(idempotencyKey)).toEqual([
        "exec-1:c:undo",
        "exec-1:b:undo",
        "exec-1:a:undo",
      ]);
      expect([...ledger]).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "undoes a step whose first attempt timed out although its later attempts were refused",
    async () => {
      // Prepare: c's first attempt applies then times out; the retries never reach the service.
      let cAttempts = 0;
      const { service, ledger } = ledgerService((req) => {
        if (req.stepId !== "c") return "ok";
        cAttempts += 1;
        return cAttempts === 1 ? "timeout" : "refused";
      });

      // Act
      const result = await runFlow(compileWorkflow(saga()), {}, { services: { svc: service } });

      // Assess: the final error is the refusal, but the first attempt's effect is undone.
      expect(result.error).toBe("Baton.ServiceError");
      expect(trace(result.calls)).toEqual(["a", "b", "c", "c", "c", "undo c", "undo b", "undo a"]);
      expect([...ledger]).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "makes retry.maxAttempts attempts in all when refusals came before the uncertain one",
    async () => {
      // Prepare: c (maxAttempts 3) is refused, then times out after the service applied it, then
      // is refused again: #again may make only the third attempt.
      let cAttempts = 0;
      const { service, ledger } = ledgerService((req) => {
        if (req.stepId !== "c") return "ok";
        cAttempts += 1;
        return cAttempts === 2 ? "timeout" : "refused";
      });

      // Act
      const result = await runFlow(compileWorkflow(saga()), {}, { services: { svc: service } });

      // Assess: three attempts numbered 1..3 (two in #again before), undone once, final error the last.
      const cCalls = result.calls.filter((c) => c.stepId === "c" && c.mode === "call");
      expect(cCalls.map((c) => c.attempt)).toEqual([1, 2, 3]);
      expect(result.error).toBe("Baton.ServiceError");
      expect(trace(result.calls)).toEqual(["a", "b", "c", "c", "c", "undo c", "undo b", "undo a"]);
      expect([...ledger]).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "makes no attempt in #again when the uncertain one was the last allowed",
    async () => {
      // Prepare: maxAttempts 2; c is refused, then times out after the service applied it.
      const retry = { ...DEFAULT_RETRY, maxAttempts: 2 };
      const wf = workflow(
        sequential([call("a", { compensate: {} }), call("c", { compensate: {}, retry })]),
      );
      let cAttempts = 0;
      const { service, ledger } = ledgerService((req) => {
        if (req.stepId !== "c") return "ok";
        cAttempts += 1;
        return cAttempts === 2 ? "timeout" : "refused";
      });

      // Act
      const result = await runFlow(compileWorkflow(wf), {}, { services: { svc: service } });

      // Assess: two attempts, the step fails with the uncertain attempt's error and is undone.
      expect(result.error).toBe("Baton.Timeout");
      expect(trace(result.calls)).toEqual(["a", "c", "c", "undo c", "undo a"]);
      expect([...ledger]).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "succeeds when a retry after an uncertain attempt gets the service's stored answer",
    async () => {
      let cAttempts = 0;
      const { service, ledger } = ledgerService((req) => {
        if (req.stepId !== "c") return "ok";
        cAttempts += 1;
        return cAttempts === 1 ? "timeout" : "ok";
      });

      const result = await runFlow(compileWorkflow(saga()), {}, { services: { svc: service } });

      expect([result.status, trace(result.calls)]).toEqual(["SUCCEEDED", ["a", "b", "c", "c"]]);
      expect((result.output as Record<string, unknown>).c).toMatchObject({ body: { id: "c-1" } });
      expect([...ledger].map(([key]) => key)).toEqual(["exec-1:a", "exec-1:b", "exec-1:c"]);
    },
    TIMEOUT,
  );

  it(
    "does not undo a step whose connection was refused: it never took effect",
    async () => {
      const { service, ledger } = ledgerService((req) => (req.stepId === "c" ? "refused" : "ok"));

      const result = await runFlow(compileWorkflow(saga()), {}, { services: { svc: service } });

      expect(result.error).toBe("Baton.ServiceError");
      expect(trace(result.calls)).toEqual(["a", "b", "c", "c", "c", "undo b", "undo a"]);
      expect([...ledger]).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "does not undo a step that timed out when it has no compensation, and undoes the others",
    async () => {
      const wf = workflow(sequential([call("a", { compensate: {} }), call("b")]));
      const { service } = ledgerService((req) => (req.stepId === "b" ? "timeout" : "ok"));

      const result = await runFlow(compileWorkflow(wf), {}, { services: { svc: service } });

      expect(trace(result.calls)).toEqual(["a", "b", "b", "b", "undo a"]);
    },
    TIMEOUT,
  );

  it(
    "undoes an uncertain step inside a parallel branch once, with its succeeded sibling",
    async () => {
      const par: ParallelStep = {
        kind: "parallel",
        id: "both",
        pointer: "/steps/1",
        dependsOn: ["a"],
        explicitDependsOn: false,
        branches: [[call("x", { compensate: {} })], [call("y", { compensate: {} })]],
      };
      const wf = workflow([call("a", { compensate: {} }), par]);
      const { service, ledger } = ledgerService((req) => (req.stepId === "y" ? "timeout" : "ok"));

      const result = await runFlow(compileWorkflow(wf), {}, { services: { svc: service } });

      const undone = trace(result.calls).filter((c) => c.startsWith("undo"));
      expect([...undone].sort()).toEqual(["undo a", "undo x", "undo y"]);
      expect(undone.at(-1)).toBe("undo a");
      expect([...ledger]).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "undoes the uncertain item of a map with the items that succeeded",
    async () => {
      const map: MapStep = {
        kind: "map",
        id: "each",
        pointer: "/steps/0",
        dependsOn: [],
        explicitDependsOn: false,
        items: "{{ input.items }}",
        maxConcurrency: 1,
        steps: [
          call("charge", {
            path: "/charge/{{ item }}",
            compensate: { path: "/refund/{{ item }}" },
          }),
        ],
      };
      const { service, ledger } = ledgerService((req) =>
        req.path === "/charge/2" ? "timeout" : "ok",
      );

      const result = await runFlow(
        compileWorkflow(workflow([map])),
        { items: ["1", "2", "3"] },
        { services: { svc: service } },
      );

      expect(result.error).toBe("Baton.Timeout");
      expect(result.calls.filter((c) => c.mode === "compensate").map((c) => c.path)).toEqual([
        "/refund/1",
        "/refund/2",
        "/refund/3",
      ]);
      expect([...ledger]).toEqual([]);
    },
    TIMEOUT,
  );
});
