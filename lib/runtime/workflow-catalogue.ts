/**
 * The precompiled workflow catalogue: everything the API and the record updater need to know about
 * deployed workflows. Its entries are built from the Project at build time (CDK) or at startup
 * (local runtime) by `lib/core/project/catalogue.ts`, so no request ever compiles a workflow. In
 * AWS it is read once from the JSON file named by `BATON_CATALOGUE_FILE`
 * (`aws/catalogue-from-env.ts`); locally it is built in memory.
 */
import { readFile } from "node:fs/promises";
import type { CatalogueFile, CatalogueWorkflow } from "../core/project/catalogue.ts";

/** Set by the stack: the state machine ARN of a workflow is this prefix + the workflow name. */
export const STATE_MACHINE_ARN_PREFIX_VARIABLE = "BATON_STATE_MACHINE_ARN_PREFIX";

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
