/**
 * The precompiled workflow catalogue: everything the API and the record updater need to know about
 * deployed workflows. Its entries are built from the Project at build time (CDK) or at startup
 * (local runtime) by `lib/core/project/catalogue.ts`, so no request ever compiles a workflow. In
 * AWS it is read once from the JSON file named by `BATON_CATALOGUE_FILE`
 * (`aws/catalogue-from-env.ts`); locally it is built in memory.
 */
import { readFile } from "node:fs/promises";
import type { CatalogueFile, CatalogueWorkflow } from "../core/project/catalogue.ts";
import { type Aliases, LIVE_ALIAS, primaryVersion, singleVersion } from "./workflows/routing.ts";

/** Set by the stack: the state machine ARN of a workflow is this prefix + the workflow name. */
export const STATE_MACHINE_ARN_PREFIX_VARIABLE = "BATON_STATE_MACHINE_ARN_PREFIX";

/**
 * Every known version of every workflow and their aliases. `get` answers the current version (the
 * one the `live` alias sends most starts to), `version` a given one: an execution's records,
 * compensation run and redrive read the version it ran. Versions are immutable, so a version once
 * known is kept even after its workflow is deleted (running executions finish on it).
 */
/** One change to a catalogue: what `follow` reports and `apply` replays on another copy. */
export type CatalogueChange =
  | { readonly op: "publish"; readonly entry: CatalogueWorkflow; readonly aliases?: Aliases }
  | { readonly op: "setAliases"; readonly name: string; readonly aliases: Aliases }
  | { readonly op: "remove"; readonly name: string };

export class WorkflowCatalogue {
  readonly #versions = new Map<string, Map<number, CatalogueWorkflow>>();
  readonly #aliases = new Map<string, Aliases>();
  readonly #followers = new Set<(change: CatalogueChange) => void>();

  constructor(workflows: readonly CatalogueWorkflow[]) {
    for (const w of workflows) this.#publish(w, undefined);
  }

  /** The current version of every workflow that is not deleted, by name. */
  list(): readonly CatalogueWorkflow[] {
    return [...this.#aliases.keys()]
      .sort((a, b) => a.localeCompare(b))
      .flatMap((name) => {
        const current = this.get(name);
        return current === undefined ? [] : [current];
      });
  }

  /** The current version: the one the `live` alias routes most starts to. */
  get(name: string): CatalogueWorkflow | undefined {
    const live = this.#aliases.get(name)?.[LIVE_ALIAS];
    const version = live === undefined ? undefined : primaryVersion(live);
    return version === undefined ? undefined : this.version(name, version);
  }

  /** A given version, also of a deleted workflow; undefined when it is not known here. */
  version(name: string, version: number): CatalogueWorkflow | undefined {
    return this.#versions.get(name)?.get(version);
  }

  /** The version an execution record names, else the current one. */
  forRecord(name: string, version: number | undefined): CatalogueWorkflow | undefined {
    return (version === undefined ? undefined : this.version(name, version)) ?? this.get(name);
  }

  /** Every workflow with a known version, deleted ones included, sorted. */
  names(): readonly string[] {
    return [...this.#versions.keys()].sort((a, b) => a.localeCompare(b));
  }

  /** Every known version of a workflow, newest first. */
  versions(name: string): readonly CatalogueWorkflow[] {
    return [...(this.#versions.get(name)?.values() ?? [])].sort((a, b) => b.version - a.version);
  }

  aliases(name: string): Aliases | undefined {
    return this.#aliases.get(name);
  }

  /**
   * Adds a version. Unless `aliases` says otherwise, a workflow seen for the first time, or one
   * whose `live` alias pointed at an older single version, goes live on it.
   */
  publish(entry: CatalogueWorkflow, aliases?: Aliases): void {
    this.#publish(entry, aliases);
    this.#emit(
      aliases === undefined ? { op: "publish", entry } : { op: "publish", entry, aliases },
    );
  }

  #publish(entry: CatalogueWorkflow, aliases: Aliases | undefined): void {
    const versions = this.#versions.get(entry.name) ?? new Map<number, CatalogueWorkflow>();
    versions.set(entry.version, entry);
    this.#versions.set(entry.name, versions);
    if (aliases !== undefined) {
      this.#aliases.set(entry.name, aliases);
      return;
    }
    const live = this.#aliases.get(entry.name)?.[LIVE_ALIAS];
    if (live === undefined || (live.length === 1 && (live[0]?.version ?? 0) < entry.version)) {
      this.#aliases.set(entry.name, {
        ...this.#aliases.get(entry.name),
        [LIVE_ALIAS]: singleVersion(entry.version),
      });
    }
  }

  setAliases(name: string, aliases: Aliases): void {
    this.#aliases.set(name, aliases);
    this.#emit({ op: "setAliases", name, aliases });
  }

  /** Deletes a workflow: later starts find nothing; its versions stay for running executions. */
  remove(name: string): void {
    this.#aliases.delete(name);
    this.#emit({ op: "remove", name });
  }

  /**
   * Keeps a copy of this catalogue (in another thread, say) in step: `listener` gets at once the
   * changes that rebuild the catalogue as it is from an empty one, then every later change as it
   * is made. Returns the function that stops it.
   */
  follow(listener: (change: CatalogueChange) => void): () => void {
    for (const [name, versions] of this.#versions) {
      for (const entry of [...versions.values()].sort((a, b) => a.version - b.version))
        listener({ op: "publish", entry });
      const aliases = this.#aliases.get(name);
      listener(
        aliases === undefined ? { op: "remove", name } : { op: "setAliases", name, aliases },
      );
    }
    this.#followers.add(listener);
    return () => this.#followers.delete(listener);
  }

  /** Makes a change `follow` reported on another catalogue. */
  apply(change: CatalogueChange): void {
    if (change.op === "publish") this.publish(change.entry, change.aliases);
    else if (change.op === "setAliases") this.setAliases(change.name, change.aliases);
    else this.remove(change.name);
  }

  #emit(change: CatalogueChange): void {
    for (const listener of this.#followers) listener(change);
  }

  /**
   * The workflow whose state machine has this ARN: `…:<name>:<n>` is version n (a Step Functions
   * version ARN, or a local versioned machine), the unqualified ARN the current version, and an
   * entry's own ARN that entry.
   */
  byStateMachineArn(arn: string): CatalogueWorkflow | undefined {
    const qualified = /^(.*):(\d+)$/.exec(arn);
    for (const name of this.#versions.keys()) {
      const unqualified = this.#unqualifiedArn(name);
      if (unqualified === arn) return this.get(name) ?? this.versions(name)[0];
      if (qualified !== null && qualified[1] === unqualified) {
        const found = this.version(name, Number(qualified[2]));
        if (found !== undefined) return found;
      }
    }
    for (const name of this.#versions.keys()) {
      const found = this.versions(name).find((entry) => entry.stateMachineArn === arn);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /**
   * The ARN to start `name` on: the given version's own (a published version), else the
   * workflow's state machine, from the current entry or `BATON_STATE_MACHINE_ARN_PREFIX` + name.
   */
  stateMachineArn(name: string, version?: number): string | undefined {
    const entry = version === undefined ? this.get(name) : this.version(name, version);
    if (entry?.stateMachineArn !== undefined) return entry.stateMachineArn;
    return entry === undefined ? undefined : this.#unqualifiedArn(name);
  }

  #unqualifiedArn(name: string): string | undefined {
    const prefix = process.env[STATE_MACHINE_ARN_PREFIX_VARIABLE];
    if (prefix) return `${prefix}${name}`;
    const arn = this.versions(name).find((e) => e.stateMachineArn !== undefined)?.stateMachineArn;
    // An ARN ending in `:<name>` is the state machine's own; `:<name>:<n>` is a version of it.
    return arn === undefined || arn.endsWith(`:${name}`) ? arn : arn.replace(/:\d+$/, "");
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
