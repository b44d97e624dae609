/** The `baton simulate` table: criteria first, then where the numbers come from. */
import type { SimulationResult } from "../../local/simulate.ts";

const LABELS = {
  serviceCallSuccess: "service-call success",
  workflowCompletion: "workflow completion",
  dependencyResolution: "dependency resolution",
  coordination: "coordination",
} as const;

const percent = (value: number | null): string =>
  value === null ? "n/a" : `${(100 * value).toFixed(1)} %`;

export function formatSimulation(result: SimulationResult): string {
  const lines: string[] = [];
  lines.push(`${result.executions} executions in ${result.seconds.toFixed(0)} s`, "");
  lines.push("criterion               value    target   result  detail");
  for (const c of result.criteria) {
    lines.push(
      `${LABELS[c.name].padEnd(22)}  ${percent(c.value).padStart(7)}  > ${(c.threshold * 100).toFixed(0)} %   ${(c.passed ? "pass" : "FAIL").padEnd(6)}  ${c.detail}`,
    );
  }
  lines.push("", "workflow                 completed  statuses");
  for (const [name, w] of Object.entries(result.byWorkflow)) {
    const statuses = Object.entries(w.statuses)
      .map(([s, n]) => `${s} ${n}`)
      .join(", ");
    lines.push(`${name.padEnd(24)} ${`${w.succeeded}/${w.total}`.padStart(9)}  ${statuses}`);
  }
  const { coordination } = result;
  lines.push(
    "",
    "service      step calls ok  attempts per instance            breaker open/half/closed  health changes",
  );
  const services = new Set([
    ...Object.keys(result.calls.byService),
    ...Object.keys(coordination.share),
    ...Object.keys(coordination.breaker),
    ...Object.keys(coordination.health).map((k) => k.split("/")[0] ?? k),
  ]);
  for (const service of [...services].sort()) {
    const share = Object.entries(coordination.share[service] ?? {})
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([instance, n]) => `${instance} ${n}`)
      .join(", ");
    const b = coordination.breaker[service];
    const breaker = b === undefined ? "-" : `${b.opened}/${b.halfOpened}/${b.closed}`;
    const health = Object.entries(coordination.health)
      .filter(([key]) => key.startsWith(`${service}/`))
      .map(
        ([key, h]) =>
          `${key.slice(service.length + 1)} ↓${h.unhealthy} ↑${h.healthy}${h.healthyAtEnd ? "" : " (down)"}`,
      )
      .join(", ");
    const calls = result.calls.byService[service];
    const ok = calls === undefined ? "-" : `${calls.succeeded}/${calls.stepCalls}`;
    lines.push(
      `${service.padEnd(12)} ${ok.padStart(13)}  ${(share || "-").padEnd(32)} ${breaker.padEnd(25)} ${health || "-"}`,
    );
  }
  const errors = Object.entries(result.errors);
  lines.push("", errors.length === 0 ? "errors: none" : "errors (failed attempts, by service)");
  for (const [service, patterns] of errors.sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [name, count] of Object.entries(patterns).sort(([, a], [, b]) => b - a))
      lines.push(`  ${service.padEnd(12)} ${name.padEnd(36)} ${count}`);
  }
  if (result.dependencies.violations.length > 0) {
    lines.push("", "dependency-order violations");
    for (const v of result.dependencies.violations.slice(0, 10)) lines.push(`  ${v}`);
  }
  lines.push("", result.passed ? "PASS: every criterion met" : "FAIL: a criterion was not met");
  return `${lines.join("\n")}\n`;
}
