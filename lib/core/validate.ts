/**
 * Validates a parsed workflow file and normalizes it into the `Workflow` model. Every problem is
 * reported at once; the workflow is returned only when there are no errors (warnings allowed).
 * The checks live in `validate/`: field shapes (`steps.ts`, `kinds.ts`, `containers.ts`,
 * `call.ts`, `retry.ts`, `triggers.ts`, `schema.ts`) and cross-step references (`references.ts`).
 */

import { LIMITS } from "./limits.ts";
import {
  DEFAULT_CALL_TIMEOUT,
  EXPRESS_MAX_TIMEOUT,
  type JsonObject,
  type OnError,
  type Step,
  WORKFLOW_TYPES,
  type Workflow,
  type WorkflowType,
} from "./model.ts";
import type { Problem } from "./problems.ts";
import type { Defaults } from "./validate/call.ts";
import { readConcurrency } from "./validate/concurrency.ts";
import { CALL_TIMEOUT_RULE, checkInt, FieldReader, TIMEOUT_RULE } from "./validate/fields.ts";
import { checkDefinitionSize, checkDocumentDepth, checkStepNesting } from "./validate/limits.ts";
import { MAX_TAGS, TAG, WORKFLOW_NAME } from "./validate/names.ts";
import type { StepContext, StepList, StepNode } from "./validate/nodes.ts";
import { checkOptionalReads } from "./validate/optional-reads.ts";
import { at, checkFields, isFields, Report, typeName } from "./validate/problem-report.ts";
import { checkReferences } from "./validate/references.ts";
import { readRetry } from "./validate/retry-policy.ts";
import { checkInputSchema } from "./validate/schema.ts";
import { readList } from "./validate/steps.ts";
import { readTriggers } from "./validate/triggers.ts";

export interface ValidateOptions {
  /** Turns `W_NO_COMPENSATION` into an error (`--strict`). */
  readonly strict?: boolean;
  /**
   * Largest compiled definition accepted, in bytes once deployed (`Infinity` skips the check,
   * e.g. to measure the compiler on workflows too big to deploy).
   * @default LIMITS.definitionBytes (Step Functions' 1 MB)
   */
  readonly maxDefinitionBytes?: number;
}

export interface ValidationResult {
  readonly workflow?: Workflow;
  readonly problems: Problem[];
}

/** Every field a workflow file may have at the top (`$schema` names the editor schema). */
export const ROOT_FIELDS = [
  "$schema",
  "workflow",
  "version",
  "description",
  "tags",
  "type",
  "timeout",
  "input",
  "defaults",
  "triggers",
  "concurrency",
  "steps",
  "output",
] as const;

const ROOT_MISPLACED: Readonly<Record<string, string>> = {
  name: 'the workflow\'s name is written "workflow: <name>"',
  retry: 'workflow-wide retry goes in "defaults: { retry: … }"',
};

export function validateWorkflow(value: unknown, opts: ValidateOptions = {}): ValidationResult {
  const report = new Report();
  if (!isFields(value)) {
    report.error(
      "E_ROOT",
      "",
      `a workflow file must be a mapping of fields, got ${typeName(value)}`,
      'start with "workflow: <name>"',
    );
    return { problems: report.problems };
  }
  if (!checkDocumentDepth(report, value)) return { problems: report.problems };
  checkFields(report, value, "", ROOT_FIELDS, ROOT_MISPLACED);
  const r = new FieldReader(report, value, "");
  r.string("$schema"); // the editor's schema (schemas/workflow.schema.json); only its type matters
  const name = readName(report, r);
  const version = r.has("version")
    ? checkInt(report, value.version, "/version", { min: 1, code: "E_VERSION", what: "version" })
    : 1;
  const description = r.string("description");
  const tags = readTags(report, value.tags);
  const type = readType(report, r);
  const timeout = r.int("timeout", TIMEOUT_RULE);
  if (type === "express" && timeout !== undefined && timeout > EXPRESS_MAX_TIMEOUT) {
    report.error(
      "E_EXPRESS_TIMEOUT",
      "/timeout",
      `express workflows run at most ${EXPRESS_MAX_TIMEOUT} seconds, got ${timeout}`,
      'lower the timeout or use "type: standard"',
    );
  }
  const input = r.object("input");
  if (input) checkInputSchema(report, input, "/input");
  const defaults = readDefaults(report, r);
  const triggers = readTriggers(report, value.triggers, "/triggers");
  const concurrency = readConcurrency(
    report,
    value.concurrency,
    "/concurrency",
    type === "express",
  );
  const ctx: StepContext = {
    report,
    defaults,
    strict: opts.strict ?? false,
    express: type === "express",
    readList: (list, pointer, allowEmpty) => readList(ctx, list, pointer, allowEmpty),
  };
  const steps = readList(ctx, value.steps, "/steps");
  const output = r.json("output");
  // Without an input schema nothing about the input is declared, so nothing is reported.
  if (input !== undefined) {
    checkOptionalReads(
      report,
      [
        { value: value.steps, pointer: "/steps" },
        { value: output, pointer: "/output" },
      ],
      input,
    );
  }
  const resolved = checkReferences(
    report,
    steps,
    output === undefined ? undefined : { value: output, pointer: "/output" },
  );

  if (report.errorCount > 0 || name === undefined || version === undefined || type === undefined) {
    return { problems: report.problems };
  }
  const built = buildList(steps, resolved);
  if (!built) return { problems: report.problems };
  checkStepNesting(report, built);
  if (report.errorCount > 0) return { problems: report.problems };
  const workflow: Workflow = {
    name,
    version,
    ...(description !== undefined ? { description } : {}),
    ...(tags !== undefined ? { tags } : {}),
    type,
    ...(timeout !== undefined ? { timeout } : {}),
    ...(input !== undefined ? { input: input as JsonObject } : {}),
    triggers,
    ...(concurrency !== undefined ? { concurrency } : {}),
    steps: built,
    ...(output !== undefined ? { output } : {}),
  };
  checkDefinitionSize(report, workflow, value, opts.maxDefinitionBytes ?? LIMITS.definitionBytes);
  if (report.errorCount > 0) return { problems: report.problems };
  return { workflow, problems: report.problems };
}

function readTags(report: Report, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const fail = (path: string, message: string): undefined => {
    report.error("E_TAGS", path, message, 'e.g. "tags: [payments, team:checkout]"');
    return undefined;
  };
  if (!Array.isArray(value))
    return fail("/tags", `"tags" must be a list of strings, got ${typeName(value)}`);
  if (value.length > MAX_TAGS)
    return fail("/tags", `at most ${MAX_TAGS} tags, got ${value.length}`);
  const tags: string[] = [];
  value.forEach((tag: unknown, i) => {
    if (typeof tag !== "string" || !TAG.test(tag)) {
      fail(`/tags/${i}`, `tag ${JSON.stringify(tag)} must match ${TAG.source}`);
    } else if (tags.includes(tag)) {
      fail(`/tags/${i}`, `tag "${tag}" is listed twice`);
    } else tags.push(tag);
  });
  return tags.length === value.length ? tags : undefined;
}

function readName(report: Report, r: FieldReader): string | undefined {
  const name = r.string("workflow", true);
  if (name !== undefined && !WORKFLOW_NAME.test(name)) {
    const suggestion = name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^[^a-z]+/, "");
    const hint = WORKFLOW_NAME.test(suggestion) ? `e.g. "${suggestion}"` : undefined;
    report.error(
      "E_WORKFLOW_NAME",
      "/workflow",
      `workflow name "${name}" does not match ${WORKFLOW_NAME.source}`,
      hint,
    );
    return undefined;
  }
  return name;
}

function readType(report: Report, r: FieldReader): WorkflowType | undefined {
  const type = r.string("type") ?? "standard";
  if ((WORKFLOW_TYPES as readonly string[]).includes(type)) return type as WorkflowType;
  report.error("E_ENUM", "/type", `type must be ${WORKFLOW_TYPES.join(" or ")}, got "${type}"`);
  return undefined;
}

function readDefaults(report: Report, r: FieldReader): Defaults {
  const defaults = r.object("defaults");
  if (!defaults) return { timeout: DEFAULT_CALL_TIMEOUT, retry: undefined };
  checkFields(report, defaults, "/defaults", ["timeout", "retry"]);
  const d = new FieldReader(report, defaults, "/defaults");
  return {
    timeout: d.int("timeout", CALL_TIMEOUT_RULE) ?? DEFAULT_CALL_TIMEOUT,
    retry: readRetry(report, defaults.retry, at("/defaults", "retry")),
  };
}

/** A step's `onError` with its fallback list built; null if the list could not be built. */
function buildOnError(
  node: StepNode,
  resolved: ReadonlyMap<StepNode, readonly string[]>,
): OnError | undefined | null {
  const read = node.onError;
  if (read === undefined) return undefined;
  const errors = read.errors === undefined ? {} : { errors: read.errors };
  if (read.action === "continue") return { action: "continue", ...errors };
  const steps = read.fallback === undefined ? undefined : buildList(read.fallback, resolved);
  return steps === undefined ? null : { action: "fallback", ...errors, steps };
}

/** Assembles normalized steps, children first; undefined if any step could not be built. */
function buildList(
  list: StepList,
  resolved: ReadonlyMap<StepNode, readonly string[]>,
): Step[] | undefined {
  const steps: Step[] = [];
  for (const node of list.nodes) {
    const lists = node.children.map((child) => buildList(child, resolved));
    const children = lists.filter((l): l is Step[] => l !== undefined);
    if (!node.make || node.id === undefined || children.length !== lists.length) return undefined;
    const onError = buildOnError(node, resolved);
    if (onError === null) return undefined;
    steps.push(
      node.make(
        {
          id: node.id,
          dependsOn: resolved.get(node) ?? [],
          explicitDependsOn: node.dependsOn !== undefined,
          pointer: node.pointer,
          ...(onError === undefined ? {} : { onError }),
        },
        children,
      ),
    );
  }
  return steps;
}
