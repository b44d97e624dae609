/**
 * `W_OPTIONAL_READ`: a template reads an input field that may be absent (the input schema neither
 * requires it nor gives it a default) and has no `??` default, so an execution without it fails
 * that step with `Baton.TemplateError`. Conditions (`when`) are exempt: a missing value is false.
 */
import { inputAlwaysHas } from "../schema-defaults.ts";
import { parseTemplate, strings } from "../template.ts";
import type { Report } from "./problem-report.ts";

export function checkOptionalReads(
  report: Report,
  sites: readonly { readonly value: unknown; readonly pointer: string }[],
  schema: unknown,
): void {
  for (const site of sites) {
    if (site.value === undefined) continue;
    for (const [pointer, text] of strings(site.value as never, site.pointer)) {
      const parsed = parseTemplate(text);
      if ("error" in parsed) continue;
      for (const part of parsed.parts) {
        if (!("ref" in part)) continue;
        const { ref } = part;
        if (ref.root !== "input" || ref.fallback !== undefined || ref.path.length === 0) continue;
        if (inputAlwaysHas(schema, ref.path)) continue;
        const field = String(ref.path[0]);
        report.warning(
          "W_OPTIONAL_READ",
          pointer,
          `{{ ${ref.source} }} reads an input field the input schema neither requires nor defaults: an execution without it fails this step with Baton.TemplateError`,
          `require it (input.required: [${field}]), give it a "default" in the schema, or write {{ ${ref.source} ?? 'value' }}`,
        );
      }
    }
  }
}
