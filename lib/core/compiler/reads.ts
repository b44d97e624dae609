/**
 * Guards for the templates of states that read the execution state themselves (emit, child
 * workflow input, wait until, map items, the workflow output). Their `Parameters` are JSONPath,
 * and a JSONPath that reads an absent value raises `States.Runtime`, which no Catch can catch. So
 * before such a state:
 * - one Choice routes any absent read without a default to a Pass that records
 *   `Baton.TemplateError` naming the step and the path, then to the failure path (compensation);
 * - each `{{ path ?? literal }}` copies the value, or the literal when absent, into
 *   `$.default_<n>.v`, and the state reads that instead.
 * A read of a location that always exists (`$.input`, `$.index`, `$.context…`) needs no guard.
 * Call steps need none of this: their templates are resolved in the handler (see call.ts).
 */
import type { ChoiceRule, State } from "../asl.ts";
import { BatonError } from "../errors.ts";
import type { Json } from "../model.ts";
import { collectRefs, refToJsonPath, type TemplateContext, type TemplateRef } from "../template.ts";
import type { StateGraph } from "./builder.ts";
import { staticFailure } from "./failure.ts";
import type { Scope } from "./scope.ts";
import { type CompileEnv, templateContext } from "./templates.ts";

export interface GuardedReads {
  /** The first state to run instead of the guarded state (the guarded state when nothing to check). */
  readonly entry: string;
  /** Compiles the state's templates: defaulted reads point at their copies. */
  readonly context: TemplateContext;
}

interface Site {
  readonly env: CompileEnv;
  readonly graph: StateGraph;
  readonly scope: Scope;
  /** The step the reads belong to (named in the failure), and the prefix of the guard states. */
  readonly stepId: string;
  readonly prefix: string;
  readonly onFailure: string;
}

/** Adds the guards for `values` in front of state `target`. */
export function guardReads(site: Site, values: readonly Json[], target: string): GuardedReads {
  const base = templateContext(site.env, site.scope);
  const refs = values.flatMap(collectRefs);
  const required = unique(
    refs.filter((r) => r.fallback === undefined && mayBeAbsent(r)),
    base,
  );
  const defaulted = unique(
    refs.filter((r) => r.fallback !== undefined && mayBeAbsent(r)),
    base,
    true,
  );
  const slots = new Map<string, string>();
  let next = target;
  [...defaulted].reverse().forEach(([key, ref], i) => {
    const slot = `$.default_${site.stepId}_${defaulted.length - 1 - i}`;
    slots.set(key, `${slot}.v`);
    next = addDefault(site, ref, slot, defaulted.length - 1 - i, next);
  });
  if (required.length > 0) {
    next = site.graph.add(`${site.prefix}#reads?`, {
      Type: "Choice",
      Comment: "A template reading an absent value fails this step (Baton.TemplateError)",
      Choices: required.map(([, ref], i) => ({
        Not: { Variable: refToJsonPath(ref, base), IsPresent: true },
        Next: addAbsent(site, ref, i),
      })),
      Default: next,
    });
  }
  return {
    entry: next,
    context: {
      ...base,
      defaultPath: (ref) =>
        ref.fallback === undefined ? undefined : slots.get(keyOf(ref, base, true)),
    },
  };
}

/** A Choice rule sending an absent read to a `Baton.TemplateError` failure (map items). */
export function absentRule(
  site: Site,
  ref: TemplateRef,
  index: number,
): ChoiceRule & { readonly Next: string } {
  const base = templateContext(site.env, site.scope);
  return {
    Not: { Variable: refToJsonPath(ref, base), IsPresent: true },
    Next: addAbsent(site, ref, index),
  };
}

/** The failure recorded when a template reads an absent value. */
export function templateFailure(stepId: string, source: string, next: string): State {
  return {
    Type: "Pass",
    Comment: `{{ ${source} }} is absent`,
    Result: staticFailure(
      BatonError.TemplateError,
      `Step ${stepId}: {{ ${source} }} reads an absent value; add a default ({{ ${source} ?? 'value' }}), a schema default, or make the field required`,
      stepId,
    ),
    ResultPath: "$.failure",
    Next: next,
  };
}

function addAbsent(site: Site, ref: TemplateRef, index: number): string {
  return site.graph.add(
    `${site.prefix}#absent-${index}`,
    templateFailure(site.stepId, ref.source, site.onFailure),
  );
}

function addDefault(
  site: Site,
  ref: TemplateRef,
  slot: string,
  index: number,
  next: string,
): string {
  const path = refToJsonPath(ref, templateContext(site.env, site.scope));
  const copy = site.graph.add(`${site.prefix}#value-${index}`, {
    Type: "Pass",
    Comment: `{{ ${ref.source} }} is present`,
    Parameters: { "v.$": path },
    ResultPath: slot,
    Next: next,
  });
  const fallback = site.graph.add(`${site.prefix}#default-${index}`, {
    Type: "Pass",
    Comment: `{{ ${ref.source} }} is absent: use the default`,
    Result: { v: ref.fallback?.value ?? null },
    ResultPath: slot,
    Next: next,
  });
  return site.graph.add(`${site.prefix}#default-${index}?`, {
    Type: "Choice",
    Choices: [{ Variable: path, IsPresent: true, Next: copy }],
    Default: fallback,
  });
}

/** Whether a read may find nothing: anything below the input, a step result, or an item. */
export function mayBeAbsent(ref: TemplateRef): boolean {
  switch (ref.root) {
    case "input":
    case "item":
      return ref.path.length > 0;
    case "steps":
      return true;
    case "index":
    case "iteration":
    case "execution":
    case "workflow":
    case "error":
      return false;
  }
}

function keyOf(ref: TemplateRef, ctx: TemplateContext, withDefault = false): string {
  const path = refToJsonPath(ref, ctx);
  return withDefault ? `${path} ?? ${JSON.stringify(ref.fallback?.value)}` : path;
}

function unique(
  refs: readonly TemplateRef[],
  ctx: TemplateContext,
  withDefault = false,
): [string, TemplateRef][] {
  const byKey = new Map<string, TemplateRef>();
  for (const ref of refs) {
    const key = keyOf(ref, ctx, withDefault);
    if (!byKey.has(key)) byKey.set(key, ref);
  }
  return [...byKey];
}
