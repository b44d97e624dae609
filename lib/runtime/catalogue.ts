/**
 * The precompiled workflow catalogue: everything the API and the record updater need to know about
 * deployed workflows, produced at build time (CDK) or at startup (local runtime) so no request ever
 * compiles a workflow. In AWS it is read once from the JSON file named by `BATON_CATALOGUE_FILE`
 * (`aws/catalogue-from-env.ts`); locally it is built in memory.
 */
import { readFile } from "node:fs/promises";
import {
  allSteps,
  childLists,
  type Json,
  type JsonObject,
  type Step,
  type StepKind,
  type Workflow,
  type WorkflowType,
} from "../core/model.ts";

/** Set by the stack: the state machine ARN of a workflow is this prefix + the workflow name. */
export const STATE_MACHINE_ARN_PREFIX_VARIABLE = "BATON_STATE_MACHINE_ARN_PREFIX";

/** One step of a workflow, nested ones included, as the stats and records need it. */
export interface CatalogueStep {
  readonly id: string;
  readonly kind: StepKind;
  /** Id of the step list holding it: `/` for the top level, `<parentId>/<n>` for nested lists. */
  readonly scope: string;
  readonly dependsOn: readonly string[];
  /** Whether `dependsOn` was written in the file (implicit ordering can be relaxed, explicit can't). */
  readonly explicitDependsOn?: boolean;
  /** Ids of other steps whose results its templates or conditions read. */
  readonly reads?: readonly string[];
  readonly call?: { readonly service: string; readonly method: string; readonly path: string };
  readonly idempotent?: boolean;
  readonly compensable?: boolean;
  /** Signal name of an `await` step. */
  readonly signal?: string;
  /**
   * Whether the step surely ran in a successful execution: no `when` on it or around it, and not
   * inside a choice case or a map body. Steps other than calls publish no step events, so the
   * records use this to tell "ran" from "skipped".
   */
  readonly unconditional?: boolean;
}

export interface CatalogueWorkflow {
  readonly name: string;
  readonly version: number;
  readonly type: WorkflowType;
  readonly description?: string;
  /** The source definition as JSON. */
  readonly definition: Json;
  /** JSON Schema (2020-12) of the execution input. */
  readonly inputSchema?: JsonObject;
  /** Compiled Amazon States Language. */
  readonly asl: Json;
  readonly mermaid: string;
  readonly stateMachineArn?: string;
  /** Every step, nested ones included, in file order. */
  readonly steps: readonly CatalogueStep[];
}

export interface CatalogueFile {
  readonly workflows: readonly CatalogueWorkflow[];
}

export class WorkflowCatalogue {
  readonly #byName: ReadonlyMap<string, CatalogueWorkflow>;

  constructor(workflows: readonly CatalogueWorkflow[]) {
    this.#byName = new Map(workflows.map((w) => [w.name, w]));
  }

  list(): readonly CatalogueWorkflow[] {
    return [...this.#byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): CatalogueWorkflow | undefined {
    return this.#byName.get(name);
  }

  /** The workflow whose state machine has this ARN. */
  byStateMachineArn(arn: string): CatalogueWorkflow | undefined {
    return this.list().find((w) => this.stateMachineArn(w.name) === arn);
  }

  /** From the catalogue entry, else `BATON_STATE_MACHINE_ARN_PREFIX` + name (set by the stack). */
  stateMachineArn(name: string): string | undefined {
    const prefix = process.env[STATE_MACHINE_ARN_PREFIX_VARIABLE];
    return (
      this.get(name)?.stateMachineArn ?? (prefix && this.get(name) ? `${prefix}${name}` : undefined)
    );
  }

  toJSON(): CatalogueFile {
    return { workflows: this.list() };
  }
}

/** Extra build products `catalogueEntry` cannot compute itself (the compiler and graph are elsewhere). */
export interface CompiledArtifacts {
  readonly definition: Json;
  readonly asl: Json;
  readonly mermaid: string;
  readonly stateMachineArn?: string;
}

/** Builds a catalogue entry from a normalized workflow and its compiled artifacts. */
export function catalogueEntry(
  workflow: Workflow,
  artifacts: CompiledArtifacts,
): CatalogueWorkflow {
  return {
    name: workflow.name,
    version: workflow.version,
    type: workflow.type,
    ...(workflow.description === undefined ? {} : { description: workflow.description }),
    ...(workflow.input === undefined ? {} : { inputSchema: workflow.input }),
    definition: artifacts.definition,
    asl: artifacts.asl,
    mermaid: artifacts.mermaid,
    ...(artifacts.stateMachineArn === undefined
      ? {}
      : { stateMachineArn: artifacts.stateMachineArn }),
    steps: catalogueSteps(workflow.steps),
  };
}

export function catalogueSteps(steps: readonly Step[], scope = "/"): CatalogueStep[] {
  const ids = new Set([...allSteps(steps)].map((s) => s.id));
  const result: CatalogueStep[] = [];
  const visit = (list: readonly Step[], listScope: string, certain: boolean): void => {
    for (const step of list) {
      const unconditional = certain && step.when === undefined;
      result.push({ ...describeStep(step, listScope, ids), unconditional });
      const childrenCertain = unconditional && step.kind === "parallel";
      childLists(step).forEach((child, n) => {
        visit(child, `${step.id}/${n}`, childrenCertain);
      });
    }
  };
  visit(steps, scope, true);
  return result;
}

function describeStep(step: Step, scope: string, ids: ReadonlySet<string>): CatalogueStep {
  const reads = readsOf(step).filter((id) => id !== step.id && ids.has(id));
  return {
    id: step.id,
    kind: step.kind,
    scope,
    dependsOn: step.dependsOn,
    explicitDependsOn: step.explicitDependsOn,
    reads,
    ...(step.kind === "call"
      ? {
          call: { service: step.call.service, method: step.call.method, path: step.call.path },
          idempotent: step.idempotent,
          compensable: step.compensate !== undefined,
        }
      : {}),
    ...(step.kind === "await" ? { signal: step.signal } : {}),
  };
}

/** A step's own metadata, which never holds templates (a user's `detail.id` still counts). */
const STEP_METADATA = new Set(["id", "description", "pointer", "dependsOn", "explicitDependsOn"]);

/** Step ids referenced as `steps.<id>` anywhere in the step's templates and conditions. */
function readsOf(step: Step): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      for (const match of value.matchAll(/\bsteps\.([a-z][a-z0-9_]*)/g)) {
        if (match[1] !== undefined) found.add(match[1]);
      }
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (typeof value === "object" && value !== null) {
      const isStep = "kind" in value && "pointer" in value;
      for (const [key, child] of Object.entries(value)) {
        if (!(isStep && STEP_METADATA.has(key))) visit(child);
      }
    }
  };
  visit(step);
  return [...found].sort();
}

export async function loadCatalogue(path: string): Promise<WorkflowCatalogue> {
  const text = await readFile(path, "utf8");
  return parseCatalogue(text, path);
}

/** Parses catalogue JSON (`{workflows: [...]}` or a bare array), checking the fields runtime code relies on. */
export function parseCatalogue(text: string, source = "catalogue"): WorkflowCatalogue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const list: unknown = Array.isArray(parsed)
    ? parsed
    : (parsed as { workflows?: unknown } | null)?.workflows;
  if (!Array.isArray(list)) {
    throw new Error(`${source} must be an object with a "workflows" array; got ${typeof parsed}.`);
  }
  list.forEach((entry: unknown, index) => {
    const problem = entryProblem(entry);
    if (problem) throw new Error(`${source}: workflows[${index}] ${problem}.`);
  });
  return new WorkflowCatalogue(list as CatalogueWorkflow[]);
}

function entryProblem(entry: unknown): string | undefined {
  if (typeof entry !== "object" || entry === null) return "is not an object";
  const e = entry as Record<string, unknown>;
  if (typeof e.name !== "string" || e.name === "") return "has no name";
  if (typeof e.version !== "number") return `(${e.name}) has no numeric version`;
  if (!Array.isArray(e.steps)) return `(${e.name}) has no steps array`;
  const bad = e.steps.findIndex(
    (s: unknown) =>
      typeof s !== "object" || s === null || typeof (s as { id?: unknown }).id !== "string",
  );
  if (bad >= 0) return `(${e.name}) steps[${bad}] has no id`;
  return undefined;
}
