/**
 * State names. Step ids are `^[a-z][a-z0-9_]{0,62}$`, so a step's own state is its id and helper
 * states add a `#suffix` no id can contain; every name stays under the 80-character ASL limit.
 */
export const stateName = {
  when: (id: string) => `${id}#when`,
  failed: (id: string) => `${id}#failed`,
  uncertain: (id: string) => `${id}#uncertain`,
  maybeApplied: (id: string) => `${id}#maybe-applied`,
  again: (id: string) => `${id}#again`,
  againFailed: (id: string) => `${id}#again-failed`,
  onError: (id: string) => `${id}#on-error?`,
  onErrorUncertain: (id: string) => `${id}#on-error-uncertain?`,
  handled: (id: string) => `${id}#handled`,
  handledUncertain: (id: string) => `${id}#handled-uncertain`,
  iteration: (id: string) => `${id}#iteration`,
  untilCheck: (id: string) => `${id}#until?`,
  iterationDone: (id: string) => `${id}#iteration-done`,
  iterationAgain: (id: string) => `${id}#iteration-again`,
  iterationFailed: (id: string) => `${id}#iteration-failed`,
  iterationRecord: (id: string) => `${id}#iteration-record`,
  loopCheck: (id: string) => `${id}#next?`,
  loopFailed: (id: string) => `${id}#iteration-failure`,
  loopLimit: (id: string) => `${id}#limit`,
  loopResult: (id: string) => `${id}#result`,
  timedOut: (id: string) => `${id}#timed-out`,
  childFailed: (id: string) => `${id}#child-failed`,
  childInput: (id: string) => `${id}#input`,
  output: (id: string) => `${id}#output`,
  until: (id: string) => `${id}#until`,
  merge: (id: string) => `${id}#merge`,
  check: (id: string) => `${id}#check`,
  propagate: (id: string) => `${id}#propagate`,
  iterationStopped: (id: string) => `${id}#item#stopped`,
  undoGuard: (id: string) => `${id}#undo?`,
  /** `Compensation started`, then straight to this step's undo (the first one due). */
  compensating: (id: string) => `${id}#compensating`,
  undo: (id: string) => `${id}#undo`,
  undoEach: (id: string) => `${id}#undo-each`,
  undoLoad: (id: string) => `${id}#undo-load`,
  undoCheck: (id: string) => `${id}#undo-check`,
  undoFrom: (id: string) => `${id}#undo-from`,
} as const;

/** Top-level states shared by the whole machine. */
export const TOP = {
  start: "Start",
  finish: "Finish",
  compensationStarted: "Compensation started",
  compensateFrom: "Compensate from",
  compensationCompleted: "Compensation completed",
  compensationFailedEvent: "Compensation failed",
  failed: "Failed",
  compensationFailed: "Compensation incomplete",
  entry: "Entry",
  resume: "Resume",
  resumeAt: "Resume at",
  compensateOnly: "Compensate only",
  output: "Output",
  succeededEvent: "Execution succeeded",
  failedEvent: "Execution failed",
  incompleteEvent: "Execution failed: compensation incomplete",
} as const;

/** The loop a state belongs to, if it is one of the states a loop re-enters every iteration. */
export function loopOfState(name: string): string | undefined {
  for (const suffix of ["#iteration", "#next?"]) {
    if (name.endsWith(suffix)) return name.slice(0, -suffix.length);
  }
  return undefined;
}
