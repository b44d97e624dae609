/**
 * What `npm start` prints: the URL, the demo services, and curl lines for three runs of a saga
 * from the loaded workflows — one that succeeds, one that retries (the second call fails twice
 * with 503 first), one that compensates (the last call is refused with 400).
 */
import type { CallStep, Workflow } from "../../core/model.ts";
import { sampleInput } from "../../core/schema-sample.ts";
import type { CompiledSet } from "../workflows.ts";
import type { DemoServices } from "./services.ts";

export function demoBanner(url: string, compiled: CompiledSet, demo: DemoServices): string {
  const lines = [
    `Baton dev server: ${url}`,
    `Web console:      ${url}/  (open it in a browser to watch the runs below)`,
    "",
  ];
  lines.push(
    "Demo services (POST /__control {failureRate, latencyMs, failNext, failStatus} to misbehave):",
  );
  for (const service of demo.services.values())
    lines.push(`  ${service.name.padEnd(10)} ${service.url}`);
  lines.push("");
  const saga = pickSaga([...compiled.workflows.values()], demo);
  if (saga === undefined) {
    lines.push(`Workflows: ${[...compiled.workflows.keys()].join(", ") || "(none loaded)"}`);
    lines.push(
      `Start one: curl -s -X POST ${url}/workflows/<name>/executions -H 'content-type: application/json' -d '{}'`,
    );
    return lines.join("\n");
  }
  const { workflow, calls } = saga;
  const start = `curl -s -X POST ${url}/workflows/${workflow.name}/executions -H 'content-type: application/json' -d '${JSON.stringify(sampleInput(workflow.input))}'`;
  const control = (service: string, body: object) =>
    `curl -s -X POST ${demo.services.get(service)?.url}/__control -d '${JSON.stringify(body)}'`;
  const flaky =
    calls.find((c) => (c.retry?.maxAttempts ?? 1) > 1 && c !== calls[0]) ??
    calls.find((c) => (c.retry?.maxAttempts ?? 1) > 1);
  const last = calls[calls.length - 1] as CallStep;
  lines.push(`Try the ${workflow.name} saga:`, "", "  # 1. succeeds", `  ${start}`, "");
  if (flaky !== undefined) {
    const failures = Math.min(2, (flaky.retry?.maxAttempts ?? 2) - 1);
    lines.push(
      `  # 2. retries: ${flaky.call.service} fails ${failures} time(s) with 503, step ${flaky.id} succeeds on attempt ${failures + 1}`,
      `  ${control(flaky.call.service, { failNext: failures })}`,
      `  ${start}`,
      "",
    );
  }
  lines.push(
    `  # 3. compensates: ${last.call.service} refuses step ${last.id} with 400; earlier steps are undone in reverse`,
    `  ${control(last.call.service, { failNext: 1, failStatus: 400 })}`,
    `  ${start}`,
    "",
    `  # then look at an execution (id from the responses above):`,
    `  curl -s ${url}/executions/<id>`,
    `  curl -s ${url}/executions/<id>/events`,
  );
  return lines.join("\n");
}

/** An order saga if there is one, else the workflow with the most compensable top-level calls. */
function pickSaga(
  workflows: readonly Workflow[],
  demo: DemoServices,
): { workflow: Workflow; calls: CallStep[] } | undefined {
  let best: { workflow: Workflow; calls: CallStep[]; score: number } | undefined;
  for (const workflow of workflows) {
    const calls = workflow.steps.filter(
      (s): s is CallStep => s.kind === "call" && demo.services.has(s.call.service),
    );
    const preferred = workflow.name.includes("order") ? 1_000 : 0;
    const score =
      preferred + calls.filter((c) => c.compensate !== undefined).length * 10 + calls.length;
    if (
      calls.length >= 2 &&
      calls.some((c) => c.compensate !== undefined) &&
      (best === undefined || score > best.score)
    ) {
      best = { workflow, calls, score };
    }
  }
  return best;
}
