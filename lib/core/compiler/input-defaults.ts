/**
 * Schema `default`s as template defaults: `{{ input.coupon }}` where the input schema declares
 * `coupon: { default: 'none' }` compiles as `{{ input.coupon ?? 'none' }}`. The API also applies
 * defaults at start (so the recorded input shows them); this makes them hold for every start
 * (triggers, schedules, child workflows, redrives) at no cost. Scalar defaults only: objects and
 * arrays have no `??` literal and are applied at start by the API alone.
 */
import type { Json, Step, Workflow } from "../model.ts";
import { inputDefault } from "../schema-defaults.ts";
import { parseTemplate } from "../template.ts";

export function withInputDefaults(workflow: Workflow): Workflow {
  const schema = workflow.input;
  if (schema === undefined) return workflow;
  const text = (value: string): string => rewrite(value, schema);
  const json = (value: Json): Json => rewriteJson(value, text);
  const step = (s: Step): Step => {
    switch (s.kind) {
      case "call": {
        const call = { ...s.call, path: text(s.call.path) };
        const calls = (c: typeof s.call) => ({
          ...c,
          path: text(c.path),
          ...(c.query === undefined ? {} : { query: json(c.query) as typeof c.query }),
          ...(c.headers === undefined ? {} : { headers: json(c.headers) as typeof c.headers }),
          ...(c.body === undefined ? {} : { body: json(c.body) }),
        });
        return {
          ...s,
          call: calls(call),
          ...(s.compensate === undefined
            ? {}
            : { compensate: { ...s.compensate, call: calls(s.compensate.call) } }),
        };
      }
      case "parallel":
        return { ...s, branches: s.branches.map((b) => b.map(step)) };
      case "choice":
        return {
          ...s,
          cases: s.cases.map((c) => ({ ...c, steps: c.steps.map(step) })),
          otherwise: s.otherwise.map(step),
        };
      case "map":
        return { ...s, steps: s.steps.map(step) };
      case "wait":
        return s.until === undefined ? s : { ...s, until: text(s.until) };
      case "emit":
        return { ...s, detailType: text(s.detailType), detail: json(s.detail) };
      case "workflow":
        return { ...s, input: json(s.input) };
      default:
        return s;
    }
  };
  return {
    ...workflow,
    steps: workflow.steps.map(step),
    ...(workflow.output === undefined ? {} : { output: json(workflow.output) }),
  };
}

function rewriteJson(value: Json, text: (value: string) => string): Json {
  if (typeof value === "string") return text(value);
  if (Array.isArray(value)) return value.map((item) => rewriteJson(item, text));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, rewriteJson(item, text)]),
    );
  }
  return value;
}

/** The template text with `?? <default>` added to input reads the schema gives a scalar default. */
function rewrite(value: string, schema: Json): string {
  if (!value.includes("{{")) return value;
  const parsed = parseTemplate(value);
  if ("error" in parsed) return value;
  let changed = false;
  const text = parsed.parts
    .map((part) => {
      if ("text" in part) return part.text;
      const { ref } = part;
      const fallback =
        ref.root === "input" && ref.fallback === undefined
          ? inputDefault(schema, ref.path)
          : undefined;
      const literal = fallback === undefined ? undefined : asLiteral(fallback.value);
      if (literal !== undefined) changed = true;
      const written = ref.fallback === undefined ? "" : ` ?? ${writtenLiteral(ref.fallback.value)}`;
      return `{{ ${ref.source}${written}${literal === undefined ? "" : ` ?? ${literal}`} }}`;
    })
    .join("");
  return changed ? text : value;
}

/** A default as the user wrote it (double quotes when the text holds a single quote). */
const writtenLiteral = (value: Json): string =>
  asLiteral(value) ?? (typeof value === "string" ? `"${value}"` : "null");

function asLiteral(value: Json): string | undefined {
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === "string") return /['\\]|\}\}/.test(value) ? undefined : `'${value}'`;
  return undefined;
}
