/**
 * The local engine on hand-written ASL (the compiler's shape) with a scripted runtime: routing,
 * attempts, compensation order, stop, await tokens, child workflows, redrive and interruption.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type {
  AwaitSignalRequest,
  ChildInputRequest,
  ServiceCallRequest,
  ServiceCallResult,
} from "../../lib/core/contract.ts";
import type { Json } from "../../lib/core/model.ts";
import { resolveChildInput } from "../../lib/core/template-resolve.ts";
import { AppendLog } from "../../lib/local/append-log.ts";
import {
  type EngineRuntime,
  LocalEngine,
  type StatusChangeDetail,
} from "../../lib/local/engine.ts";
import type { PutEntry } from "../../lib/local/event-bus.ts";
import { type ExecutionEntry, ExecutionJournal } from "../../lib/local/journal.ts";
import { type PreparedMachine, prepareMachine } from "../../lib/local/machine.ts";
import { ClientError, ServiceError } from "../../lib/runtime/errors.ts";
import { awaitAsl, parentAsl, sagaAsl } from "./fixtures/hand-asl.ts";

type Script = (request: ServiceCallRequest) => Error | undefined;

class FakeRuntime implements EngineRuntime {
  readonly calls: ServiceCallRequest[] = [];
  readonly statuses: StatusChangeDetail[] = [];
  readonly emitted: PutEntry[] = [];
  readonly parked: AwaitSignalRequest[] = [];
  script: Script = () => undefined;

  async callService(request: ServiceCallRequest): Promise<ServiceCallResult> {
    this.calls.push(request);
    const error = this.script(request);
    if (error) throw error;
    return {
      status: 200,
      headers: {},
      body: { id: `${request.stepId}-1` },
      instance: `${request.service}-a`,
      attempt: request.attempt,
    };
  }
  emit(entries: readonly PutEntry[]): void {
    this.emitted.push(...entries);
  }
  async parkSignal(request: AwaitSignalRequest): Promise<void> {
    this.parked.push(request);
  }
  statusChanged(detail: StatusChangeDetail): void {
    this.statuses.push(detail);
  }
  async checkChildInput(request: ChildInputRequest): Promise<Json> {
    return resolveChildInput(request);
  }
  callOrder(): string[] {
    return this.calls.map((c) => `${c.mode}:${c.stepId}:${c.attempt}`);
  }
}

const machines = new Map<string, PreparedMachine>([
  ["saga", prepareMachine("saga", sagaAsl("saga"))],
  ["approval", prepareMachine("approval", awaitAsl("approval", 30))],
  ["parent", prepareMachine("parent", parentAsl("saga"))],
  ["parent-approval", prepareMachine("parent-approval", parentAsl("approval"))],
]);

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

async function engineWith(
  runtime: FakeRuntime,
  options: { dir?: string; awaitTimeout?: (s: number) => number } = {},
) {
  const journal = await ExecutionJournal.open(options.dir);
  return LocalEngine.create({
    machines: (name) => machines.get(name),
    runtime,
    journal,
    skipDelays: true,
    ...(options.awaitTimeout ? { awaitTimeout: options.awaitTimeout } : {}),
  });
}

describe("LocalEngine", () => {
  it("runs a saga to success and reports RUNNING then SUCCEEDED", async () => {
    // Prepare
    const runtime = new FakeRuntime();
    const engine = await engineWith(runtime);
    // Act
    const started = engine.start("saga", { orderId: "o-1" });
    const done = await engine.waitFor(started.executionId);
    // Assess
    expect(done.status).toEqual("SUCCEEDED");
    expect(runtime.callOrder()).toEqual(["call:reserve:1", "call:charge:1", "call:ship:1"]);
    expect(runtime.statuses.map((s) => s.status)).toEqual(["RUNNING", "SUCCEEDED"]);
    expect((done.output as Record<string, { body: unknown }>).charge?.body).toEqual({
      id: "charge-1",
    });
  });

  it("retries a retryable error and counts the attempt", async () => {
    // Prepare
    const runtime = new FakeRuntime();
    runtime.script = (r) =>
      r.stepId === "charge" && r.attempt === 1
        ? new ServiceError("503", { step: "charge" })
        : undefined;
    const engine = await engineWith(runtime);
    // Act
    const done = await engine.waitFor(engine.start("saga", {}).executionId);
    // Assess
    expect(done.status).toEqual("SUCCEEDED");
    expect(runtime.callOrder()).toEqual([
      "call:reserve:1",
      "call:charge:1",
      "call:charge:2",
      "call:ship:1",
    ]);
  });

  it("compensates succeeded steps in reverse order when a step fails without retry", async () => {
    // Prepare
    const runtime = new FakeRuntime();
    runtime.script = (r) =>
      r.stepId === "ship" && r.mode === "call"
        ? new ClientError("400", { step: "ship" })
        : undefined;
    const engine = await engineWith(runtime);
    // Act
    const done = await engine.waitFor(engine.start("saga", {}).executionId);
    // Assess
    expect(done.status).toEqual("FAILED");
    expect(done.error).toEqual("Baton.ClientError");
    expect(runtime.callOrder()).toEqual([
      "call:reserve:1",
      "call:charge:1",
      "call:ship:1",
      "compensate:charge:1",
      "compensate:reserve:1",
    ]);
    expect(runtime.emitted.map((e) => e.detailType)).toEqual([
      "Compensation Started",
      "Compensation Completed",
    ]);
    const cause = JSON.parse(done.cause ?? "{}") as { name: string; step: string; message: string };
    expect([cause.name, cause.step]).toEqual(["Baton.ClientError", "ship"]);
    expect(JSON.parse(cause.message)).toEqual({
      errorType: "Baton.ClientError",
      errorMessage: JSON.stringify({ message: "400", step: "ship" }),
      trace: [],
    });
  });

  it("sends each call, and the compensation's first event, only once the journal on disk says so (kill -9 safe)", async () => {
    // Prepare: what the journal file holds (as a process started after a kill -9 would read it)
    // at the moment each call and each event goes out
    const dir = await mkdtemp(join(tmpdir(), "baton-engine-"));
    dirs.push(dir);
    const onDisk = (): ExecutionEntry | undefined =>
      (AppendLog.read(join(dir, "journal.log")) as ExecutionEntry[]).at(-1);
    const seen: string[] = [];
    const runtime = new FakeRuntime();
    runtime.script = (r) => {
      const entry = onDisk();
      seen.push(
        `${r.mode}:${r.stepId} in flight ${Object.keys(entry?.inFlight ?? {}).length}, compensating ${entry?.compensating?.step ?? "-"}`,
      );
      return r.stepId === "ship" && r.mode === "call"
        ? new ClientError("400", { step: "ship" })
        : undefined;
    };
    const emit = runtime.emit.bind(runtime);
    runtime.emit = (entries) => {
      seen.push(`${entries[0]?.detailType}, compensating ${onDisk()?.compensating?.step ?? "-"}`);
      emit(entries);
    };
    const engine = await engineWith(runtime, { dir });

    // Act
    const done = await engine.waitFor(engine.start("saga", {}).executionId);

    // Assess
    expect(done.status).toBe("FAILED");
    expect(seen).toEqual([
      "call:reserve in flight 1, compensating -",
      "call:charge in flight 1, compensating -",
      "call:ship in flight 1, compensating -",
      "Compensation Started, compensating ship",
      "compensate:charge in flight 1, compensating ship",
      "compensate:reserve in flight 1, compensating ship",
      "Compensation Completed, compensating ship",
    ]);
  });

  it("stops a running execution as ABORTED with the given error", async () => {
    // Prepare
    const runtime = new FakeRuntime();
    const engine = await engineWith(runtime);
    const started = engine.start("approval", {});
    await until(() => runtime.parked.length === 1);
    // Act
    engine.stop(started.executionId, { error: "Baton.Cancelled", cause: "by test" });
    const done = await engine.waitFor(started.executionId);
    // Assess
    expect([done.status, done.error, done.cause]).toEqual([
      "ABORTED",
      "Baton.Cancelled",
      "by test",
    ]);
  });

  it("gives the input and the results of the steps a stopped execution completed", async () => {
    // Prepare
    const runtime = new FakeRuntime();
    let release = (): void => {};
    const shipping = new Promise<void>((resolve) => {
      release = resolve;
    });
    let shipStarted = false;
    const call = runtime.callService.bind(runtime);
    runtime.callService = async (request) => {
      if (request.stepId === "ship") {
        shipStarted = true;
        await shipping;
      }
      return call(request);
    };
    const engine = await engineWith(runtime);
    const started = engine.start("saga", { orderId: "o-9" });
    await until(() => shipStarted);
    // Act
    engine.stop(started.executionId, { error: "Baton.Cancelled", cause: "by test" });
    await engine.waitFor(started.executionId);
    const results = await engine.results(started.executionId);
    const unknown = await engine.results("nope");
    release();
    // Assess
    expect([results?.input, Object.keys(results?.steps ?? {}), unknown]).toEqual([
      { orderId: "o-9" },
      ["reserve", "charge"],
      undefined,
    ]);
    expect(results?.steps.charge).toEqual({
      status: 200,
      headers: {},
      body: { id: "charge-1" },
      instance: "payments-a",
      attempt: 1,
    });
  });

  it("aborts the calls in flight when stopped and reports what each did", async () => {
    // Prepare: ship hangs until aborted; a second execution's charge completes despite the abort
    const runtime = new FakeRuntime();
    const seen: AbortSignal[] = [];
    const call = runtime.callService.bind(runtime);
    runtime.callService = async (request, meta?: { readonly signal: AbortSignal }) => {
      if (request.stepId === "ship" && meta !== undefined) {
        seen.push(meta.signal);
        await new Promise((_resolve, reject) =>
          meta.signal.addEventListener("abort", () =>
            reject(Object.assign(new Error("aborted"), { name: "Baton.Cancelled" })),
          ),
        );
      }
      return call(request);
    };
    const engine = await engineWith(runtime);
    const started = engine.start("saga", { orderId: "o-9" });
    await until(() => seen.length === 1);
    // Act
    engine.stop(started.executionId, { error: "Baton.Cancelled", cause: "by test" });
    const settled = await engine.stopped(started.executionId);
    const again = await engine.stopped(started.executionId);
    // Assess
    expect([seen[0]?.aborted, settled, again]).toEqual([
      true,
      [{ stepId: "ship", mode: "call", outcome: "unknown" }],
      [],
    ]);
  });

  it("reports a call that completed while the stop waited as succeeded, with its result", async () => {
    // Prepare: ship ignores the abort and answers a little later
    const runtime = new FakeRuntime();
    let shipStarted = false;
    const call = runtime.callService.bind(runtime);
    runtime.callService = async (request) => {
      if (request.stepId === "ship") {
        shipStarted = true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return call(request);
    };
    const engine = await engineWith(runtime);
    const started = engine.start("saga", {});
    await until(() => shipStarted);
    // Act
    engine.stop(started.executionId, { error: "Baton.Cancelled", cause: "by test" });
    const settled = await engine.stopped(started.executionId);
    // Assess
    expect(settled).toEqual([
      {
        stepId: "ship",
        mode: "call",
        outcome: "succeeded",
        result: {
          status: 200,
          headers: {},
          body: { id: "ship-1" },
          instance: "shipping-a",
          attempt: 1,
        },
      },
    ]);
  });

  it("resumes an await step when its task token succeeds", async () => {
    // Prepare
    const runtime = new FakeRuntime();
    const engine = await engineWith(runtime);
    const started = engine.start("approval", {});
    await until(() => runtime.parked.length === 1);
    const parked = runtime.parked[0] as AwaitSignalRequest;
    // Act
    engine.sendTaskSuccess(parked.taskToken, { approved: true });
    const done = await engine.waitFor(started.executionId);
    // Assess
    expect(done.status).toEqual("SUCCEEDED");
    expect(done.output).toEqual({ approve: { approved: true } });
    expect([parked.signal, parked.stepId, parked.executionId]).toEqual([
      "approval",
      "approve",
      started.executionId,
    ]);
  });

  it("fails an await step with States.Timeout when no signal comes in time", async () => {
    // Prepare
    const runtime = new FakeRuntime();
    const engine = await engineWith(runtime, { awaitTimeout: () => 0 });
    // Act
    const done = await engine.waitFor(engine.start("approval", {}).executionId);
    // Assess
    expect([done.status, done.error]).toEqual(["FAILED", "Baton.SignalTimeout"]);
    expect(() => engine.sendTaskSuccess(runtime.parked[0]?.taskToken ?? "", {})).toThrow(
      /unknown, already completed/,
    );
  });

  it("runs a child workflow and returns its output", async () => {
    // Prepare
    const runtime = new FakeRuntime();
    const engine = await engineWith(runtime);
    // Act
    const done = await engine.waitFor(engine.start("parent", { orderId: "o-2" }).executionId);
    // Assess
    expect(done.status).toEqual("SUCCEEDED");
    expect(Object.keys((done.output as { sub: object }).sub)).toEqual([
      "reserve",
      "charge",
      "ship",
    ]);
    expect(engine.list().map((e) => [e.workflow, e.status, e.parentId === null])).toEqual([
      ["parent", "SUCCEEDED", true],
      ["saga", "SUCCEEDED", false],
    ]);
  });

  it("fails the parent with Baton.ChildWorkflowFailed when the child fails", async () => {
    // Prepare
    const runtime = new FakeRuntime();
    runtime.script = (r) =>
      r.stepId === "reserve" && r.mode === "call"
        ? new ClientError("409", { step: "reserve" })
        : undefined;
    const engine = await engineWith(runtime);
    // Act
    const done = await engine.waitFor(engine.start("parent", {}).executionId);
    // Assess
    expect([done.status, done.error]).toEqual(["FAILED", "Baton.ChildWorkflowFailed"]);
  });

  it("redrives from the failed step, replaying work that was not compensated", async () => {
    // Prepare: reserve and charge have no compensation in effect when ship fails during compensation-free run
    const runtime = new FakeRuntime();
    let shipFails = true;
    runtime.script = (r) => {
      if (r.stepId === "ship" && r.mode === "call" && shipFails)
        return new ClientError("400", { step: "ship" });
      if (r.mode === "compensate" && r.stepId === "reserve")
        return new ClientError("gone", { step: "reserve" });
      return undefined;
    };
    const engine = await engineWith(runtime);
    const first = await engine.waitFor(engine.start("saga", {}).executionId);
    runtime.calls.length = 0;
    shipFails = false;
    // Act
    engine.redrive(first.executionId);
    const done = await engine.waitFor(first.executionId);
    // Assess: charge was compensated (runs again); reserve's compensation failed (replayed)
    expect([first.status, done.status, done.redriveCount]).toEqual(["FAILED", "SUCCEEDED", 1]);
    expect(runtime.callOrder()).toEqual(["call:charge:1", "call:ship:1"]);
    expect(runtime.statuses.map((s) => `${s.status}:${s.redriveCount}`)).toEqual([
      "RUNNING:0",
      "FAILED:0",
      "RUNNING:1",
      "SUCCEEDED:1",
    ]);
  });

  it("resumes executions left running by a crash, without a redrive", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "baton-engine-"));
    dirs.push(dir);
    const before = new FakeRuntime();
    const crashed = await engineWith(before, { dir });
    const started = crashed.start("approval", { n: 1 });
    await until(() => before.parked.length === 1);
    await crashed.close();
    const after = new FakeRuntime();
    const engine = await engineWith(after, { dir });
    // Act
    const recovered = engine.resumeInterrupted();
    await until(() => after.parked.length === 1);
    engine.sendTaskSuccess(after.parked[0]?.taskToken ?? "", { ok: true });
    const done = await engine.waitFor(started.executionId);
    // Assess
    expect(recovered).toEqual({ resumed: [started.executionId], compensating: [] });
    expect([done.status, done.redriveCount]).toEqual(["SUCCEEDED", 0]);
    expect(after.statuses.map((s) => s.status)).toEqual(["RUNNING", "SUCCEEDED"]);
    await engine.close();
  });

  it("finishes a compensation a crash interrupted, without running undone steps forward again", async () => {
    // Prepare: ship fails; the process dies while charge's compensation is in flight
    const dir = await mkdtemp(join(tmpdir(), "baton-engine-"));
    dirs.push(dir);
    const before = new FakeRuntime();
    before.script = (r) =>
      r.stepId === "ship" && r.mode === "call"
        ? new ClientError("400", { step: "ship" })
        : undefined;
    let inUndo = false;
    const callService = before.callService.bind(before);
    before.callService = (request) => {
      if (request.mode !== "compensate") return callService(request);
      inUndo = true;
      return new Promise<never>(() => undefined);
    };
    const crashed = await engineWith(before, { dir });
    const started = crashed.start("saga", {});
    await until(() => inUndo);
    await crashed.close();
    const after = new FakeRuntime(); // ship would succeed now: it must not be called
    const engine = await engineWith(after, { dir });
    // Act
    const recovered = engine.resumeInterrupted();
    const done = await engine.waitFor(started.executionId);
    // Assess
    expect(recovered).toEqual({ resumed: [], compensating: [started.executionId] });
    expect([done.status, done.error]).toEqual(["FAILED", "Baton.ClientError"]);
    expect(JSON.parse(done.cause ?? "{}")).toMatchObject({
      name: "Baton.ClientError",
      step: "ship",
    });
    expect(after.callOrder()).toEqual(["compensate:charge:1", "compensate:reserve:1"]);
    await engine.close();
  });

  it("sends finished compensations again under their keys when it finishes an interrupted one", async () => {
    // Prepare: charge's compensation finished; the process dies in reserve's
    const dir = await mkdtemp(join(tmpdir(), "baton-engine-"));
    dirs.push(dir);
    const before = new FakeRuntime();
    before.script = (r) =>
      r.stepId === "ship" && r.mode === "call"
        ? new ClientError("400", { step: "ship" })
        : undefined;
    let inReserveUndo = false;
    const callService = before.callService.bind(before);
    before.callService = (request) => {
      if (request.mode !== "compensate" || request.stepId !== "reserve")
        return callService(request);
      inReserveUndo = true;
      return new Promise<never>(() => undefined);
    };
    const crashed = await engineWith(before, { dir });
    const started = crashed.start("saga", {});
    await until(() => inReserveUndo);
    await crashed.close();
    const after = new FakeRuntime();
    const engine = await engineWith(after, { dir });
    // Act
    engine.resumeInterrupted();
    const done = await engine.waitFor(started.executionId);
    // Assess
    // charge's undo again (the service answers from its store; the records hear of it), no forward call
    expect(done.status).toEqual("FAILED");
    expect(after.callOrder()).toEqual(["compensate:charge:1", "compensate:reserve:1"]);
    await engine.close();
  });

  it("resumes a parent and its running child after a crash without starting a second child", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "baton-engine-"));
    dirs.push(dir);
    const before = new FakeRuntime();
    const crashed = await engineWith(before, { dir });
    const parent = crashed.start("parent-approval", { n: 1 });
    await until(() => before.parked.length === 1);
    await crashed.close();
    const after = new FakeRuntime();
    const engine = await engineWith(after, { dir });
    // Act
    const recovered = engine.resumeInterrupted();
    await until(() => after.parked.length === 1);
    engine.sendTaskSuccess(after.parked[0]?.taskToken ?? "", { ok: true });
    const done = await engine.waitFor(parent.executionId);
    // Assess
    expect(recovered.resumed).toHaveLength(2);
    expect(done.status).toEqual("SUCCEEDED");
    expect(engine.list().filter((e) => e.parentId === parent.executionId)).toHaveLength(1);
    await engine.close();
  });

  it("records again a final status whose event a crash lost, and only that one", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "baton-engine-"));
    dirs.push(dir);
    const first = await engineWith(new FakeRuntime(), { dir });
    const a = await first.waitFor(first.start("saga", {}).executionId);
    const b = await first.waitFor(first.start("saga", {}).executionId);
    await first.close();
    const after = new FakeRuntime();
    const engine = await engineWith(after, { dir });
    const records: Record<string, string> = {
      [a.executionId]: "RUNNING",
      [b.executionId]: "SUCCEEDED",
    };
    // Act
    const reported = await engine.reconcileRecords(async (id) => records[id]);
    // Assess
    expect(reported).toEqual([a.executionId]);
    expect(after.statuses.map((s) => `${s.name}:${s.status}`)).toEqual([
      `${a.executionId}:SUCCEEDED`,
    ]);
    await engine.close();
  });
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
