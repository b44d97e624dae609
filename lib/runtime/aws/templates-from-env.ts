/**
 * The templates the publish function serves: the bundled `BATON_TEMPLATES_FILE`
 * (`{templates: [{file, text}]}`, written and checked at synth), read and parsed once per
 * container. Only the publish function imports this (it carries the template parser).
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { SourceFile } from "../../core/project/model.ts";
import { readTemplates, type TemplateSource } from "../../core/project/templates.ts";
import { ENV } from "./env.ts";

let cached: Promise<readonly TemplateSource[]> | undefined;

/** The templates of this container; none when the stack ships no templates file. */
export function templatesFromEnv(): Promise<readonly TemplateSource[]> {
  cached ??= read().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function read(): Promise<readonly TemplateSource[]> {
  const path = process.env[ENV.templatesFile];
  if (path === undefined || path === "") return [];
  const full = isAbsolute(path) ? path : join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), path);
  const parsed = JSON.parse(await readFile(full, "utf8")) as { templates?: unknown };
  const files = Array.isArray(parsed.templates) ? (parsed.templates as SourceFile[]) : [];
  return readTemplates(
    files.filter((f) => typeof f?.file === "string" && typeof f.text === "string"),
  ).templates;
}
