/** How the remote commands print an execution document (`baton start --wait`, `baton status`). */
import { table } from "./table.ts";

export interface ExecutionView {
  readonly id: string;
  readonly workflow: string;
  readonly version: number;
  readonly status: string;
  readonly startedAt: string;
  readonly stoppedAt: string | null;
  readonly durationMs: number | null;
  readonly startedBy?: string;
  /** Absent from servers older than these fields. */
  readonly versionPinned?: boolean;
  readonly traceId?: string;
  readonly compensation: string;
  readonly error: {
    readonly name: string;
    readonly message: string;
    readonly step?: string;
  } | null;
  readonly steps: readonly {
    readonly id: string;
    readonly status: string;
    readonly attempts: number;
    readonly durationMs?: number;
    readonly instance?: string;
  }[];
}

/** Statuses that mean the execution failed: `baton status` and `baton start --wait` exit 1. */
export const FAILED_STATUSES: readonly string[] = ["FAILED", "COMPENSATION_FAILED", "TIMED_OUT"];

/** Still going: `baton start --wait` keeps polling. */
export const ACTIVE_STATUSES: readonly string[] = ["QUEUED", "RUNNING", "PAUSED"];

export function renderExecution(doc: ExecutionView): string {
  const lines = [
    `${doc.id}  ${doc.workflow} v${doc.version}${doc.versionPinned === true ? " (pinned)" : ""}  ${doc.status}${
      doc.compensation === "NONE" ? "" : `  compensation ${doc.compensation}`
    }`,
    `started ${doc.startedAt}${doc.startedBy === undefined ? "" : ` by ${doc.startedBy}`}${
      doc.durationMs === null ? "" : `, took ${doc.durationMs} ms`
    }${doc.traceId === undefined ? "" : `, trace ${doc.traceId}`}`,
  ];
  if (doc.error !== null) {
    lines.push(
      `error: ${doc.error.name}: ${doc.error.message}${doc.error.step === undefined ? "" : ` (step ${doc.error.step})`}`,
    );
  }
  const head = `${lines.join("\n")}\n`;
  if (doc.steps.length === 0) return head;
  return `${head}\n${table(
    ["STEP", "STATUS", "ATTEMPTS", "MS", "INSTANCE"],
    doc.steps.map((s) => [
      s.id,
      s.status,
      String(s.attempts),
      s.durationMs === undefined ? "" : String(s.durationMs),
      s.instance ?? "",
    ]),
  )}`;
}
