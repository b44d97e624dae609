/**
 * `$$.State.Name` and `$$.State.RetryCount` in the local engine, per state and per attempt as in
 * AWS: aws-local-stepfunctions alone hands every state one shared context object (Name "",
 * RetryCount always 0). The ASL records both in each call's body.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { State, StateMachineDefinition } from "../../lib/core/asl.ts";
import type { ServiceCallRequest, ServiceCallResult } from "../../lib/core/contract.ts";
import type { Json } from "../../lib/core/model.ts";
import { TaskResource } from "../../lib/core/wire.ts";
import { type EngineRuntime, LocalEngine } from "../../lib/local/engine.ts";
import { ExecutionJournal } from "../../lib/local/journal.ts";
import { prepareMachine } from "../../lib/local/machine.ts";
import { ServiceError } from "../../lib/runtime/errors.ts";

function task(stepId: string, next: string | undefined): State {
  return {
    Type: "Task",
    Resource: TaskResource.ServiceCall,
    Parameters: {
      workflow: "ctx",
      version: 1,
      "executionId.$": "$$.Execution.Id",
      stepId,
      mode: "call",
      "attempt.$": "States.MathAdd($$.State.RetryCount, 1)",
      timeout: 5,
      service: "svc",
      method: "POST",
      path: "/things",
      body: { "retryCount.$": "$$.State.RetryCount", "name.$": "$$.State.Name" },
    },
    ResultPath: null,
    TimeoutSeconds: 10,
    Retry: [{ ErrorEquals: ["Baton.ServiceError"], IntervalSeconds: 1, MaxAttempts: 3 }],
    ...(next === undefined ? { End: true } : { Next: next }),
  } as State;
}

const ASL: StateMachineDefinition = {
  StartAt: "first",
  States: {
    first: task("first", "both"),
    both: {
      Type: "Parallel",
      Branches: [
        { StartAt: "left", States: { left: task("left", undefined) } },
        { StartAt: "right", States: { right: task("right", undefined) } },
      ],
      ResultPath: null,
      Next: "last",
    },
    last: task("last", undefined),
  },
} as StateMachineDefinition;

class RecordingRuntime implements EngineRuntime {
  readonly calls: ServiceCallRequest[] = [];
  async callService(request: ServiceCallRequest): Promise<ServiceCallResult> {
    this.calls.push(request);
    // "left" fails twice, "last" once; the retries then succeed.
    const failures = request.stepId === "left" ? 2 : request.stepId === "last" ? 1 : 0;
    if (request.attempt <= failures) throw new ServiceError("503", { step: request.stepId });
    return { status: 200, headers: {}, body: {}, instance: "svc-a", attempt: request.attempt };
  }
  emit(): void {}
  async parkSignal(): Promise<void> {}
  statusChanged(): void {}
  async checkChildInput(): Promise<Json> {
    throw new Error("no workflow step in this machine");
  }
}

let engine: LocalEngine | undefined;
afterEach(() => {
  engine = undefined;
});

describe("local $$.State", () => {
  it("gives each state its own Name and each attempt its RetryCount", async () => {
    // Prepare
    const runtime = new RecordingRuntime();
    const machine = prepareMachine("ctx", ASL);
    engine = await LocalEngine.create({
      machines: (name) => (name === "ctx" ? machine : undefined),
      runtime,
      journal: await ExecutionJournal.open(undefined),
      skipDelays: true,
    });

    // Act
    const done = await engine.waitFor(engine.start("ctx", {}).executionId);

    // Assert
    expect(done.status).toBe("SUCCEEDED");
    const seen = (stepId: string) =>
      runtime.calls.filter((c) => c.stepId === stepId).map((c) => c.body);
    expect(seen("first")).toEqual([{ retryCount: 0, name: "first" }]);
    expect(seen("left")).toEqual([
      { retryCount: 0, name: "left" },
      { retryCount: 1, name: "left" },
      { retryCount: 2, name: "left" },
    ]);
    expect(seen("right")).toEqual([{ retryCount: 0, name: "right" }]);
    expect(seen("last")).toEqual([
      { retryCount: 0, name: "last" },
      { retryCount: 1, name: "last" },
    ]);
  });

  it("leaves the compiled ASL as it was (only the local copy notes state entry)", () => {
    // Act
    const before = JSON.stringify(ASL);
    const machine = prepareMachine("ctx", ASL);

    // Assert
    expect(JSON.stringify(machine.definition)).toBe(before);
    expect(Object.getOwnPropertyDescriptor(ASL.States.first, "Parameters")?.get).toBeUndefined();
  });
});
