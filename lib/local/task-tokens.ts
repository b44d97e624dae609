/**
 * Task tokens of `.waitForTaskToken` tasks waiting in this process. A token resolves with
 * `SendTaskSuccess`, rejects with `SendTaskFailure`, and rejects with `States.Timeout` after the
 * task's `TimeoutSeconds` (enforced here, whatever the interpreter does). Unknown or finished
 * tokens are refused with `TaskTimedOut`, as Step Functions answers `TaskTimedOut` for them.
 */
import { randomBytes } from "node:crypto";
import type { Json } from "../core/model.ts";

export class TaskTokenError extends Error {
  /** `TaskTimedOut` (unknown, finished or expired token) or `InvalidToken` (malformed). */
  readonly code: "TaskTimedOut" | "InvalidToken";

  constructor(code: "TaskTimedOut" | "InvalidToken", message: string) {
    super(message);
    this.name = code;
    this.code = code;
  }
}

/** The error a task fails with; `name` is what ASL `ErrorEquals` matches. */
export function taskError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

interface Waiting {
  readonly executionId: string;
  readonly resolve: (output: Json) => void;
  readonly reject: (error: Error) => void;
  readonly timer: LongTimer | undefined;
}

export class TaskTokens {
  readonly #waiting = new Map<string, Waiting>();

  /** A fresh token (opaque, URL-safe, like Step Functions tokens). */
  static newToken(): string {
    return randomBytes(48).toString("base64url");
  }

  /**
   * Parks `token` until it is completed. `timeoutSeconds` 0 times out at once (virtual clock);
   * undefined never times out.
   */
  wait(token: string, executionId: string, timeoutSeconds: number | undefined): Promise<Json> {
    return new Promise<Json>((resolve, reject) => {
      const timer =
        timeoutSeconds === undefined
          ? undefined
          : longTimeout(() => {
              this.#waiting.delete(token);
              reject(
                taskError(
                  "States.Timeout",
                  `The task did not complete within ${timeoutSeconds} s.`,
                ),
              );
            }, timeoutSeconds * 1000);
      this.#waiting.set(token, { executionId, resolve, reject, timer });
    });
  }

  succeed(token: string, output: Json): void {
    this.#take(token).resolve(output);
  }

  fail(token: string, error: string, cause: string): void {
    this.#take(token).reject(taskError(error, cause));
  }

  /** Fails every token of an execution (it was stopped). */
  abandon(executionId: string, error: Error): void {
    for (const [token, waiting] of this.#waiting) {
      if (waiting.executionId !== executionId) continue;
      this.#waiting.delete(token);
      waiting.timer?.clear();
      waiting.reject(error);
    }
  }

  has(token: string): boolean {
    return this.#waiting.has(token);
  }

  get size(): number {
    return this.#waiting.size;
  }

  #take(token: string): Waiting {
    if (typeof token !== "string" || token.length === 0 || token.length > 1024) {
      throw new TaskTokenError("InvalidToken", "The task token is malformed.");
    }
    const waiting = this.#waiting.get(token);
    if (waiting === undefined) {
      throw new TaskTokenError(
        "TaskTimedOut",
        "Task token is unknown, already completed, or timed out.",
      );
    }
    this.#waiting.delete(token);
    waiting.timer?.clear();
    return waiting;
  }
}

interface LongTimer {
  clear(): void;
}

/** Node timers overflow past ~24.8 days (they fire at once): wait longer in re-armed steps. */
function longTimeout(fire: () => void, ms: number): LongTimer {
  const due = Date.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const left = due - Date.now();
    timer = setTimeout(
      left > 2_000_000_000 ? arm : fire,
      Math.min(Math.max(left, 0), 2_000_000_000),
    );
    timer.unref();
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
