/**
 * The live step timeline `baton run` prints: one line per finished attempt of a call or
 * compensation (step, attempt, instance, duration, status), plus the execution's start, its
 * compensation phase and its end. Colours only on a TTY (node:util `styleText`).
 */

import { styleText } from "node:util";
import { DetailType, EVENT_SOURCE } from "../core/wire.ts";
import type { BusEvent } from "./event-bus.ts";

type Style = Parameters<typeof styleText>[0];

const STEP_END = new Set<string>([
  DetailType.StepSucceeded,
  DetailType.StepFailed,
  DetailType.StepCompensated,
]);
const PHASES: Readonly<Record<string, { text: string; style: Style }>> = {
  [DetailType.CompensationStarted]: { text: "compensation started", style: "yellow" },
  [DetailType.CompensationCompleted]: { text: "compensation completed", style: "cyan" },
  [DetailType.CompensationFailed]: { text: "compensation FAILED", style: "red" },
};

export interface TimelineOptions {
  readonly executionId: string;
  readonly write: (line: string) => void;
  readonly color: boolean;
}

export class Timeline {
  readonly #options: TimelineOptions;
  readonly #started = Date.now();

  constructor(options: TimelineOptions) {
    this.#options = options;
  }

  /** Prints the line for a bus event, if it is about this execution and worth a line. */
  onEvent(event: BusEvent): void {
    const detail = (event.detail ?? {}) as Record<string, unknown>;
    const id = typeof detail.executionId === "string" ? detail.executionId : undefined;
    const type = event["detail-type"];
    if (event.source === EVENT_SOURCE && id === this.#options.executionId) {
      if (STEP_END.has(type)) this.#step(type, detail);
      const phase = PHASES[type];
      if (phase !== undefined) this.#line("", this.#paint(phase.style, phase.text));
    }
  }

  /** The header line. */
  begin(workflow: string, version: number): void {
    this.#options.write(
      `${this.#paint("bold", `${workflow} v${version}`)}  execution ${this.#options.executionId}`,
    );
    this.#options.write(
      this.#paint(
        "dim",
        `${"time".padEnd(8)} ${"step".padEnd(22)} ${"attempt".padEnd(7)} ${"instance".padEnd(16)} ${"duration".padStart(8)}  status`,
      ),
    );
  }

  /** The closing line. */
  end(status: string, error: { readonly name: string; readonly message: string } | null): void {
    const style: Style = status === "SUCCEEDED" ? "green" : status === "RUNNING" ? "yellow" : "red";
    const reason = error === null ? "" : `  ${error.name}: ${readable(error.message)}`;
    this.#line("", `${this.#paint(["bold", style], status)}${reason}`);
  }

  /** A free-form note (e.g. an await step waiting). */
  note(text: string): void {
    this.#line("", this.#paint("dim", text));
  }

  #step(type: string, d: Record<string, unknown>): void {
    const compensating = d.mode === "compensate";
    const step = `${String(d.stepId ?? "?")}${compensating ? " (undo)" : ""}`;
    const attempt = typeof d.attempt === "number" ? String(d.attempt) : "-";
    const instance = typeof d.instance === "string" ? d.instance : "-";
    const duration = typeof d.durationMs === "number" ? `${d.durationMs} ms` : "-";
    const error = (d.error ?? null) as {
      name?: string;
      message?: string;
      retryable?: boolean;
    } | null;
    let status: string;
    if (type === DetailType.StepFailed) {
      const retry = error?.retryable === true ? " (retryable)" : "";
      status =
        this.#paint("red", `FAILED ${error?.name ?? ""}${retry}`) +
        this.#paint("dim", ` ${error?.message ?? ""}`);
    } else if (type === DetailType.StepCompensated) {
      status = this.#paint("cyan", "COMPENSATED");
    } else {
      status = this.#paint("green", "SUCCEEDED");
    }
    this.#line(
      `${step.padEnd(22)} ${attempt.padEnd(7)} ${instance.padEnd(16)} ${duration.padStart(8)}`,
      status,
    );
  }

  #line(columns: string, status: string): void {
    const elapsed = `+${((Date.now() - this.#started) / 1000).toFixed(2)}s`;
    const left = columns === "" ? "" : `${columns}  `;
    this.#options.write(`${this.#paint("dim", elapsed.padEnd(8))} ${left}${status}`);
  }

  #paint(style: Style, text: string): string {
    return this.#options.color ? styleText(style, text) : text;
  }
}

/** The human part of an error message that may be a Lambda error envelope around a Baton failure. */
export function readable(message: string): string {
  let text = message;
  for (let depth = 0; depth < 3; depth++) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return text;
    }
    if (typeof parsed !== "object" || parsed === null) return text;
    const o = parsed as { errorMessage?: unknown; message?: unknown };
    const inner =
      typeof o.errorMessage === "string"
        ? o.errorMessage
        : typeof o.message === "string"
          ? o.message
          : undefined;
    if (inner === undefined) return text;
    text = inner;
  }
  return text;
}
