/** Scope-aware wrappers over the template and condition compilers. */
import type { AslJson, ChoiceRule, Payload } from "../asl.ts";
import { compileCondition, parseCondition } from "../condition.ts";
import type { Json, JsonObject, Workflow } from "../model.ts";
import {
  compileEntry,
  compilePayload,
  parseTemplate,
  refToJsonPath,
  type TemplateContext,
} from "../template.ts";
import { type Scope, stepsRoot } from "./scope.ts";

export interface CompileEnv {
  readonly workflow: Workflow;
}

export function templateContext(env: CompileEnv, scope: Scope): TemplateContext {
  return {
    workflowName: env.workflow.name,
    workflowVersion: env.workflow.version,
    stepsRoot: (id: string) => stepsRoot(scope, id),
  };
}

export const entry = (env: CompileEnv, scope: Scope, key: string, value: Json): [string, AslJson] =>
  compileEntry(key, value, templateContext(env, scope));

export const payload = (env: CompileEnv, scope: Scope, value: JsonObject): Payload =>
  compilePayload(value, templateContext(env, scope));

/** A `when` expression as a Choice rule (the validator has already parsed it once). */
export function condition(env: CompileEnv, scope: Scope, source: string): ChoiceRule {
  const parsed = parseCondition(source);
  if ("error" in parsed) throw new Error(`Unparsable condition "${source}": ${parsed.error}`);
  return compileCondition(parsed.condition, templateContext(env, scope));
}

/** JSONPath of a value that is exactly one template (map `items`, wait `until`). */
export function exactPath(env: CompileEnv, scope: Scope, template: string): string | undefined {
  const parsed = parseTemplate(template);
  if ("error" in parsed) return undefined;
  const [only] = parsed.parts;
  if (parsed.parts.length !== 1 || !only || !("ref" in only)) return undefined;
  return refToJsonPath(only.ref, templateContext(env, scope));
}
