/**
 * What `baton dev` says while it runs: one line per execution start and end, per step failure,
 * retry and undo, per compensation phase, and per registry, health and circuit change, read from
 * the local bus (the same events AWS publishes on the orchestration bus). Step starts and
 * successes are left out: a busy server would print little else.
 *
 * `Execution Started` comes from the records (`records-target.ts`, after their short batching
 * delay) while step events come straight from the calls, so a fast run's first failure can reach
 * the bus before its start: an execution's lines wait for its start line, up to `HOLD_MS`.
 */
import { styleText } from "node:util";
import { DetailType, EVENT_SOURCE } from "../core/wire.ts";
import type { BusEvent, LocalEventBus } from "./event-bus.ts";
import { readable } from "./timeline.ts";

type Style = Parameters<typeof styleText>[0];
type Detail = Readonly<Record<string, unknown>>;

export interface ActivityLogOptions {
  readonly write: (line: string) => void;
  /** ANSI colours (only on a terminal). @default false */
  readonly color?: boolean;
  /** The clock for the time prefix (tests). @default Date */
  readonly now?: () => Date;
}

/** Longest an execution's line waits for its start line (the records' window, and some). */
export const HOLD_MS = 1_500;
/** Executions whose start line was printed, remembered at most (oldest dropped first). */
const STARTED_KEPT = 10_000;

/** Starts printing the bus's activity; returns the function that stops it. */
export function attachActivityLog(bus: LocalEventBus, options: ActivityLogOptions): () => void {
  const started = new Set<string>();
  const held = new Map<string, { lines: string[]; timer: ReturnType<typeof setTimeout> }>();
  const release = (id: string): void => {
    const waiting = held.get(id);
    held.delete(id);
    if (waiting !== undefined) clearTimeout(waiting.timer);
    started.add(id);
    if (started.size > STARTED_KEPT) started.delete(started.values().next().value as string);
    for (const line of waiting?.lines ?? []) options.write(line);
  };
  const stop = bus.listen((event) => {
    const line = activityLine(event);
    if (line === undefined) return;
    const time = (options.now?.() ?? new Date()).toISOString().slice(11, 19);
    const text = options.color === true ? styleText(line.style, line.text) : line.text;
    const stamped = `${time} ${text}`;
    const id = (event.detail as Detail | undefined)?.executionId;
    if (typeof id !== "string" || started.has(id)) {
      options.write(stamped);
      return;
    }
    if (event["detail-type"] === DetailType.ExecutionStarted) {
      options.write(stamped);
      release(id);
      return;
    }
    const waiting = held.get(id);
    if (waiting !== undefined) waiting.lines.push(stamped);
    else {
      const timer = setTimeout(() => release(id), HOLD_MS);
      timer.unref();
      held.set(id, { lines: [stamped], timer });
    }
  });
  return () => {
    stop();
    for (const id of [...held.keys()]) release(id);
  };
}

export interface ActivityLine {
  readonly text: string;
  readonly style: Style;
}

/** The line for a bus event, or undefined when the event is not worth one. */
export function activityLine(event: BusEvent): ActivityLine | undefined {
  if (event.source !== EVENT_SOURCE) return undefined;
  const detail = (event.detail ?? {}) as Detail;
  const format = FORMATS[event["detail-type"]];
  return format?.(detail);
}

const FORMATS: Readonly<Record<string, (d: Detail) => ActivityLine>> = {
  [DetailType.ExecutionStarted]: (d) => ({ text: `${execution(d)} started`, style: "dim" }),
  [DetailType.ExecutionSucceeded]: (d) => ({
    text: `${execution(d)} SUCCEEDED${took(d)}`,
    style: "green",
  }),
  [DetailType.ExecutionFailed]: (d) => ({ text: ended(d, "FAILED"), style: "red" }),
  [DetailType.ExecutionCancelled]: (d) => ({ text: ended(d, "CANCELLED"), style: "yellow" }),
  [DetailType.ExecutionTimedOut]: (d) => ({ text: ended(d, "TIMED OUT"), style: "red" }),
  [DetailType.ExecutionRejected]: (d) => ({
    text: `${text(d.workflow)} start from ${text(d.source)} REJECTED: ${text(d.reason)}`,
    style: "red",
  }),
  [DetailType.StepFailed]: (d) => ({
    text: `${execution(d)} ${step(d)} attempt ${text(d.attempt)} failed: ${error(d.error)}${
      retryable(d.error) ? " (will retry if attempts remain)" : ""
    }`,
    style: "red",
  }),
  [DetailType.StepRetried]: (d) => ({
    text: `${execution(d)} ${step(d)} retry, attempt ${text(d.attempt)}`,
    style: "yellow",
  }),
  [DetailType.StepCompensated]: (d) => ({
    text: `${execution(d)} ${step({ ...d, mode: undefined, service: undefined })} undone`,
    style: "cyan",
  }),
  [DetailType.CompensationStarted]: (d) => ({
    text: `${execution(d)} compensation started`,
    style: "yellow",
  }),
  [DetailType.CompensationCompleted]: (d) => ({
    text: `${execution(d)} compensation completed`,
    style: "cyan",
  }),
  [DetailType.CompensationFailed]: (d) => ({
    text: `${execution(d)} compensation FAILED${d.error === undefined ? "" : `: ${error(d.error)}`}`,
    style: "red",
  }),
  [DetailType.ServiceRegistered]: (d) => ({
    text: `registry: ${text(d.service)}${
      typeof d.instance === "string"
        ? ` instance ${d.instance} registered`
        : ` registered${instances(d.instances)}`
    }`,
    style: "dim",
  }),
  [DetailType.ServiceDeregistered]: (d) => ({
    text: `registry: ${text(d.service)}${
      typeof d.instance === "string" ? ` instance ${d.instance}` : ""
    } deregistered`,
    style: "dim",
  }),
  [DetailType.InstanceHealthChanged]: (d) => ({
    text: `health: ${text(d.service)}/${text(d.instance)} ${
      d.healthy === true ? "healthy" : "UNHEALTHY"
    }${typeof d.reason === "string" && d.reason !== "" ? ` (${d.reason})` : ""}`,
    style: d.healthy === true ? "green" : "red",
  }),
  [DetailType.InstanceSuspected]: (d) => ({
    text: `health: ${text(d.service)}/${text(d.instance)} failed a call, probing it now`,
    style: "yellow",
  }),
  [DetailType.CircuitOpened]: (d) => circuit(d, "OPEN: calls fail fast until the cooldown ends"),
  [DetailType.CircuitHalfOpened]: (d) => circuit(d, "HALF-OPEN: one probe call goes through"),
  [DetailType.CircuitClosed]: (d) => circuit(d, "CLOSED: calls flow again"),
};

const text = (value: unknown): string =>
  typeof value === "string" || typeof value === "number" ? String(value) : "?";

const execution = (d: Detail): string => `${text(d.workflow)} ${text(d.executionId)}`;

function step(d: Detail): string {
  const item = typeof d.itemPath === "string" ? d.itemPath : "";
  const undo = d.mode === "compensate" ? " (undo)" : "";
  const service = typeof d.service === "string" ? ` [${d.service}]` : "";
  return `step ${text(d.stepId)}${item}${undo}${service}`;
}

function took(d: Detail): string {
  return typeof d.durationMs === "number" ? ` in ${(d.durationMs / 1000).toFixed(2)} s` : "";
}

function ended(d: Detail, status: string): string {
  const compensation =
    typeof d.compensation === "string" && d.compensation !== "NONE"
      ? ` (compensation ${d.compensation})`
      : "";
  const reason = d.error === undefined || d.error === null ? "" : `: ${error(d.error)}`;
  return `${execution(d)} ${status}${took(d)}${reason}${compensation}`;
}

function error(value: unknown): string {
  if (typeof value !== "object" || value === null) return text(value);
  const e = value as Detail;
  const raw = e.message ?? e.cause ?? e.Cause;
  const message = typeof raw === "string" && raw !== "" ? `: ${readable(raw)}` : "";
  return `${text(e.name ?? e.error ?? e.Error)}${message}`;
}

const retryable = (value: unknown): boolean =>
  typeof value === "object" && value !== null && (value as Detail).retryable === true;

const instances = (value: unknown): string =>
  Array.isArray(value) && value.length > 0 ? ` (instances ${value.join(", ")})` : "";

const circuit = (d: Detail, what: string): ActivityLine => ({
  text: `circuit: ${text(d.service)} ${what}`,
  style: d.state === "CLOSED" ? "green" : d.state === "OPEN" ? "red" : "yellow",
});
