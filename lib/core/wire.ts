/**
 * Names on the wire, typed once: what compiled ASL, the handlers, the CDK stack and the local
 * runtime must spell the same way. Event sources and detail types, the ASL placeholders CDK
 * substitutes, and the DynamoDB layout of Baton's tables. Nothing here imports AWS code.
 */

/** `source` of every event Baton publishes (and of `emit` steps). */
export const EVENT_SOURCE = "baton";
/** `source` of Step Functions' own events on the default bus. */
export const STEP_FUNCTIONS_SOURCE = "aws.states";
/**
 * The pattern fragment of rules that must not see replayed events (`POST /events/replay`): a
 * replay marks each event with `replay-name`, EventBridge and the local bus alike. Records and
 * history already hold what a replay re-delivers.
 */
export const NOT_REPLAYED = { "replay-name": [{ exists: false }] } as const;
/** `detail-type` of Step Functions' execution status changes. */
export const STATUS_CHANGE_DETAIL_TYPE = "Step Functions Execution Status Change";

/** Detail types Baton itself publishes on the orchestration bus (SERVICE.md, "Events"). */
export const DetailType = {
  ExecutionStarted: "Execution Started",
  ExecutionSucceeded: "Execution Succeeded",
  ExecutionFailed: "Execution Failed",
  ExecutionCancelled: "Execution Cancelled",
  ExecutionTimedOut: "Execution Timed Out",
  /** A trigger, schedule or `workflow` step tried to start an execution with invalid input. */
  ExecutionRejected: "Execution Rejected",
  /** A start waits for a slot of the workflow's `concurrency` limit (docs/limits-and-pause.md). */
  ExecutionQueued: "Execution Queued",
  /** Pause and resume through the API (docs/limits-and-pause.md). */
  ExecutionPaused: "Execution Paused",
  ExecutionResumed: "Execution Resumed",
  CompensationStarted: "Compensation Started",
  CompensationCompleted: "Compensation Completed",
  CompensationFailed: "Compensation Failed",
  StepStarted: "Step Started",
  StepSucceeded: "Step Succeeded",
  StepFailed: "Step Failed",
  StepRetried: "Step Retried",
  StepCompensated: "Step Compensated",
  ServiceRegistered: "Service Registered",
  ServiceDeregistered: "Service Deregistered",
  InstanceHealthChanged: "Instance Health Changed",
  /** A call failure blamed an instance; the health check probes it at once (AWS wiring). */
  InstanceSuspected: "Instance Suspected",
  CircuitOpened: "Circuit Opened",
  CircuitHalfOpened: "Circuit Half-Opened",
  CircuitClosed: "Circuit Closed",
  /** A refreshed service contract breaks calls of deployed workflows (docs/contracts.md). */
  ContractDriftDetected: "Contract Drift Detected",
  /** A service's contract no longer breaks any deployed workflow of the Region (docs/contracts.md). */
  ContractDriftCleared: "Contract Drift Cleared",
} as const;

/** Baton's own detail types: an `emit` step may not use them (records would trust them). */
export const RESERVED_DETAIL_TYPES: readonly string[] = Object.values(DetailType);

export type BatonDetailType = (typeof DetailType)[keyof typeof DetailType];

/** Substitution keys (without `${}`) for CDK `DefinitionSubstitutions`. */
export const SUBSTITUTION_KEYS = {
  ServiceCall: "BatonServiceCall",
  EventBus: "BatonEventBus",
  AwaitSignal: "BatonAwaitSignal",
  StartExecution: "BatonStartExecution",
} as const;

/** Child workflows are referenced by name; CDK maps this key to the child's state machine ARN. */
export const childWorkflowSubstitution = (name: string): string =>
  `ChildWorkflow_${name.replace(/-/g, "_")}`;

/** Every `${Key}` placeholder in a compiled definition, for substitution and checks. */
export const placeholdersIn = (asl: string): string[] => [
  ...new Set([...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] ?? "")),
];

const asPlaceholder = <K extends string>(key: K): `\${${K}}` => `\${${key}}`;

/** The placeholders themselves, as they appear in compiled ASL. */
export const PLACEHOLDER = {
  ServiceCall: asPlaceholder(SUBSTITUTION_KEYS.ServiceCall),
  EventBus: asPlaceholder(SUBSTITUTION_KEYS.EventBus),
  AwaitSignal: asPlaceholder(SUBSTITUTION_KEYS.AwaitSignal),
  StartExecution: asPlaceholder(SUBSTITUTION_KEYS.StartExecution),
} as const;

/**
 * `Resource` values of the Task states the compiler emits. Placeholders use CDK
 * `DefinitionSubstitutions` syntax; the local runtime routes every Task by its `Resource`.
 */
export const TaskResource = {
  /** The service-call Lambda (direct ARN form): every `call` step and every compensation. */
  ServiceCall: PLACEHOLDER.ServiceCall,
  /** `emit` steps: the native EventBridge integration; `EventBusName` is `${BatonEventBus}`. */
  Emit: "arn:aws:states:::events:putEvents",
  /** `await` steps: the await-signal Lambda parks the task token (`FunctionName` placeholder). */
  AwaitSignal: "arn:aws:states:::lambda:invoke.waitForTaskToken",
  /**
   * `workflow` steps, first: the start-execution Lambda (direct ARN form) resolves the child's input
   * templates and checks the result against the child's input schema, as every other start is
   * checked; it returns the child's execution name and the state it starts with (`$.childInput`,
   * a `ChildStart`).
   */
  ChildInput: PLACEHOLDER.StartExecution,
  /** `workflow` steps: start the child and wait; `StateMachineArn` is a per-child placeholder. */
  ChildWorkflow: "arn:aws:states:::states:startExecution.sync:2",
} as const;
export type TaskResourceName = keyof typeof TaskResource;

/**
 * Key attributes of both tables (`pk`/`sk`, strings): the stack (`lib/cdk/baton-tables.ts`),
 * the DynamoDB stores (`lib/runtime/aws/`) and dynalite (`lib/runtime/aws/table-schema.ts`).
 */
export const TABLE_KEYS = { partitionKey: "pk", sortKey: "sk" } as const;

/** Global secondary index of the executions table: a workflow's executions, newest first. */
/**
 * Baton events the execution records take from the orchestration bus (the bus carries more):
 * step and compensation events. Its own `Execution *` events the records publish and log
 * themselves; they are not delivered back.
 */
export const RECORDED_DETAIL_TYPE_PREFIXES: readonly string[] = ["Step ", "Compensation "];

export const BY_WORKFLOW_INDEX = {
  name: "byWorkflow",
  partitionKey: "gsi1pk",
  sortKey: "gsi1sk",
  /** Listing reads keys and filters on status; documents are assembled from the table. */
  projected: ["status"],
} as const;

/** Epoch seconds after which DynamoDB deletes an execution item. */
export const TTL_ATTRIBUTE = "expiresAt";
