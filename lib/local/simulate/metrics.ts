/**
 * The `baton simulate` report, computed from what the run put on the local bus (step, circuit and
 * health events) and the executions' final statuses, against seed 000's criteria:
 * - service-call success (> 99 %): a step call (one step of one execution, one map item) counts
 *   once, successful when one of its attempts succeeded (after the step's retries); raw attempt
 *   success (every attempt) is printed next to it;
 * - workflow completion (> 95 %): executions that ended SUCCEEDED;
 * - dependency resolution (> 98 %): for each call step and each step it depends on (`dependsOn`,
 *   resolved), its first attempt started after the dependency's last successful call ended;
 * - coordination (> 90 %): calls that reached an instance that was registered and healthy at the
 *   time (health from `Instance Health Changed`); balancing share per instance, breaker
 *   open/close counts and health transitions are reported alongside.
 */
import { allSteps, type Json, type Step, type Workflow } from "../../core/model.ts";

export const CRITERIA = {
  serviceCallSuccess: 0.99,
  workflowCompletion: 0.95,
  dependencyResolution: 0.98,
  coordination: 0.9,
} as const;

export type CriterionName = keyof typeof CRITERIA;

export interface ObservedEvent {
  readonly detailType: string;
  readonly detail: Json;
}

export interface ExecutionOutcome {
  readonly id: string;
  readonly workflow: string;
  readonly status: string;
}

export interface Criterion {
  readonly name: CriterionName;
  readonly value: number | null;
  readonly threshold: number;
  readonly passed: boolean;
  readonly detail: string;
}

export interface SimulationReport {
  readonly executions: number;
  readonly byWorkflow: Record<
    string,
    { total: number; succeeded: number; statuses: Record<string, number> }
  >;
  readonly calls: {
    readonly stepCalls: number;
    readonly succeeded: number;
    readonly attempts: number;
    readonly attemptsSucceeded: number;
    /** Step calls and those that succeeded after retries, by service. */
    readonly byService: Record<string, { stepCalls: number; succeeded: number }>;
  };
  readonly dependencies: { readonly checked: number; readonly violations: readonly string[] };
  readonly coordination: {
    readonly routed: number;
    readonly toHealthyRegistered: number;
    readonly share: Record<string, Record<string, number>>;
    readonly breaker: Record<string, { opened: number; halfOpened: number; closed: number }>;
    readonly health: Record<string, { unhealthy: number; healthy: number; healthyAtEnd: boolean }>;
  };
  /** Error name (with the HTTP status when there was one) → count, by service (failed attempts). */
  readonly errors: Record<string, Record<string, number>>;
  readonly criteria: readonly Criterion[];
  readonly passed: boolean;
}

interface StepDetail {
  readonly executionId: string;
  readonly stepId: string;
  readonly itemPath?: string;
  readonly mode: string;
  readonly service: string;
  readonly instance: string | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly status: number | null;
  readonly error: { readonly name: string } | null;
}

export function buildReport(input: {
  readonly events: readonly ObservedEvent[];
  readonly outcomes: readonly ExecutionOutcome[];
  readonly workflows: ReadonlyMap<string, Workflow>;
  /** service → instance ids registered at the start. */
  readonly registered: ReadonlyMap<string, readonly string[]>;
}): SimulationReport {
  const byWorkflow: SimulationReport["byWorkflow"] = {};
  for (const outcome of input.outcomes) {
    const entry = slot(byWorkflow, outcome.workflow, () => ({
      total: 0,
      succeeded: 0,
      statuses: {} as Record<string, number>,
    }));
    entry.total += 1;
    if (outcome.status === "SUCCEEDED") entry.succeeded += 1;
    entry.statuses[outcome.status] = (entry.statuses[outcome.status] ?? 0) + 1;
  }
  const workflowOf = new Map(input.outcomes.map((o) => [o.id, o.workflow]));
  const finished = input.events
    .filter((e) => e.detailType === "Step Succeeded" || e.detailType === "Step Failed")
    .map((e) => ({ ok: e.detailType === "Step Succeeded", d: e.detail as unknown as StepDetail }))
    .filter((e) => e.d.mode === "call" && workflowOf.has(e.d.executionId));

  // Service calls: per step call (after retries) and per attempt.
  const stepCalls = new Map<string, boolean>();
  const serviceOf = new Map<string, string>();
  const errors: Record<string, Record<string, number>> = {};
  for (const { ok, d } of finished) {
    const key = `${d.executionId}/${d.itemPath ?? ""}/${d.stepId}`;
    stepCalls.set(key, (stepCalls.get(key) ?? false) || ok);
    serviceOf.set(key, d.service);
    if (!ok && d.error !== null) {
      const bucket = slot(errors, d.service, (): Record<string, number> => ({}));
      const pattern = d.status === null ? d.error.name : `${d.error.name} (HTTP ${d.status})`;
      bucket[pattern] = (bucket[pattern] ?? 0) + 1;
    }
  }
  const byService: Record<string, { stepCalls: number; succeeded: number }> = {};
  for (const [key, ok] of stepCalls) {
    const entry = slot(byService, serviceOf.get(key) ?? "", () => ({ stepCalls: 0, succeeded: 0 }));
    entry.stepCalls += 1;
    if (ok) entry.succeeded += 1;
  }
  const calls = {
    byService,
    stepCalls: stepCalls.size,
    succeeded: [...stepCalls.values()].filter(Boolean).length,
    attempts: finished.length,
    attemptsSucceeded: finished.filter((e) => e.ok).length,
  };

  const dependencies = checkDependencies(input.workflows, workflowOf, finished);
  const coordination = coordinate(input.events, finished, input.registered);

  const executions = input.outcomes.length;
  const completed = input.outcomes.filter((o) => o.status === "SUCCEEDED").length;
  const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
  const criterion = (name: CriterionName, value: number | null, detail: string): Criterion => ({
    name,
    value,
    threshold: CRITERIA[name],
    // Nothing to measure (e.g. no dependencies) is not a failure.
    passed: value === null || value > CRITERIA[name],
    detail,
  });
  const criteria = [
    criterion(
      "serviceCallSuccess",
      ratio(calls.succeeded, calls.stepCalls),
      `${calls.succeeded}/${calls.stepCalls} step calls after retries; raw attempts ${calls.attemptsSucceeded}/${calls.attempts}`,
    ),
    criterion(
      "workflowCompletion",
      ratio(completed, executions),
      `${completed}/${executions} executions SUCCEEDED`,
    ),
    criterion(
      "dependencyResolution",
      ratio(dependencies.checked - dependencies.violations.length, dependencies.checked),
      `${dependencies.violations.length} violation(s) in ${dependencies.checked} dependency checks`,
    ),
    criterion(
      "coordination",
      ratio(coordination.toHealthyRegistered, coordination.routed),
      `${coordination.toHealthyRegistered}/${coordination.routed} calls reached a registered, healthy instance`,
    ),
  ];
  return {
    executions,
    byWorkflow,
    calls,
    dependencies,
    coordination,
    errors,
    criteria,
    passed: criteria.every((c) => c.passed),
  };
}

interface Finished {
  readonly ok: boolean;
  readonly d: StepDetail;
}

function checkDependencies(
  workflows: ReadonlyMap<string, Workflow>,
  workflowOf: ReadonlyMap<string, string>,
  finished: readonly Finished[],
): { checked: number; violations: string[] } {
  // stepId → the call steps it stands for (itself, or the calls nested in a parallel/map/choice).
  const callsUnder = new Map<string, Map<string, readonly string[]>>();
  const dependsOn = new Map<string, Map<string, readonly string[]>>();
  for (const [name, workflow] of workflows) {
    const under = new Map<string, readonly string[]>();
    const deps = new Map<string, readonly string[]>();
    for (const step of allSteps(workflow.steps)) {
      under.set(
        step.id,
        [...allSteps([step])].filter((s: Step) => s.kind === "call").map((s) => s.id),
      );
      deps.set(step.id, step.dependsOn);
    }
    callsUnder.set(name, under);
    dependsOn.set(name, deps);
  }
  const byExecution = new Map<string, Finished[]>();
  for (const event of finished) {
    const list = byExecution.get(event.d.executionId) ?? [];
    list.push(event);
    byExecution.set(event.d.executionId, list);
  }
  let checked = 0;
  const violations: string[] = [];
  for (const [executionId, events] of byExecution) {
    const workflow = workflowOf.get(executionId) ?? "";
    const under = callsUnder.get(workflow);
    const deps = dependsOn.get(workflow);
    if (under === undefined || deps === undefined) continue;
    const firstStart = new Map<string, string>();
    for (const { d } of events) {
      const key = `${d.itemPath ?? ""}/${d.stepId}`;
      const seen = firstStart.get(key);
      if (seen === undefined || d.startedAt < seen) firstStart.set(key, d.startedAt);
    }
    for (const [key, startedAt] of firstStart) {
      const slash = key.lastIndexOf("/");
      const itemPath = key.slice(0, slash);
      const stepId = key.slice(slash + 1);
      for (const dependency of deps.get(stepId) ?? []) {
        const members = new Set(under.get(dependency) ?? []);
        const done = events.filter(
          (e) =>
            e.ok &&
            members.has(e.d.stepId) &&
            (e.d.itemPath ?? "").startsWith(itemPath) &&
            e.d.endedAt !== null,
        );
        if (done.length === 0) continue;
        checked += 1;
        const last = done.reduce((a, e) => ((e.d.endedAt ?? "") > a ? (e.d.endedAt ?? "") : a), "");
        if (startedAt < last)
          violations.push(
            `${workflow} ${executionId}: ${stepId} started ${startedAt} before ${dependency} finished ${last}`,
          );
      }
    }
  }
  return { checked, violations };
}

function coordinate(
  events: readonly ObservedEvent[],
  finished: readonly Finished[],
  registered: ReadonlyMap<string, readonly string[]>,
): SimulationReport["coordination"] {
  const healthChanges: { at: string; instance: string; healthy: boolean }[] = [];
  const breaker: SimulationReport["coordination"]["breaker"] = {};
  const health: SimulationReport["coordination"]["health"] = {};
  for (const event of events) {
    const d = event.detail as Record<string, Json>;
    const service = String(d.service ?? "");
    if (event.detailType === "Instance Health Changed") {
      const key = `${service}/${String(d.instance)}`;
      const healthy = d.healthy === true;
      healthChanges.push({ at: String(d.checkedAt), instance: key, healthy });
      const entry = slot(health, key, () => ({ unhealthy: 0, healthy: 0, healthyAtEnd: true }));
      if (healthy) entry.healthy += 1;
      else entry.unhealthy += 1;
      entry.healthyAtEnd = healthy;
    }
    const circuit = {
      "Circuit Opened": "opened",
      "Circuit Half-Opened": "halfOpened",
      "Circuit Closed": "closed",
    } as const;
    const kind = circuit[event.detailType as keyof typeof circuit];
    if (kind !== undefined) {
      const entry = slot(breaker, service, () => ({ opened: 0, halfOpened: 0, closed: 0 }));
      entry[kind] += 1;
    }
  }
  healthChanges.sort((a, b) => (a.at < b.at ? -1 : 1));
  const healthyAt = (instance: string, at: string): boolean => {
    let healthy = true;
    for (const change of healthChanges) {
      if (change.at > at) break;
      if (change.instance === instance) healthy = change.healthy;
    }
    return healthy;
  };
  const share: Record<string, Record<string, number>> = {};
  let routed = 0;
  let good = 0;
  for (const { d } of finished) {
    if (d.instance === null) continue;
    routed += 1;
    const bucket = slot(share, d.service, (): Record<string, number> => ({}));
    bucket[d.instance] = (bucket[d.instance] ?? 0) + 1;
    const known = registered.get(d.service)?.includes(d.instance) ?? false;
    if (known && healthyAt(`${d.service}/${d.instance}`, d.startedAt)) good += 1;
  }
  return { routed, toHealthyRegistered: good, share, breaker, health };
}

/** The record's entry for key, created by make on first use. */
function slot<T>(record: Record<string, T>, key: string, make: () => T): T {
  const existing = record[key];
  if (existing !== undefined) return existing;
  const made = make();
  record[key] = made;
  return made;
}
