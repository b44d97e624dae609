/**
 * Typed Amazon States Language (JSONPath flavour), the subset Baton emits.
 * A union discriminated on `Type`; `Next` XOR `End` is enforced by the types.
 */

export type Transition =
  | { readonly Next: string; readonly End?: never }
  | { readonly End: true; readonly Next?: never };

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: "FULL" | "NONE";
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

/** A JSON value in `Parameters`/`Result`; keys ending in `.$` hold paths or intrinsics. */
export type AslJson =
  | null
  | boolean
  | number
  | string
  | readonly AslJson[]
  | { readonly [key: string]: AslJson };
export type Payload = { readonly [key: string]: AslJson };

interface Common {
  readonly Comment?: string;
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
}

export type PassState = Common &
  Transition & {
    readonly Type: "Pass";
    readonly Parameters?: Payload;
    readonly Result?: AslJson;
    readonly ResultPath?: string | null;
  };

export type TaskState = Common &
  Transition & {
    readonly Type: "Task";
    readonly Resource: string;
    readonly Parameters?: Payload;
    readonly ResultSelector?: Payload;
    readonly ResultPath?: string | null;
    readonly TimeoutSeconds?: number;
    readonly HeartbeatSeconds?: number;
    readonly Retry?: readonly Retrier[];
    readonly Catch?: readonly Catcher[];
  };

export type ChoiceRule = { readonly Next?: string } & (
  | { readonly And: readonly ChoiceRule[] }
  | { readonly Or: readonly ChoiceRule[] }
  | { readonly Not: ChoiceRule }
  | ({ readonly Variable: string } & { readonly [operator: string]: AslJson })
);

export interface ChoiceState extends Common {
  readonly Type: "Choice";
  readonly Choices: readonly (ChoiceRule & { readonly Next: string })[];
  readonly Default?: string;
}

export type WaitState = Common &
  Transition & {
    readonly Type: "Wait";
    readonly Seconds?: number;
    readonly SecondsPath?: string;
    readonly Timestamp?: string;
    readonly TimestampPath?: string;
  };

export interface SucceedState extends Common {
  readonly Type: "Succeed";
}

export interface FailState {
  readonly Type: "Fail";
  readonly Comment?: string;
  readonly Error?: string;
  readonly Cause?: string;
  readonly ErrorPath?: string;
  readonly CausePath?: string;
}

export interface StateMachineDefinition {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly States: { readonly [name: string]: State };
  readonly TimeoutSeconds?: number;
  readonly QueryLanguage?: "JSONPath";
}

export type ParallelState = Common &
  Transition & {
    readonly Type: "Parallel";
    readonly Branches: readonly StateMachineDefinition[];
    readonly Parameters?: Payload;
    readonly ResultSelector?: Payload;
    readonly ResultPath?: string | null;
    readonly Retry?: readonly Retrier[];
    readonly Catch?: readonly Catcher[];
  };

export type MapState = Common &
  Transition & {
    readonly Type: "Map";
    readonly ItemsPath?: string;
    readonly ItemSelector?: Payload;
    readonly ItemProcessor: StateMachineDefinition & {
      readonly ProcessorConfig?: { readonly Mode: "INLINE" };
    };
    readonly MaxConcurrency?: number;
    readonly ResultSelector?: Payload;
    readonly ResultPath?: string | null;
    readonly Retry?: readonly Retrier[];
    readonly Catch?: readonly Catcher[];
  };

export type State =
  | PassState
  | TaskState
  | ChoiceState
  | WaitState
  | SucceedState
  | FailState
  | ParallelState
  | MapState;
