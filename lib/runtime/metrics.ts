/**
 * Metrics, derived from the events Baton publishes: every outcome worth counting (a call attempt,
 * a retry, a compensation, a breaker transition, an execution's start and end) is already an event
 * on the orchestration bus, so one decorator of the `EventPublisher` port meters them all and no
 * use case carries metric code. In AWS the sink is Powertools Metrics (EMF lines in the log,
 * `aws/powertools-metrics.ts`); elsewhere there is none.
 *
 * Dimensions are names from a bounded set (workflow, service, a `Baton.*` error name), never an
 * execution, step or instance id: each distinct combination is a billed CloudWatch metric.
 */
import { DetailType } from "../core/wire.ts";
import type { EventEntry, EventPublisher } from "./events.ts";

export const MetricName = {
  /** Finished attempts of `call` steps (success or failure). */
  ServiceCalls: "ServiceCalls",
  /** Duration of a finished `call` attempt, as the handler measured it (lookups included). */
  ServiceCallLatency: "ServiceCallLatency",
  ServiceCallFailures: "ServiceCallFailures",
  /** Attempts after the first (the ASL retried the step). */
  ServiceCallRetries: "ServiceCallRetries",
  /** Compensation calls that succeeded, and those that failed (an attempt). */
  CompensationsRun: "CompensationsRun",
  CompensationFailures: "CompensationFailures",
  CircuitOpened: "CircuitOpened",
  CircuitHalfOpened: "CircuitHalfOpened",
  CircuitClosed: "CircuitClosed",
  InstancesMarkedUnhealthy: "InstancesMarkedUnhealthy",
  InstancesMarkedHealthy: "InstancesMarkedHealthy",
  ExecutionsStarted: "ExecutionsStarted",
  ExecutionsSucceeded: "ExecutionsSucceeded",
  ExecutionsFailed: "ExecutionsFailed",
  ExecutionsCancelled: "ExecutionsCancelled",
  ExecutionsTimedOut: "ExecutionsTimedOut",
  ExecutionsRejected: "ExecutionsRejected",
  ExecutionsQueued: "ExecutionsQueued",
  ExecutionDuration: "ExecutionDuration",
  /** Executions whose saga compensation ended, by outcome. */
  SagasCompensated: "SagasCompensated",
  SagaCompensationsFailed: "SagaCompensationsFailed",
} as const;
export type MetricNameValue = (typeof MetricName)[keyof typeof MetricName];

export type MetricUnitName = "Count" | "Milliseconds";

export const Dimension = { Workflow: "Workflow", Service: "Service", Error: "Error" } as const;
type DimensionName = (typeof Dimension)[keyof typeof Dimension];

export interface MetricPoint {
  readonly name: MetricNameValue;
  readonly unit: MetricUnitName;
  readonly value: number;
  /** The values of every dimension the sets below name. */
  readonly dimensions: Readonly<Partial<Record<DimensionName, string>>>;
  /** The dimension combinations the point is published under (EMF `Dimensions`). */
  readonly dimensionSets: readonly (readonly DimensionName[])[];
}

/** Where metric points go; `add` must not throw and must not wait. */
export interface MetricsSink {
  add(points: readonly MetricPoint[]): void;
}

/** An `EventPublisher` that meters every entry before handing it on. */
export class MeteredPublisher implements EventPublisher {
  readonly #inner: EventPublisher;
  readonly #sink: MetricsSink;

  constructor(inner: EventPublisher, sink: MetricsSink) {
    this.#inner = inner;
    this.#sink = sink;
  }

  publish(entries: readonly EventEntry[]): Promise<void> {
    try {
      this.#sink.add(entries.flatMap(metricsOf));
    } catch {
      // Metrics are best effort: a sink that fails never costs an event.
    }
    return this.#inner.publish(entries);
  }
}

type Detail = Readonly<Record<string, unknown>>;

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

const count = (
  name: MetricNameValue,
  dimensions: MetricPoint["dimensions"],
  dimensionSets: MetricPoint["dimensionSets"],
): MetricPoint => ({ name, unit: "Count", value: 1, dimensions, dimensionSets });

const BY_SERVICE: MetricPoint["dimensionSets"] = [
  [Dimension.Service],
  [Dimension.Service, Dimension.Workflow],
];
const BY_ERROR: MetricPoint["dimensionSets"] = [
  [Dimension.Service],
  [Dimension.Service, Dimension.Workflow],
  [Dimension.Service, Dimension.Error],
];
const BY_WORKFLOW: MetricPoint["dimensionSets"] = [[Dimension.Workflow]];
const SERVICE_ONLY: MetricPoint["dimensionSets"] = [[Dimension.Service]];

const EXECUTION_ENDS: Readonly<Record<string, MetricNameValue>> = {
  [DetailType.ExecutionSucceeded]: MetricName.ExecutionsSucceeded,
  [DetailType.ExecutionFailed]: MetricName.ExecutionsFailed,
  [DetailType.ExecutionCancelled]: MetricName.ExecutionsCancelled,
  [DetailType.ExecutionTimedOut]: MetricName.ExecutionsTimedOut,
};

const CIRCUIT: Readonly<Record<string, MetricNameValue>> = {
  [DetailType.CircuitOpened]: MetricName.CircuitOpened,
  [DetailType.CircuitHalfOpened]: MetricName.CircuitHalfOpened,
  [DetailType.CircuitClosed]: MetricName.CircuitClosed,
};

/** The metric points one published event stands for (none for most events). */
export function metricsOf(entry: EventEntry): MetricPoint[] {
  const detail = entry.detail as Detail;
  switch (entry.detailType) {
    case DetailType.StepRetried:
    case DetailType.StepSucceeded:
    case DetailType.StepFailed:
    case DetailType.StepCompensated:
      return stepMetrics(entry.detailType, detail);
    case DetailType.InstanceHealthChanged:
      return healthMetrics(detail);
    case DetailType.ExecutionStarted:
    case DetailType.ExecutionRejected:
    case DetailType.ExecutionQueued:
      return startMetrics(entry.detailType, detail);
    default:
      break;
  }
  const circuit = CIRCUIT[entry.detailType];
  if (circuit !== undefined) {
    const service = text(detail.service);
    return service === undefined ? [] : [count(circuit, { Service: service }, SERVICE_ONLY)];
  }
  const end = EXECUTION_ENDS[entry.detailType];
  return end === undefined ? [] : endMetrics(end, detail);
}

function stepMetrics(detailType: string, detail: Detail): MetricPoint[] {
  const service = text(detail.service);
  const workflow = text(detail.workflow);
  if (service === undefined || workflow === undefined) return [];
  const dimensions = { Service: service, Workflow: workflow };
  const compensating = detail.mode === "compensate";
  if (detailType === DetailType.StepRetried)
    return compensating ? [] : [count(MetricName.ServiceCallRetries, dimensions, BY_SERVICE)];
  if (detailType === DetailType.StepCompensated)
    return [count(MetricName.CompensationsRun, dimensions, BY_SERVICE)];
  if (detailType === DetailType.StepFailed) {
    const error = text((detail.error as Detail | null | undefined)?.name) ?? "Unknown";
    const failure = compensating ? MetricName.CompensationFailures : MetricName.ServiceCallFailures;
    const points = [count(failure, { ...dimensions, Error: error }, BY_ERROR)];
    return compensating ? points : [...finishedCall(dimensions, detail), ...points];
  }
  return compensating ? [] : finishedCall(dimensions, detail);
}

/** A finished `call` attempt: counted, and its duration when known. */
function finishedCall(dimensions: MetricPoint["dimensions"], detail: Detail): MetricPoint[] {
  const points = [count(MetricName.ServiceCalls, dimensions, BY_SERVICE)];
  const duration = detail.durationMs;
  if (typeof duration === "number" && Number.isFinite(duration) && duration >= 0) {
    points.push({
      name: MetricName.ServiceCallLatency,
      unit: "Milliseconds",
      value: duration,
      dimensions,
      dimensionSets: BY_SERVICE,
    });
  }
  return points;
}

function healthMetrics(detail: Detail): MetricPoint[] {
  const service = text(detail.service);
  if (service === undefined || detail.healthy === detail.previouslyHealthy) return [];
  const name =
    detail.healthy === true
      ? MetricName.InstancesMarkedHealthy
      : MetricName.InstancesMarkedUnhealthy;
  return [count(name, { Service: service }, SERVICE_ONLY)];
}

const STARTS: Readonly<Record<string, MetricNameValue>> = {
  [DetailType.ExecutionStarted]: MetricName.ExecutionsStarted,
  [DetailType.ExecutionRejected]: MetricName.ExecutionsRejected,
  [DetailType.ExecutionQueued]: MetricName.ExecutionsQueued,
};

function startMetrics(detailType: string, detail: Detail): MetricPoint[] {
  const workflow = text(detail.workflow);
  const name = STARTS[detailType];
  if (workflow === undefined || name === undefined) return [];
  return [count(name, { Workflow: workflow }, BY_WORKFLOW)];
}

function endMetrics(name: MetricNameValue, detail: Detail): MetricPoint[] {
  const workflow = text(detail.workflow);
  if (workflow === undefined) return [];
  const dimensions = { Workflow: workflow };
  const points = [count(name, dimensions, BY_WORKFLOW)];
  const duration = detail.durationMs;
  if (typeof duration === "number" && Number.isFinite(duration) && duration >= 0) {
    points.push({
      name: MetricName.ExecutionDuration,
      unit: "Milliseconds",
      value: duration,
      dimensions,
      dimensionSets: BY_WORKFLOW,
    });
  }
  if (detail.compensation === "COMPLETED")
    points.push(count(MetricName.SagasCompensated, dimensions, BY_WORKFLOW));
  if (detail.compensation === "FAILED" || detail.compensation === "UNCERTAIN")
    points.push(count(MetricName.SagaCompensationsFailed, dimensions, BY_WORKFLOW));
  return points;
}
