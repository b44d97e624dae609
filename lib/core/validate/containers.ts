/** Readers for the step kinds that hold other steps: parallel, choice, map and loop. */
import { MAX_LOOP_ITERATIONS } from "../model.ts";
import { singleRef } from "../template.ts";
import { FieldReader } from "./fields.ts";
import { KIND_FIELDS } from "./kind-fields.ts";
import {
  type KindReader,
  kindObject,
  notOneTemplate,
  readWhen,
  valueSite,
} from "./kind-helpers.ts";
import type { Site, StepList } from "./nodes.ts";
import { at, checkFields, isFields, typeName } from "./problem-report.ts";

export const parallel: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  const p = at(pointer, "parallel");
  const value = step.parallel;
  if (!Array.isArray(value)) {
    const message = `"parallel" must be a list of branches, each a list of steps; got ${typeName(value)}`;
    report.error("E_TYPE", p, message);
    return { sites: [], make: undefined };
  }
  if (value.length === 0) {
    report.error("E_STEPS_EMPTY", p, "parallel needs at least one branch");
    return { sites: [], make: undefined };
  }
  const branches: StepList[] = value.map((branch, i) => {
    const bp = at(p, i);
    if (isFields(branch)) {
      checkFields(report, branch, bp, KIND_FIELDS.parallelBranch);
      return ctx.readList(branch.steps, at(bp, "steps"));
    }
    return ctx.readList(branch, bp);
  });
  return {
    sites: [],
    children: branches,
    exportsChildren: true,
    make: (base, lists) => ({ ...base, kind: "parallel", branches: lists }),
  };
};

export const choice: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  const body = kindObject(report, step, pointer, "choice", KIND_FIELDS.choice);
  if (!body) return { sites: [], make: undefined };
  const r = new FieldReader(report, body, at(pointer, "choice"));
  const cases = r.array("cases", true) ?? [];
  if (r.has("cases") && cases.length === 0) {
    report.error("E_REQUIRED", r.at("cases"), "choice needs at least one case");
  }
  const sites: Site[] = [];
  const whens: string[] = [];
  const lists: StepList[] = [];
  cases.forEach((item, i) => {
    const cp = at(r.at("cases"), i);
    if (!isFields(item)) {
      report.error("E_TYPE", cp, `a case must be an object {when, steps}, got ${typeName(item)}`);
      return;
    }
    checkFields(report, item, cp, KIND_FIELDS.choiceCase);
    const c = new FieldReader(report, item, cp);
    if (c.required("when")) {
      const condition = readWhen(report, item.when, c.at("when"));
      if (condition) sites.push({ kind: "when", pointer: c.at("when"), condition });
      whens.push(String(item.when));
    }
    lists.push(ctx.readList(item.steps, c.at("steps")));
  });
  lists.push(ctx.readList(body.otherwise ?? [], r.at("otherwise"), true));
  return {
    sites,
    children: lists,
    make: (base, built) => ({
      ...base,
      kind: "choice",
      cases: whens.map((when, i) => ({ when, steps: built[i] ?? [] })),
      otherwise: built[built.length - 1] ?? [],
    }),
  };
};

export const map: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  const body = kindObject(report, step, pointer, "map", KIND_FIELDS.map);
  if (!body) return { sites: [], make: undefined };
  const r = new FieldReader(report, body, at(pointer, "map"));
  const items = r.string("items", true);
  if (items !== undefined && notOneTemplate(items)) {
    const hint = 'e.g. "{{ input.items }}", with no text around it';
    report.error(
      "E_MAP_ITEMS",
      r.at("items"),
      `map items "${items}" must be exactly one template giving a list`,
      hint,
    );
  } else if (items !== undefined && singleRef(items)?.fallback !== undefined) {
    report.error(
      "E_MAP_ITEMS",
      r.at("items"),
      `map items "${items}" may not have a ?? default: absent items fail the step`,
      "give the list a schema default in input, or drop the ??",
    );
  }
  const maxConcurrency =
    r.int("maxConcurrency", { min: 0, code: "E_RANGE", what: "maxConcurrency" }) ?? 0;
  const list = ctx.readList(body.steps, r.at("steps"));
  return {
    sites: valueSite(items, r.at("items"), "step"),
    children: [list],
    make:
      items === undefined
        ? undefined
        : (base, built) => ({ ...base, kind: "map", items, maxConcurrency, steps: built[0] ?? [] }),
  };
};

/**
 * `loop: { steps, until, maxIterations }`: the steps run, then `until` is checked over that
 * iteration's results; `maxIterations` is required so no machine runs unbounded.
 */
export const loop: KindReader = (ctx, step, pointer) => {
  const { report } = ctx;
  const body = kindObject(report, step, pointer, "loop", KIND_FIELDS.loop);
  if (!body) return { sites: [], make: undefined };
  const r = new FieldReader(report, body, at(pointer, "loop"));
  const sites: Site[] = [];
  let until: string | undefined;
  if (!r.has("until")) {
    report.error(
      "E_LOOP",
      r.at("until"),
      'a loop needs "until": the condition that ends it, checked after each iteration',
      "e.g. until: steps.poll.body.status == 'done'",
    );
  } else {
    const condition = readWhen(report, body.until, r.at("until"));
    if (condition) {
      sites.push({ kind: "when", pointer: r.at("until"), condition, until: true });
      until = String(body.until);
    }
  }
  let maxIterations: number | undefined;
  if (!r.has("maxIterations")) {
    report.error(
      "E_LOOP",
      r.at("maxIterations"),
      'a loop needs "maxIterations" (at most 1000): past it the loop fails with Baton.LoopLimit',
      "e.g. maxIterations: 10",
    );
  } else {
    maxIterations = r.int("maxIterations", {
      min: 1,
      max: MAX_LOOP_ITERATIONS,
      code: "E_LOOP",
      what: "maxIterations",
    });
  }
  const list = ctx.readList(body.steps, r.at("steps"));
  return {
    sites,
    children: [list],
    exportsChildren: true,
    loop: true,
    make:
      until === undefined || maxIterations === undefined
        ? undefined
        : (base, built) => ({
            ...base,
            kind: "loop",
            steps: built[0] ?? [],
            until,
            maxIterations,
          }),
  };
};
