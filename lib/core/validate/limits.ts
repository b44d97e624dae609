/**
 * Limits a workflow must stay within: how deep its file nests (checked before anything recursive
 * reads it), how deep its steps nest, and the size of its compiled definition against Step
 * Functions' 1 MB limit (a definition over it would fail at deploy time, far from its cause).
 */
import { compileWorkflow } from "../compile.ts";
import { deployedDefinitionBytes, LIMITS, tooDeepAt } from "../limits.ts";
import { childLists, type Step, type Workflow } from "../model.ts";
import { at, type Report } from "./problem-report.ts";

/** Whether the file nests too deeply to validate; reported as E_TOO_DEEP. */
export function checkDocumentDepth(report: Report, value: unknown): boolean {
  const pointer = tooDeepAt(value, LIMITS.definitionDepth);
  if (pointer === undefined) return true;
  report.error(
    "E_TOO_DEEP",
    pointer,
    `the file nests mappings and lists more than ${LIMITS.definitionDepth} levels deep`,
    "flatten the data; pass deep structures as execution input instead",
  );
  return false;
}

/** Reports steps nested more than LIMITS.stepNesting levels deep (once, at the first too deep). */
export function checkStepNesting(report: Report, steps: readonly Step[]): void {
  const pending = steps.map((step) => ({ step, level: 1 }));
  while (pending.length > 0) {
    const { step, level } = pending.shift() as { step: Step; level: number };
    if (level > LIMITS.stepNesting) {
      report.error(
        "E_TOO_DEEP",
        step.pointer,
        `step "${step.id}" is nested ${level} levels deep in parallel, choice and map steps; at most ${LIMITS.stepNesting} are allowed`,
        "move the inner steps into a child workflow, run by a `workflow` step",
      );
      return;
    }
    for (const list of childLists(step))
      for (const child of list) pending.push({ step: child, level: level + 1 });
  }
}

/**
 * Reports a workflow whose compiled definition would exceed `maxBytes` once deployed, pointing at
 * the longest text of the file (`document`) when that text alone takes a large share of it.
 */
export function checkDefinitionSize(
  report: Report,
  workflow: Workflow,
  document: unknown,
  maxBytes: number,
): void {
  if (!Number.isFinite(maxBytes)) return;
  const bytes = deployedDefinitionBytes(JSON.stringify(compileWorkflow(workflow)));
  if (bytes <= maxBytes) return;
  const longest = longestText(document);
  const culprit = longest !== undefined && longest.bytes > maxBytes / 4 ? longest : undefined;
  report.error(
    "E_DEFINITION_TOO_LARGE",
    culprit?.pointer ?? "",
    `the compiled state machine is ${kb(bytes)} KB; Step Functions accepts at most ${kb(maxBytes)} KB`,
    culprit !== undefined
      ? `this text alone is ${kb(culprit.bytes)} KB: shorten it`
      : "split it into child workflows, run by `workflow` steps",
  );
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(bytes < 10_240 ? 1 : 0);

/** The longest string in a parsed file, with its JSON pointer. */
function longestText(document: unknown): { pointer: string; bytes: number } | undefined {
  let longest: { pointer: string; bytes: number } | undefined;
  const pending: { value: unknown; pointer: string }[] = [{ value: document, pointer: "" }];
  while (pending.length > 0) {
    const { value, pointer } = pending.pop() as { value: unknown; pointer: string };
    if (typeof value === "string") {
      const bytes = Buffer.byteLength(value);
      if (longest === undefined || bytes > longest.bytes) longest = { pointer, bytes };
    } else if (typeof value === "object" && value !== null) {
      for (const [key, child] of Object.entries(value))
        pending.push({
          value: child,
          pointer: at(pointer, Array.isArray(value) ? Number(key) : key),
        });
    }
  }
  return longest;
}
