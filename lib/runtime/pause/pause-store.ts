/**
 * The `PauseStore` port: whether an execution is paused (docs/limits-and-pause.md). DynamoDB:
 * `aws/dynamo-pause-store.ts` (item `PAUSE#<id>` in the executions table); memory:
 * `MemoryPauseStore` below. Each change bumps `version`, which orders pause and resume in the
 * record; `bounces` counts, per step, the attempts the service-call handler turned away while
 * paused, so the attempt numbers it reports stay those of real attempts.
 */

export interface PauseState {
  readonly paused: boolean;
  readonly version: number;
  /** Step key (`<itemPath>.<stepId>` or `<stepId>`) → attempts turned away while paused. */
  readonly bounces: Readonly<Record<string, number>>;
}

export interface PauseStore {
  /** undefined when the execution was never paused. */
  get(executionId: string): Promise<PauseState | undefined>;
  /** Pauses or resumes; the state after the change. */
  set(executionId: string, paused: boolean): Promise<PauseState>;
  /** Counts an attempt of `stepKey` turned away while paused. */
  bounce(executionId: string, stepKey: string): Promise<void>;
}

export class MemoryPauseStore implements PauseStore {
  readonly #states = new Map<string, PauseState>();

  async get(executionId: string): Promise<PauseState | undefined> {
    return this.#states.get(executionId);
  }

  async set(executionId: string, paused: boolean): Promise<PauseState> {
    const before = this.#states.get(executionId);
    const next = { paused, version: (before?.version ?? 0) + 1, bounces: before?.bounces ?? {} };
    this.#states.set(executionId, next);
    return next;
  }

  async bounce(executionId: string, stepKey: string): Promise<void> {
    const before = this.#states.get(executionId);
    if (before === undefined) return;
    const bounces = { ...before.bounces, [stepKey]: (before.bounces[stepKey] ?? 0) + 1 };
    this.#states.set(executionId, { ...before, bounces });
  }
}
