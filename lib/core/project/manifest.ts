/**
 * What a workflow uses, read from its model: the CDK takes IAM policies and substitutions from it
 * and the catalogue takes each step's reads, so nobody re-scans compiled ASL for them. The
 * compiler decides which Task resources a definition runs; `tasksOf` states the same rules (a
 * test holds them equal to the placeholders of compiled definitions).
 */
import { hasCompensation } from "../compiler/compensation.ts";
import { conditionRefs, parseCondition } from "../condition.ts";
import {
  allSteps,
  type CallSpec,
  type Json,
  type JsonObject,
  type Step,
  type Workflow,
} from "../model.ts";
import { collectRefs, type TemplateRef } from "../template.ts";
import type { TaskResourceName } from "../wire.ts";
import type { WorkflowManifest } from "./model.ts";

export function manifestOf(workflow: Workflow): WorkflowManifest {
  const steps = [...allSteps(workflow.steps)];
  const ids = new Set(steps.map((s) => s.id));
  const events: JsonObject[] = [];
  const schedules: string[] = [];
  for (const trigger of workflow.triggers) {
    if (trigger.kind === "event") events.push(trigger.pattern);
    else schedules.push(trigger.expression);
  }
  return {
    services: sorted(
      steps.flatMap((s) =>
        s.kind === "call"
          ? [s.call.service, ...(s.compensate ? [s.compensate.call.service] : [])]
          : [],
      ),
    ),
    tasks: tasksOf(workflow),
    children: sorted(steps.flatMap((s) => (s.kind === "workflow" ? [s.name] : []))),
    emits: sorted(steps.flatMap((s) => (s.kind === "emit" ? [s.detailType] : []))),
    triggers: { events, schedules },
    reads: Object.fromEntries(
      steps.map((step) => [
        step.id,
        sorted(stepRefs(step).filter((id) => id !== step.id && ids.has(id))),
      ]),
    ),
  };
}

/**
 * The Task resources the compiled definition runs. Besides `emit` steps, the orchestration bus
 * carries the saga events of a workflow with compensations and, for express workflows (which
 * Step Functions reports no status changes for), the execution events.
 */
function tasksOf(workflow: Workflow): TaskResourceName[] {
  const kinds = new Set([...allSteps(workflow.steps)].map((s) => s.kind));
  const uses: Readonly<Record<TaskResourceName, boolean>> = {
    ServiceCall: kinds.has("call"),
    Emit: kinds.has("emit") || workflow.type === "express" || hasCompensation(workflow.steps),
    AwaitSignal: kinds.has("await"),
    ChildInput: kinds.has("workflow"),
    ChildWorkflow: kinds.has("workflow"),
  };
  return (Object.keys(uses) as TaskResourceName[]).filter((name) => uses[name]);
}

/** Ids of the steps a step's own templates and conditions read (nested steps read for themselves). */
function stepRefs(step: Step): string[] {
  const conditions = [
    ...(step.when === undefined ? [] : [step.when]),
    ...(step.kind === "choice" ? step.cases.map((c) => c.when) : []),
    ...(step.kind === "loop" ? [step.until] : []),
  ];
  const refs: TemplateRef[] = [
    ...templateValues(step).flatMap(collectRefs),
    ...conditions.flatMap((text) => {
      const parsed = parseCondition(text);
      return "condition" in parsed ? conditionRefs(parsed.condition) : [];
    }),
  ];
  return refs.flatMap((ref) => (ref.root === "steps" ? [String(ref.path[0])] : []));
}

/** The fields of a step that may hold `{{ templates }}`. */
function templateValues(step: Step): Json[] {
  switch (step.kind) {
    case "call":
      return [
        ...callValues(step.call),
        ...(step.compensate ? callValues(step.compensate.call) : []),
      ];
    case "map":
      return [step.items];
    case "loop":
      return [];
    case "wait":
      return step.until === undefined ? [] : [step.until];
    case "emit":
      return [step.detailType, step.detail];
    case "workflow":
      return [step.input];
    case "fail":
      return step.cause === undefined ? [] : [step.cause];
    case "parallel":
    case "choice":
    case "await":
    case "succeed":
      return [];
  }
}

const callValues = (call: CallSpec): Json[] => [
  call.path,
  call.query ?? null,
  call.headers ?? null,
  call.body ?? null,
];

const sorted = (values: readonly string[]): string[] => [...new Set(values)].sort();
