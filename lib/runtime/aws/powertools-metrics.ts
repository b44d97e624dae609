/**
 * The handlers' metrics: Powertools Metrics, written as CloudWatch Embedded Metric Format lines on
 * stdout (CloudWatch turns them into metrics; no API call, no IAM). Points are buffered during an
 * invocation and flushed by the `publishMetrics` middleware, one EMF line per dimension combination.
 * The namespace comes from `POWERTOOLS_METRICS_NAMESPACE` (the stack sets `Baton/<stage>`).
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { MiddlewareObj } from "@middy/core";
import type { MetricPoint, MetricsSink } from "../metrics.ts";

export const DEFAULT_METRICS_NAMESPACE = "Baton";

export class PowertoolsMetricsSink implements MetricsSink {
  readonly #metrics: Metrics;
  #points: MetricPoint[] = [];

  constructor(metrics?: Metrics) {
    this.#metrics =
      metrics ??
      new Metrics({
        namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
        serviceName: "baton",
      });
    // Powertools adds `service` to every dimension set; Baton's sets are its own (metrics.ts).
    this.#metrics.clearDefaultDimensions();
  }

  add(points: readonly MetricPoint[]): void {
    this.#points.push(...points);
  }

  /**
   * Writes the buffered points and empties the buffer: one EMF line per dimension combination
   * (a point under two sets is on two lines; Powertools would warn about sets sharing a key).
   */
  flush(): void {
    const groups = new Map<string, { dimensions: Record<string, string>; points: MetricPoint[] }>();
    for (const point of this.#points) {
      for (const set of point.dimensionSets) {
        const dimensions: Record<string, string> = {};
        for (const name of set) dimensions[name] = point.dimensions[name] ?? "none";
        const key = JSON.stringify(dimensions);
        const group = groups.get(key) ?? { dimensions, points: [] };
        group.points.push(point);
        groups.set(key, group);
      }
    }
    this.#points = [];
    for (const { dimensions, points } of groups.values()) {
      this.#metrics.clearDimensions();
      for (const [name, value] of Object.entries(dimensions))
        this.#metrics.addDimension(name, value);
      for (const point of points)
        this.#metrics.addMetric(point.name, MetricUnit[point.unit], point.value);
      this.#metrics.publishStoredMetrics();
    }
  }
}

/** The container's sink, shared by the event publisher and the middleware. */
export const metricsSink = new PowertoolsMetricsSink();

/** Flushes the sink after every invocation, failed ones included. */
export function publishMetrics(sink: PowertoolsMetricsSink = metricsSink): MiddlewareObj {
  const flush = (): void => {
    try {
      sink.flush();
    } catch {
      // A metric that cannot be written must not fail the invocation.
    }
  };
  return { after: flush, onError: flush };
}
