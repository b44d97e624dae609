/**
 * Publishing on the orchestration bus. Business code depends on `EventPublisher` only; AWS uses
 * `EventBridgePublisher` (`aws/event-bridge-publisher.ts`), tests use `RecordingPublisher`, the local
 * runtime brings its own. Publishing never throws.
 */

import type { Json } from "../core/model.ts";
import { EVENT_SOURCE } from "../core/wire.ts";

export interface EventEntry {
  readonly detailType: string;
  /** A JSON object; serialised once by the publisher. */
  readonly detail: object;
}

export interface EventPublisher {
  /** Resolves once every entry is on the bus or in the dead-letter queue; never rejects. */
  publish(entries: readonly EventEntry[]): Promise<void>;
}

/**
 * Detail of `Step Started`, `Step Retried`, `Step Succeeded`, `Step Failed` and `Step Compensated`,
 * one per attempt of a call (mode `call`) or of a compensation (mode `compensate`). Fields not
 * known yet are `null` (e.g. `durationMs` on `Step Started`), never absent.
 */
export interface StepEventDetail {
  readonly executionId: string;
  readonly workflow: string;
  readonly version: number;
  readonly stepId: string;
  /** The map item the call ran in (`<mapId>[<index>]`, nested maps joined by `.`). */
  readonly itemPath?: string;
  readonly mode: "call" | "compensate";
  /** 1 for the first try. */
  readonly attempt: number;
  /** Which redrive of the execution made the call (absent or 0 for the first run). */
  readonly redriveCount?: number;
  readonly service: string;
  /** Instance id that was called; null before an instance was picked. */
  readonly instance: string | null;
  /** ISO time the attempt started. */
  readonly startedAt: string;
  /** ISO time the attempt ended; null on `Step Started` / `Step Retried`. */
  readonly endedAt: string | null;
  readonly durationMs: number | null;
  /** HTTP status of the response, null when there was none. */
  readonly status: number | null;
  /** `name` is a `Baton.*` catalogue name; `retryable` says whether the ASL retry may run again. */
  readonly error: {
    readonly name: string;
    readonly message: string;
    readonly retryable: boolean;
  } | null;
  /**
   * The W3C trace id the request was sent with (`traceparent`): on the attempt's end event once a
   * request went out (absent when none was sent: no instance, circuit open).
   */
  readonly traceId?: string;
}

/**
 * Detail of `Execution Rejected`: a trigger, schedule or `workflow` step tried to start an
 * execution whose input fails the workflow's schema; nothing ran (and, for triggers and
 * schedules, the event is in the dead-letter queue).
 */
export interface ExecutionRejectedDetail {
  readonly workflow: string;
  readonly version: number;
  readonly source: "trigger" | "schedule" | "workflow";
  /** What is wrong, as one sentence. */
  readonly reason: string;
  readonly errors: readonly { readonly path: string; readonly message: string }[];
  readonly input: Json;
}

/** Detail of `Service Registered` / `Service Deregistered`. */
export interface ServiceEventDetail {
  readonly service: string;
  /** Set when a single instance was registered or deregistered. */
  readonly instance?: string;
  /** Instance ids of the service after the change (whole-service registrations). */
  readonly instances?: readonly string[];
  /** true when the service (or instance) did not exist before. */
  readonly created?: boolean;
}

/** Detail of `Instance Health Changed`. */
export interface InstanceHealthEventDetail {
  readonly service: string;
  readonly instance: string;
  readonly url: string;
  readonly healthy: boolean;
  readonly previouslyHealthy: boolean;
  /** Why the last probe succeeded or failed, e.g. `HTTP 503` or `connection refused`. */
  readonly reason: string;
  readonly checkedAt: string;
}

/** Detail of `Circuit Opened` / `Circuit Half-Opened` / `Circuit Closed`. */
export interface CircuitEventDetail {
  readonly service: string;
  readonly state: "CLOSED" | "OPEN" | "HALF_OPEN";
  readonly previousState: "CLOSED" | "OPEN" | "HALF_OPEN";
  /** Failures counted inside the window when the circuit opened. */
  readonly failures: number;
  readonly at: string;
}

export interface PublishedEvent {
  readonly source: typeof EVENT_SOURCE;
  readonly detailType: string;
  readonly detail: Json;
}

/** Keeps every published event in memory, detail deep-copied as JSON (as the bus would). */
export class RecordingPublisher implements EventPublisher {
  readonly events: PublishedEvent[] = [];

  async publish(entries: readonly EventEntry[]): Promise<void> {
    for (const entry of entries) {
      this.events.push({
        source: EVENT_SOURCE,
        detailType: entry.detailType,
        detail: JSON.parse(JSON.stringify(entry.detail)) as Json,
      });
    }
  }

  ofType(detailType: string): PublishedEvent[] {
    return this.events.filter((event) => event.detailType === detailType);
  }

  detailTypes(): string[] {
    return this.events.map((event) => event.detailType);
  }

  clear(): void {
    this.events.length = 0;
  }
}
