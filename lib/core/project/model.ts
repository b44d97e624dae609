/**
 * A Project: a set of workflow files read once, with everything any entry point needs to know
 * about each (source, parsed model, problems, ASL, what it uses). The CLI, the CDK app,
 * `baton dev`, `baton run` and the harness consume it instead of composing the steps themselves.
 */
import type { StateMachineDefinition } from "../asl.ts";
import type { Json, JsonObject, Workflow } from "../model.ts";
import type { FileProblem, Problem } from "../problems.ts";
import type { TaskResourceName } from "../wire.ts";

/** One file's text, named as the user should see it in problems. */
export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

/** What a workflow uses, derived from its model (never from its compiled ASL). */
export interface WorkflowManifest {
  /** Services its calls and compensations reach, sorted. */
  readonly services: readonly string[];
  /** The Task resources its definition runs (`wire.ts` `TaskResource`), in that order. */
  readonly tasks: readonly TaskResourceName[];
  /** Workflows its `workflow` steps start, sorted. */
  readonly children: readonly string[];
  /** Detail types its `emit` steps publish, sorted. */
  readonly emits: readonly string[];
  readonly triggers: {
    /** EventBridge patterns (EventBridge field names), in file order. */
    readonly events: readonly JsonObject[];
    /** `rate(...)` / `cron(...)` expressions, in file order. */
    readonly schedules: readonly string[];
  };
  /** Every step id (nested ones included) → ids of the other steps its templates and conditions read. */
  readonly reads: Readonly<Record<string, readonly string[]>>;
}

interface FileBase extends SourceFile {
  /** The document as written, parsed to JSON; undefined when it does not parse. */
  readonly source: Json | undefined;
  /** The `workflow` name as written, even when the file has errors. */
  readonly name: string | undefined;
  /** This file's problems (its own and the set's), each with its line when known. */
  readonly problems: readonly Problem[];
}

/** A file with errors: no model, no ASL. */
export interface BrokenFile extends FileBase {
  readonly ready: false;
}

/** A workflow without errors (warnings allowed), compiled. */
export interface ReadyWorkflow extends FileBase {
  readonly ready: true;
  readonly name: string;
  readonly source: Json;
  readonly workflow: Workflow;
  readonly asl: StateMachineDefinition;
  readonly manifest: WorkflowManifest;
}

export type ProjectFile = BrokenFile | ReadyWorkflow;

export interface Project {
  /** Every workflow file, in the order given. */
  readonly files: readonly ProjectFile[];
  /** The files without errors, in the same order. */
  readonly workflows: readonly ReadyWorkflow[];
  /** Every problem of every file, files in order. */
  readonly problems: readonly FileProblem[];
  /** Registry seeds met among the paths (`services.yaml` …): skipped, never workflows. */
  readonly seeds: readonly string[];
  readonly errorCount: number;
  readonly warningCount: number;
  /** The ready workflow with this name. */
  workflow(name: string): ReadyWorkflow | undefined;
}
