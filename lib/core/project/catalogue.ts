/**
 * The workflow catalogue: what the API and the record updater know about each deployed workflow,
 * built from the Project once (at synth for AWS, at startup locally) so no request compiles a
 * workflow and both places serve the same documents. Each step's reads come from the manifest
 * (parsed templates and conditions), not from scanning text.
 */

import { toMermaid } from "../mermaid.ts";
import type { ConcurrencyLimit, Json, JsonObject, Step, StepKind, WorkflowType } from "../model.ts";
import { childLists } from "../model.ts";
import type { ReadyWorkflow } from "./model.ts";

/** One step of a workflow, nested ones included, as the stats and records need it. */
export interface CatalogueStep {
  readonly id: string;
  readonly kind: StepKind;
  /** Id of the step list holding it: `/` for the top level, `<parentId>/<n>` for nested lists. */
  readonly scope: string;
  readonly dependsOn: readonly string[];
  /** Whether `dependsOn` was written in the file (implicit ordering can be relaxed, explicit can't). */
  readonly explicitDependsOn?: boolean;
  /** Ids of other steps whose results its own templates or conditions read. */
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
  readonly tags?: readonly string[];
  /** The definition as the user wrote it, parsed to JSON. */
  readonly definition: Json;
  /** JSON Schema (2020-12) of the execution input. */
  readonly inputSchema?: JsonObject;
  /**
   * `inputSchema` compiled ahead of time (`schema/input-validator-code.ts`): what the API runs to
   * check a start's input, so it carries no schema compiler.
   */
  readonly inputValidator?: PrecompiledInputValidator;
  /** Compiled Amazon States Language, placeholders unsubstituted. */
  readonly asl: Json;
  readonly mermaid: string;
  readonly stateMachineArn?: string;
  /** Every step, nested ones included, in file order. */
  readonly steps: readonly CatalogueStep[];
  /** `concurrency` of the file: starts over the limit wait QUEUED (docs/limits-and-pause.md). */
  readonly concurrency?: ConcurrencyLimit;
}

/** Ajv standalone code of an input schema, and the digest of the schema it was made from. */
export interface PrecompiledInputValidator {
  readonly code: string;
  readonly schemaHash: string;
}

export interface CatalogueFile {
  readonly workflows: readonly CatalogueWorkflow[];
}

/** The catalogue entry of a ready workflow; `stateMachineArn` when it is known at build time. */
export function catalogueEntry(
  ready: ReadyWorkflow,
  options: { readonly stateMachineArn?: string } = {},
): CatalogueWorkflow {
  const { workflow } = ready;
  return {
    name: workflow.name,
    version: workflow.version,
    type: workflow.type,
    ...(workflow.description === undefined ? {} : { description: workflow.description }),
    ...(workflow.tags === undefined ? {} : { tags: workflow.tags }),
    ...(workflow.input === undefined ? {} : { inputSchema: workflow.input }),
    definition: ready.source,
    asl: ready.asl as unknown as Json,
    mermaid: toMermaid(workflow),
    ...(options.stateMachineArn === undefined ? {} : { stateMachineArn: options.stateMachineArn }),
    steps: catalogueSteps(ready),
    ...(workflow.concurrency === undefined ? {} : { concurrency: workflow.concurrency }),
  };
}

function catalogueSteps(ready: ReadyWorkflow): CatalogueStep[] {
  const result: CatalogueStep[] = [];
  const visit = (list: readonly Step[], scope: string, certain: boolean): void => {
    for (const step of list) {
      const unconditional = certain && step.when === undefined;
      result.push({ ...describeStep(step, scope, ready.manifest.reads[step.id]), unconditional });
      const childrenCertain = unconditional && step.kind === "parallel";
      childLists(step).forEach((child, n) => {
        visit(child, `${step.id}/${n}`, childrenCertain);
      });
    }
  };
  visit(ready.workflow.steps, "/", true);
  return result;
}

function describeStep(
  step: Step,
  scope: string,
  reads: readonly string[] | undefined,
): CatalogueStep {
  return {
    id: step.id,
    kind: step.kind,
    scope,
    dependsOn: step.dependsOn,
    explicitDependsOn: step.explicitDependsOn,
    reads: reads ?? [],
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
