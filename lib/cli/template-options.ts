/**
 * `--param name=value` (repeatable) and `--name` for commands that read templates
 * (docs/templates.md): a value that parses as JSON is that JSON (`3`, `true`, `[1,2]`,
 * `"quoted"`), anything else is the text as written.
 */
import type { JsonObject } from "../core/model.ts";
import type { TemplateValues } from "../core/template-params.ts";
import type { CommandContext, OptionSpecs } from "./command.ts";
import { UsageError } from "./io.ts";

export const TEMPLATE_OPTIONS: OptionSpecs = {
  param: { type: "string", multiple: true },
  name: { type: "string" },
};

export const TEMPLATE_HELP = [
  "--param k=v       a template parameter (repeatable; v is JSON if it parses, else text);",
  "                  without any, a template is checked with its first `examples` entry",
  "--name n          the name of the workflow a template creates (default: the template's)",
] as const;

export function templateValues(ctx: Pick<CommandContext, "values">): TemplateValues {
  const raw = ctx.values.param;
  const list = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : [];
  const name = ctx.values.name;
  if (list.length === 0) return typeof name === "string" ? { name } : {};
  const parameters: { [key: string]: JsonObject[string] } = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? "" : item.slice(0, eq);
    if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(key)) {
      throw new UsageError(`--param ${item}: write --param name=value (name: letters, digits, _)`);
    }
    if (Object.hasOwn(parameters, key)) throw new UsageError(`--param ${key} is given twice`);
    parameters[key] = parseValue(item.slice(eq + 1));
  }
  return { parameters, ...(typeof name === "string" ? { name } : {}) };
}

function parseValue(text: string): JsonObject[string] {
  try {
    return JSON.parse(text) as JsonObject[string];
  } catch {
    return text;
  }
}
