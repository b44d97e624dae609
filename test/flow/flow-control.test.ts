/**
 * Flow control (WORKFLOWS.md v2): `onError` and `loop` run on the compiled ASL with in-process
 * services that keep an effect ledger keyed by Idempotency-Key, so every test counts what took
 * effect and what was undone.
 */
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import type { ServiceCallRequest } from "../../lib/core/contract.ts";
import { idempotencyKey } from "../../lib/core/effect-keys.ts";
import { type FakeService, runFlow, TaskError } from "../support/flow.ts";
import { workflowFromYaml } from "../support/load-yaml.ts";

const TIMEOUT = 60_000;

type Outcome = "ok" | "timeout" | "refused" | "client";

/**
 * Applies each forward call once per key, then answers as `outcome` says; an undo removes its
 * forward key's effect once. `net()` is what is still in effect.
 */
function ledgerService(outcome: (req: ServiceCallRequest) => Outcome = () => "ok") {
  const applied = new Map<string, number>();
  const undone = new Set<string>();
  const service: FakeService = (req) => {
    const key = idempotencyKey(req);
    if (req.mode === "compensate") {
      const forward = key.replace(/:undo$/, "");
      if (!undone.has(key)) applied.delete(forward);
      undone.add(key);
      return { body: {} };
    }
    const how = outcome(req);
    if (how === "refused") throw new TaskError("Baton.ServiceError", "connection refused");
    if (how === "client") throw new TaskError("Baton.ClientError", "400 no such thing");
    if (!applied.has(key)) applied.set(key, 1);
    if (how === "timeout") throw new TaskError("Baton.Timeout", "took longer than 30 s");
    return { body: { id: key, done: req.itemPath?.endsWith("[2]") === true } };
  };
  return { service, net: () => [...applied.keys()].sort() };
}

const run = (yaml: string, services: Record<string, FakeService>, input: unknown = {}) =>
  runFlow(compileWorkflow(workflowFromYaml(yaml)), input, { services });

const trace = (calls: readonly ServiceCallRequest[]) =>
  calls.map(
    (c) => `${c.mode === "call" ? "" : "undo "}${c.itemPath ? `${c.itemPath}.` : ""}${c.stepId}`,
  );

describe("onError", () => {
  it(
    "continue: a failed best-effort step does not fail the execution, later steps read its error",
    async () => {
      // Prepare
      const svc = ledgerService((req) => (req.stepId === "cleanup" ? "client" : "ok"));
      const yaml = `
workflow: t
steps:
  - id: load
    call: svc POST /load
    compensate: { call: svc DELETE /load }
  - id: cleanup
    call: svc POST /cleanup
    idempotent: true
    retry: false
    onError: continue
  - id: report
    call: svc POST /report
    idempotent: true
    with: { cleanupError: "{{ steps.cleanup.error.name ?? 'none' }}" }
`;
      // Act
      const result = await run(yaml, { svc: svc.service });
      // Assess
      expect(result.status).toBe("SUCCEEDED");
      expect(trace(result.calls)).toStrictEqual(["load", "cleanup", "report"]);
      expect(result.calls[2]?.body).toStrictEqual({ cleanupError: "Baton.ClientError" });
      expect(svc.net()).toStrictEqual(["exec-1:load", "exec-1:report"]);
    },
    TIMEOUT,
  );

  it(
    "continue after an uncertain failure: the step is undone if the execution fails later",
    async () => {
      // Prepare: pay times out (it took effect), the workflow goes on, then ship fails.
      const svc = ledgerService((req) =>
        req.stepId === "pay" ? "timeout" : req.stepId === "ship" ? "client" : "ok",
      );
      const yaml = `
workflow: t
steps:
  - id: reserve
    call: svc POST /reserve
    compensate: { call: svc DELETE /reserve }
  - id: pay
    call: svc POST /pay
    retry: false
    onError: continue
    compensate: { call: svc POST /refund }
  - id: ship
    call: svc POST /ship
    retry: false
    compensate: { call: svc DELETE /ship }
`;
      // Act
      const result = await run(yaml, { svc: svc.service });
      // Assess: pay (uncertain) and reserve are undone, newest first; ship failed with an answer.
      expect(result.status).toBe("FAILED");
      expect(result.error).toBe("Baton.ClientError");
      expect(trace(result.calls)).toStrictEqual([
        "reserve",
        "pay",
        "ship",
        "undo pay",
        "undo reserve",
      ]);
      expect(svc.net()).toStrictEqual([]);
    },
    TIMEOUT,
  );

  it(
    "continue after a certain failure: nothing is undone for the step when the execution fails later",
    async () => {
      // Prepare
      const svc = ledgerService((req) =>
        req.stepId === "pay" ? "refused" : req.stepId === "ship" ? "client" : "ok",
      );
      const yaml = `
workflow: t
steps:
  - id: reserve
    call: svc POST /reserve
    compensate: { call: svc DELETE /reserve }
  - id: pay
    call: svc POST /pay
    retry: false
    onError: continue
    compensate: { call: svc POST /refund }
  - id: ship
    call: svc POST /ship
    retry: false
    compensate: { call: svc DELETE /ship }
`;
      // Act
      const result = await run(yaml, { svc: svc.service });
      // Assess
      expect(result.status).toBe("FAILED");
      expect(trace(result.calls)).toStrictEqual(["reserve", "pay", "ship", "undo reserve"]);
      expect(svc.net()).toStrictEqual([]);
    },
    TIMEOUT,
  );

  it(
    "when restricts it: other errors fail the execution and compensate",
    async () => {
      // Prepare
      const svc = ledgerService((req) => (req.stepId === "pay" ? "refused" : "ok"));
      const yaml = `
workflow: t
steps:
  - id: reserve
    call: svc POST /reserve
    compensate: { call: svc DELETE /reserve }
  - id: pay
    call: svc POST /pay
    retry: false
    idempotent: true
    onError: { then: continue, when: [Baton.ClientError] }
`;
      // Act
      const result = await run(yaml, { svc: svc.service });
      // Assess
      expect(result.status).toBe("FAILED");
      expect(result.error).toBe("Baton.ServiceError");
      expect(trace(result.calls)).toStrictEqual(["reserve", "pay", "undo reserve"]);
    },
    TIMEOUT,
  );

  it(
    "a fallback list runs instead, its steps are compensated like any other",
    async () => {
      // Prepare
      const svc = ledgerService((req) =>
        req.stepId === "primary" ? "client" : req.stepId === "last" ? "client" : "ok",
      );
      const yaml = `
workflow: t
steps:
  - id: primary
    call: svc POST /primary
    retry: false
    compensate: { call: svc DELETE /primary }
    onError:
      steps:
        - id: backup
          call: svc POST /backup
          with: { why: "{{ steps.primary.error.name }}" }
          compensate: { call: svc DELETE /backup }
  - id: last
    call: svc POST /last
    retry: false
    idempotent: true
`;
      // Act
      const result = await run(yaml, { svc: svc.service });
      // Assess
      expect(result.status).toBe("FAILED");
      expect(trace(result.calls)).toStrictEqual(["primary", "backup", "last", "undo backup"]);
      expect(result.calls[1]?.body).toStrictEqual({ why: "Baton.ClientError" });
      expect(svc.net()).toStrictEqual([]);
    },
    TIMEOUT,
  );
});

describe("onError on parallel and choice steps", () => {
  const YAML = `
workflow: t
input: { type: object, properties: { fail: { type: boolean } } }
steps:
  - id: both
    onError: continue
    parallel:
      - - id: good
          call: svc POST /good
          compensate: { call: svc DELETE /good }
      - - id: bad
          call: svc POST /bad
          retry: false
          compensate: { call: svc DELETE /bad }
  - id: route
    onError: continue
    choice:
      cases:
        - when: "steps.good.body.id != null"
          steps:
            - id: inner
              call: svc POST /inner
              retry: false
              compensate: { call: svc DELETE /inner }
  - id: last
    when: input.fail == true
    call: svc POST /last
    retry: false
    idempotent: true
output:
  both: "{{ steps.both.error.name ?? 'ok' }}"
  route: "{{ steps.route.error.name ?? 'ok' }}"
`;

  it(
    "a failed branch or case lets the workflow go on; what succeeded stays in effect",
    async () => {
      // Prepare
      const svc = ledgerService((req) =>
        req.stepId === "bad" || req.stepId === "inner" ? "client" : "ok",
      );
      // Act
      const result = await run(YAML, { svc: svc.service }, { fail: false });
      // Assess
      expect(result.status).toBe("SUCCEEDED");
      expect(result.output).toStrictEqual({
        both: "Baton.ClientError",
        route: "Baton.ClientError",
      });
      expect(svc.net()).toStrictEqual(["exec-1:good"]);
    },
    TIMEOUT,
  );

  it(
    "a later failure still undoes the branch that succeeded",
    async () => {
      // Prepare
      const svc = ledgerService((req) =>
        ["bad", "inner", "last"].includes(req.stepId) ? "client" : "ok",
      );
      // Act
      const result = await run(YAML, { svc: svc.service }, { fail: true });
      // Assess
      expect(result.status).toBe("FAILED");
      expect(trace(result.calls).filter((c) => c.startsWith("undo"))).toStrictEqual(["undo good"]);
      expect(svc.net()).toStrictEqual([]);
    },
    TIMEOUT,
  );
});

describe("loop", () => {
  const POLL = `
workflow: t
steps:
  - id: poll
    loop:
      maxIterations: 5
      until: steps.check.body.done == true
      steps:
        - id: book
          call: svc POST /book
          with: { n: "{{ iteration }}" }
          compensate: { call: svc DELETE /book }
        - id: check
          call: svc GET /check
  - id: after
    call: svc POST /after
    retry: false
    compensate: { call: svc DELETE /after }
    with: { last: "{{ steps.check.body.id }}" }
`;

  it(
    "repeats until the condition holds; every iteration has its own keys; later steps read the last",
    async () => {
      // Prepare
      const svc = ledgerService();
      // Act
      const result = await run(POLL, { svc: svc.service });
      // Assess
      expect(result.status).toBe("SUCCEEDED");
      expect(trace(result.calls)).toStrictEqual([
        "poll[0].book",
        "poll[0].check",
        "poll[1].book",
        "poll[1].check",
        "poll[2].book",
        "poll[2].check",
        "after",
      ]);
      expect(result.calls.slice(0, 6).map((c) => c.body ?? null)).toStrictEqual([
        { n: 0 },
        null,
        { n: 1 },
        null,
        { n: 2 },
        null,
      ]);
      expect(result.calls[6]?.body).toStrictEqual({ last: "exec-1:poll[2].check" });
      const output = result.output as { poll: { count: number; iterations: unknown[] } };
      expect(output.poll.count).toBe(3);
      expect(
        output.poll.iterations.map((i) => (i as { iteration: number }).iteration),
      ).toStrictEqual([2, 1, 0]);
    },
    TIMEOUT,
  );

  it(
    "a later failure undoes every iteration's steps, newest first, each with its own undo key",
    async () => {
      // Prepare
      const svc = ledgerService((req) => (req.stepId === "after" ? "client" : "ok"));
      // Act
      const result = await run(POLL, { svc: svc.service });
      // Assess
      expect(result.status).toBe("FAILED");
      expect(trace(result.calls).slice(7)).toStrictEqual([
        "undo poll[2].book",
        "undo poll[1].book",
        "undo poll[0].book",
      ]);
      expect(svc.net()).toStrictEqual([
        "exec-1:poll[0].check",
        "exec-1:poll[1].check",
        "exec-1:poll[2].check",
      ]);
    },
    TIMEOUT,
  );

  it(
    "past maxIterations it fails with Baton.LoopLimit and compensates every iteration",
    async () => {
      // Prepare: check never says done.
      const svc = ledgerService();
      const yaml = POLL.replace("steps.check.body.done == true", "steps.check.body.id == 'never'");
      // Act
      const result = await run(yaml, { svc: svc.service });
      // Assess
      expect(result.status).toBe("FAILED");
      expect(result.error).toBe("Baton.LoopLimit");
      const undos = trace(result.calls).filter((c) => c.startsWith("undo"));
      expect(undos).toStrictEqual([4, 3, 2, 1, 0].map((i) => `undo poll[${i}].book`));
    },
    TIMEOUT,
  );

  it(
    "a failure inside an iteration undoes that iteration's finished steps and the earlier ones",
    async () => {
      // Prepare: the third check fails.
      const svc = ledgerService((req) =>
        req.stepId === "check" && req.itemPath === "poll[1]" ? "client" : "ok",
      );
      // Act
      const result = await run(POLL, { svc: svc.service });
      // Assess
      expect(result.status).toBe("FAILED");
      expect(result.error).toBe("Baton.ClientError");
      expect(trace(result.calls)).toStrictEqual([
        "poll[0].book",
        "poll[0].check",
        "poll[1].book",
        "poll[1].check",
        "undo poll[1].book",
        "undo poll[0].book",
      ]);
    },
    TIMEOUT,
  );
});

describe("output schemas", () => {
  it(
    "a body that does not match fails the step with Baton.OutputInvalid, not retried, compensated",
    async () => {
      // Prepare
      const svc = ledgerService();
      const yaml = `
workflow: t
steps:
  - id: first
    call: svc POST /first
    compensate: { call: svc DELETE /first }
  - id: book
    call: svc POST /book
    output: { type: object, required: [id, total] }
    compensate: { call: svc DELETE /book }
`;
      // Act
      const result = await run(yaml, { svc: svc.service });
      // Assess: one attempt; the booking took effect, so it is undone, then the first step.
      expect(result.status).toBe("FAILED");
      expect(result.error).toBe("Baton.OutputInvalid");
      expect(trace(result.calls)).toStrictEqual(["first", "book", "undo book", "undo first"]);
      expect(svc.net()).toStrictEqual([]);
    },
    TIMEOUT,
  );
});

describe("loop results with quotes and backslashes", () => {
  it(
    "an iteration whose results and failure hold quotes and backslashes is recorded and undone",
    async () => {
      // Prepare: JSON text of these values is full of escapes; recording them must not break.
      const quoted: FakeService = (req) => {
        if (req.mode === "compensate") return { body: {} };
        if (req.stepId === "check")
          throw new TaskError("Baton.ClientError", 'service said "no" \\ {} twice');
        return { body: { id: "b-1", note: 'say "hi" \\ {} bye' } };
      };
      const yaml = `
workflow: t
steps:
  - id: poll
    loop:
      maxIterations: 3
      until: iteration >= 2
      steps:
        - id: book
          call: svc POST /book
          compensate: { call: svc DELETE /book }
        - id: check
          call: svc GET /check
          retry: false
`;
      // Act
      const result = await run(yaml, { svc: quoted });
      // Assess
      expect([result.status, result.error]).toStrictEqual(["FAILED", "Baton.ClientError"]);
      expect(trace(result.calls)).toStrictEqual([
        "poll[0].book",
        "poll[0].check",
        "undo poll[0].book",
      ]);
    },
    TIMEOUT,
  );
});

describe("loops nested with maps and loops", () => {
  it(
    "a loop inside a map item: keys and undos carry both paths; a map inside a loop reads iteration",
    async () => {
      // Prepare: the last step fails, so everything is undone.
      const svc = ledgerService((req) => (req.stepId === "last" ? "client" : "ok"));
      const yaml = `
workflow: t
input: { type: object, required: [lines], properties: { lines: { type: array } } }
steps:
  - id: each
    map:
      items: "{{ input.lines }}"
      steps:
        - id: tries
          loop:
            maxIterations: 3
            until: iteration >= 1
            steps:
              - id: book
                call: svc POST /book
                with: { line: "{{ item }}", try: "{{ iteration }}" }
                compensate: { call: svc DELETE /book }
  - id: rounds
    loop:
      maxIterations: 2
      until: iteration >= 1
      steps:
        - id: fan
          map:
            items: "{{ input.lines }}"
            steps:
              - id: put
                call: svc POST /put
                with: { round: "{{ iteration }}", line: "{{ item }}" }
                compensate: { call: svc DELETE /put }
  - id: last
    call: svc POST /last
    retry: false
    idempotent: true
`;
      // Act
      const result = await run(yaml, { svc: svc.service }, { lines: ["a", "b"] });
      // Assess
      expect(result.status).toBe("FAILED");
      const forward = result.calls.filter((c) => c.mode === "call" && c.stepId !== "last");
      expect(forward.map((c) => `${c.itemPath} ${JSON.stringify(c.body)}`).sort()).toStrictEqual([
        'each[0].tries[0] {"line":"a","try":0}',
        'each[0].tries[1] {"line":"a","try":1}',
        'each[1].tries[0] {"line":"b","try":0}',
        'each[1].tries[1] {"line":"b","try":1}',
        'rounds[0].fan[0] {"round":0,"line":"a"}',
        'rounds[0].fan[1] {"round":0,"line":"b"}',
        'rounds[1].fan[0] {"round":1,"line":"a"}',
        'rounds[1].fan[1] {"round":1,"line":"b"}',
      ]);
      const undos = trace(result.calls).filter((c) => c.startsWith("undo"));
      expect(undos.slice(0, 4).sort()).toStrictEqual([
        "undo rounds[0].fan[0].put",
        "undo rounds[0].fan[1].put",
        "undo rounds[1].fan[0].put",
        "undo rounds[1].fan[1].put",
      ]);
      // The newest round is undone before the older one.
      expect(undos.slice(0, 2).every((u) => u.includes("rounds[1]"))).toBe(true);
      expect(undos.slice(4).sort()).toStrictEqual([
        "undo each[0].tries[0].book",
        "undo each[0].tries[1].book",
        "undo each[1].tries[0].book",
        "undo each[1].tries[1].book",
      ]);
      expect(svc.net()).toStrictEqual([]);
    },
    TIMEOUT,
  );
});
