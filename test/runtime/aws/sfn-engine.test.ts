import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskTimedOut,
} from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  executionArnOf,
  readStateTrace,
  SfnExecutionEngine,
} from "../../../lib/runtime/aws/sfn-engine.ts";
import { EngineError } from "../../../lib/runtime/execution-engine.ts";

const MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:order-fulfillment";
const EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:order-fulfillment:e1";

describe("SfnExecutionEngine", () => {
  const sfn = mockClient(SFNClient);
  afterAll(() => sfn.restore());
  const engine = new SfnExecutionEngine({
    client: new SFNClient({ region: "us-east-1" }),
    stateMachineArn: (workflow) => (workflow === "order-fulfillment" ? MACHINE : undefined),
    locate: async (id) => (id === "e1" ? "order-fulfillment" : undefined),
  });

  beforeEach(() => sfn.reset());

  it("starts an execution named by the Baton id", async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: EXECUTION, startDate: new Date("2026-11-22T10:00:00.000Z") });

    // Act
    const started = await engine.start("order-fulfillment", "e1", { orderId: "o-1" });

    // Assess
    expect(started).toEqual({ executionId: "e1", startedAt: "2026-11-22T10:00:00.000Z" });
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: MACHINE,
      name: "e1",
      input: '{"orderId":"o-1"}',
    });
  });

  it("names the X-Ray trace the start joins (the invocation's, which the SDK sends with it)", async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: EXECUTION, startDate: new Date("2026-11-22T10:00:00.000Z") });
    const traced = new SfnExecutionEngine({
      client: new SFNClient({ region: "us-east-1" }),
      stateMachineArn: () => MACHINE,
      locate: async () => "order-fulfillment",
      trace: () => ({ root: "1-5759e988-bd862e3fe1be46a994272793", sampled: true }),
    });

    // Act
    const started = await traced.start("order-fulfillment", "e1", {});

    // Assess
    expect(started).toEqual({
      executionId: "e1",
      startedAt: "2026-11-22T10:00:00.000Z",
      traceId: "5759e988bd862e3fe1be46a994272793",
    });
  });

  it("stops and describes through the execution ARN", async () => {
    // Prepare
    sfn.on(StopExecutionCommand).resolves({});
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION,
      stateMachineArn: MACHINE,
      status: "FAILED",
      startDate: new Date("2026-11-22T10:00:00.000Z"),
      stopDate: new Date("2026-11-22T10:00:05.000Z"),
      error: "Baton.Timeout",
      cause: "slow",
    });
    sfn
      .on(DescribeExecutionCommand, { executionArn: `${EXECUTION}--redrive-1` })
      .rejects(new ExecutionDoesNotExist({ message: "no redrive", $metadata: {} }));

    // Act
    await engine.stop("e1", { error: "Baton.Cancelled", cause: "{}" });
    const described = await engine.describe("e1");

    // Assess
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: EXECUTION,
      error: "Baton.Cancelled",
      cause: "{}",
    });
    expect(described).toEqual({
      executionId: "e1",
      status: "FAILED",
      startedAt: "2026-11-22T10:00:00.000Z",
      stoppedAt: "2026-11-22T10:00:05.000Z",
      error: "Baton.Timeout",
      cause: "slow",
    });
  });

  it("reports the states the stopped run entered and never exited as in flight, outcome unknown", async () => {
    // Prepare
    sfn.reset();
    sfn.on(StopExecutionCommand).resolves({});
    sfn
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: "no redrive", $metadata: {} }));
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { type: "TaskStateEntered", stateEnteredEventDetails: { name: "reserve" } },
        { type: "TaskStateExited", stateExitedEventDetails: { name: "reserve" } },
        { type: "TaskStateEntered", stateEnteredEventDetails: { name: "charge" } },
        { type: "ExecutionAborted" },
      ] as never,
    });

    // Act
    const stopped = await engine.stop("e1", { error: "Baton.Cancelled", cause: "{}" });

    // Assess
    expect(stopped.inFlight).toEqual([{ stepId: "charge", mode: "call", outcome: "unknown" }]);
  });

  it("sends task success with JSON output and task failure with a bounded cause", async () => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});

    // Act
    await engine.sendTaskSuccess("tok", { ok: true });
    await engine.sendTaskFailure("tok", "Baton.Cancelled", "x".repeat(40_000));

    // Assess
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: "tok",
      output: '{"ok":true}',
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input.cause?.length).toEqual(
      32_768,
    );
  });

  it.each([
    [
      "ExecutionAlreadyExists",
      () =>
        sfn
          .on(StartExecutionCommand)
          .rejects(new ExecutionAlreadyExists({ message: "exists", $metadata: {} })),
      () => engine.start("order-fulfillment", "e1", {}),
      "already-exists",
    ],
    [
      "ExecutionAlreadyExists on a repeated redrive",
      () => {
        sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
        sfn
          .on(StartExecutionCommand)
          .rejects(new ExecutionAlreadyExists({ message: "exists", $metadata: {} }));
      },
      () => engine.redrive("e1", { keep: () => true }),
      "already-exists",
    ],
    [
      "ExecutionDoesNotExist",
      () =>
        sfn
          .on(StopExecutionCommand)
          .rejects(new ExecutionDoesNotExist({ message: "gone", $metadata: {} })),
      () => engine.stop("e1", { error: "e", cause: "c" }),
      "not-found",
    ],
    [
      "TaskTimedOut",
      () =>
        sfn
          .on(SendTaskSuccessCommand)
          .rejects(new TaskTimedOut({ message: "Task Timed Out", $metadata: {} })),
      () => engine.sendTaskSuccess("tok", null),
      "task-gone",
    ],
  ] as const)("translates %s into an EngineError", async (_name, arrange, act, reason) => {
    // Prepare
    arrange();

    // Act
    const error = await act().then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect([error instanceof EngineError, (error as EngineError).reason]).toEqual([true, reason]);
  });

  it("passes throttling through for the caller to retry", async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));

    // Act
    const starting = engine.start("order-fulfillment", "e2", {});

    // Assess
    await expect(starting).rejects.toMatchObject({ name: "ThrottlingException" });
  });

  it("fails with not-found for an execution or workflow it cannot place", async () => {
    // Act
    const stopping = engine.stop("unknown", { error: "e", cause: "c" });
    const starting = engine.start("not-deployed", "e3", {});

    // Assess
    await expect(stopping).rejects.toMatchObject({ reason: "not-found" });
    await expect(starting).rejects.toMatchObject({ reason: "not-found" });
    expect(await engine.describe("unknown")).toEqual(undefined);
  });

  describe("results", () => {
    // No redrive runs unless a test says so.
    beforeEach(() => {
      sfn
        .on(DescribeExecutionCommand)
        .rejects(new ExecutionDoesNotExist({ message: "no redrive", $metadata: {} }));
    });
    const when = new Date("2026-11-22T10:00:00.000Z");
    const exited = (
      id: number,
      type: HistoryEvent["type"],
      output: string,
      truncated = false,
    ): HistoryEvent => ({
      id,
      timestamp: when,
      type,
      stateExitedEventDetails: { name: `state-${id}`, output, outputDetails: { truncated } },
    });
    const state = (steps: object) => JSON.stringify({ input: {}, context: {}, steps });

    it("unions the steps of every state exited over every history page", async () => {
      // Prepare
      sfn
        .on(GetExecutionHistoryCommand, { executionArn: EXECUTION, nextToken: undefined })
        .resolves({
          events: [
            {
              id: 1,
              timestamp: when,
              type: "ExecutionStarted",
              executionStartedEventDetails: {
                input: '{"orderId":"o-1"}',
                inputDetails: { truncated: false },
              },
            },
            { id: 2, timestamp: when, type: "TaskStateEntered" },
            exited(3, "TaskStateExited", state({ reserve: { id: "r-1" } })),
          ],
          nextToken: "page-2",
        })
        .on(GetExecutionHistoryCommand, { executionArn: EXECUTION, nextToken: "page-2" })
        .resolves({
          events: [
            // A parallel branch state carries only its own branch's results.
            exited(4, "TaskStateExited", state({ hold: { id: "h-1" } })),
            exited(
              5,
              "ParallelStateExited",
              state({ reserve: { id: "r-1" }, hold: { id: "h-1" } }),
            ),
            exited(6, "PassStateExited", "not json"),
          ],
        });

      // Act
      const results = await engine.results("e1");

      // Assess
      expect(results).toEqual({
        input: { orderId: "o-1" },
        steps: { reserve: { id: "r-1" }, hold: { id: "h-1" } },
      });
      expect(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input)).toEqual([
        { executionArn: EXECUTION, includeExecutionData: true, maxResults: 1000 },
        {
          executionArn: EXECUTION,
          includeExecutionData: true,
          maxResults: 1000,
          nextToken: "page-2",
        },
      ]);
    });

    it("collects what the items of a running top-level map finished, by map and index", async () => {
      // Prepare: item 0 finished reserve_item; item 1 is in a nested map of its own
      const item = (itemPath: string, steps: object) =>
        JSON.stringify({ item: {}, index: 0, itemPath, steps });
      sfn.on(GetExecutionHistoryCommand, { executionArn: EXECUTION }).resolves({
        events: [
          exited(1, "TaskStateExited", item("items[0]", { reserve_item: { r: 1 } })),
          exited(2, "TaskStateExited", item("items[1]", { reserve_item: { r: 2 } })),
          exited(3, "TaskStateExited", item("items[1]", { tag_item: { t: 2 } })),
          exited(4, "TaskStateExited", item("items[1].inner[0]", { deep: { d: 1 } })),
        ],
      });

      // Act
      const results = await engine.results("e1");

      // Assess
      expect(results?.items).toEqual({
        items: {
          0: { reserve_item: { r: 1 } },
          1: { reserve_item: { r: 2 }, tag_item: { t: 2 } },
        },
      });
    });

    it("skips outputs Step Functions truncated", async () => {
      // Prepare
      sfn.on(GetExecutionHistoryCommand).resolves({
        events: [
          exited(1, "TaskStateExited", state({ reserve: { id: "r-1" } })),
          // Truncated text may still parse: the flag, not the parse, decides.
          exited(2, "TaskStateExited", state({ charge: { id: "c-1" } }), true),
          exited(3, "TaskStateExited", `${state({ ship: { id: "s-1" } }).slice(0, 20)}`, true),
        ],
      });

      // Act
      const results = await engine.results("e1");

      // Assess
      expect(results).toEqual({ input: null, steps: { reserve: { id: "r-1" } } });
    });

    it("answers undefined for an execution it cannot find", async () => {
      // Prepare
      sfn
        .on(GetExecutionHistoryCommand)
        .rejects(new ExecutionDoesNotExist({ message: "gone", $metadata: {} }));

      // Act
      const results = [await engine.results("e1"), await engine.results("unknown")];

      // Assess
      expect(results).toEqual([undefined, undefined]);
      expect(sfn.commandCalls(GetExecutionHistoryCommand).length).toEqual(1);
    });
  });

  it("derives execution ARNs from state machine ARNs", () => {
    // Act / Assess
    expect(executionArnOf(MACHINE, "e1")).toEqual(EXECUTION);
  });

  describe("redrive", () => {
    it("starts <id>--redrive-<n> at the resume entry with the results of every earlier run", async () => {
      // Prepare: the original run and redrive 1 exist; this is redrive 2
      const when = new Date("2026-11-22T10:00:00.000Z");
      const history = (input: string, steps: object) => ({
        events: [
          {
            id: 1,
            timestamp: when,
            type: "ExecutionStarted" as const,
            executionStartedEventDetails: { input, inputDetails: { truncated: false } },
          },
          {
            id: 2,
            timestamp: when,
            type: "TaskStateExited" as const,
            stateExitedEventDetails: {
              name: "x",
              output: JSON.stringify({ input: {}, steps }),
              outputDetails: { truncated: false },
            },
          },
        ],
      });
      sfn
        .on(GetExecutionHistoryCommand, { executionArn: EXECUTION })
        .resolves(history('{"orderId":"o-1"}', { reserve: { id: "r-1" }, charge: { id: "c-1" } }));
      sfn
        .on(GetExecutionHistoryCommand, { executionArn: `${EXECUTION}--redrive-1` })
        .resolves(history('{"batonResume":{}}', { ship: { id: "s-1" } }));
      sfn.on(DescribeExecutionCommand, { executionArn: `${EXECUTION}--redrive-1` }).resolves({});
      sfn
        .on(DescribeExecutionCommand, { executionArn: `${EXECUTION}--redrive-2` })
        .rejects(new ExecutionDoesNotExist({ message: "no", $metadata: {} }));
      sfn
        .on(StartExecutionCommand)
        .resolves({ executionArn: `${EXECUTION}--redrive-2`, startDate: when });

      // Act
      const redriven = await engine.redrive("e1", {
        from: "announce",
        keep: (id) => id !== "charge",
      });

      // Assess
      expect(redriven).toEqual({ redriveDate: "2026-11-22T10:00:00.000Z" });
      const call = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
      expect({ ...call, input: JSON.parse(call?.input ?? "null") }).toEqual({
        stateMachineArn: MACHINE,
        name: "e1--redrive-2",
        input: {
          batonResume: {
            executionId: "e1",
            redriveCount: 2,
            input: { orderId: "o-1" },
            steps: { reserve: { id: "r-1" }, ship: { id: "s-1" } },
            from: "announce",
          },
        },
      });
    });

    it("stops the latest redrive run, not the original execution", async () => {
      // Prepare
      sfn.on(DescribeExecutionCommand, { executionArn: `${EXECUTION}--redrive-1` }).resolves({});
      sfn
        .on(DescribeExecutionCommand, { executionArn: `${EXECUTION}--redrive-2` })
        .rejects(new ExecutionDoesNotExist({ message: "no", $metadata: {} }));
      sfn.on(StopExecutionCommand).resolves({});

      // Act
      await engine.stop("e1", { error: "Baton.Cancelled", cause: "{}" });

      // Assess
      expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input.executionArn).toEqual(
        `${EXECUTION}--redrive-1`,
      );
    });
  });
});

describe("readStateTrace", () => {
  const sfn = mockClient(SFNClient);
  afterAll(() => sfn.restore());
  beforeEach(() => sfn.reset());
  const client = new SFNClient({ region: "us-east-1" });
  const event = (id: number, type: string, name: string): HistoryEvent => ({
    id,
    timestamp: new Date(0),
    type: type as HistoryEvent["type"],
    ...(type.endsWith("StateEntered")
      ? { stateEnteredEventDetails: { name } }
      : { stateExitedEventDetails: { name } }),
  });

  it("collects the states every page of the history entered and exited", async () => {
    // Prepare
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: EXECUTION, nextToken: undefined })
      .resolves({
        events: [
          event(1, "ChoiceStateEntered", "Entry"),
          event(2, "ChoiceStateExited", "Entry"),
          event(3, "TaskStateEntered", "reserve"),
          event(4, "TaskStateExited", "reserve"),
        ],
        nextToken: "page-2",
      })
      .on(GetExecutionHistoryCommand, { executionArn: EXECUTION, nextToken: "page-2" })
      .resolves({
        events: [event(5, "ChoiceStateEntered", "ship#when"), event(6, "TaskStateEntered", "pay")],
      });

    // Act
    const trace = await readStateTrace(client, EXECUTION);

    // Assess
    expect(trace).toEqual({
      entered: ["Entry", "reserve", "ship#when", "pay"],
      exited: ["Entry", "reserve"],
    });
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0]?.args[0].input).toMatchObject({
      includeExecutionData: false,
    });
  });

  it("gives undefined for an execution that does not exist", async () => {
    // Prepare
    sfn
      .on(GetExecutionHistoryCommand)
      .rejects(new ExecutionDoesNotExist({ message: "gone", $metadata: {} }));

    // Act / Assess
    expect(await readStateTrace(client, EXECUTION)).toBeUndefined();
  });
});
