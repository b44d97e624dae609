import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Json } from "../../core/model.ts";
import type { RunOnceOptions } from "../../local/run.ts";
import type { Command } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";
import { requireFile } from "../workflows.ts";
import { importLocal } from "./local.ts";

interface RunModule {
  runOnce(options: RunOnceOptions): Promise<number>;
}

export const run: Command = {
  name: "run",
  summary: "run a workflow once locally and print its step timeline",
  synopsis: "run <file> --input <json|@file> [--signal name=<json|@file>]...",
  help: [
    "--input v        execution input: JSON text, or @path to a JSON file (default {})",
    "--services file  registry seed (default: services.yaml next to the workflow, if any)",
    "--signal n=v     answer the await step waiting for signal n with v (JSON text or @file);",
    '                 {"error": "...", "cause": "..."} fails the step; repeat for more signals',
  ],
  options: {
    input: { type: "string", short: "i" },
    services: { type: "string" },
    signal: { type: "string", short: "s", multiple: true },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const [file = ""] = ctx.positionals;
    const path = await requireFile(file, ctx.cwd);
    const input = await readInput(asText(ctx.values.input), ctx.cwd);
    const signals = await readSignals(ctx.values.signal, ctx.cwd);
    const services = ctx.values.services;
    const module = await importLocal<RunModule>("run", "runOnce");
    const code = await module.runOnce({
      file: path,
      input,
      signals,
      json: ctx.json,
      ...(typeof services === "string" ? { services: resolve(ctx.cwd, services) } : {}),
      stdout: ctx.io.stdout,
      stderr: ctx.io.stderr,
    });
    return code === 0 ? EXIT.ok : EXIT.failed;
  },
};

const asText = (
  value: string | boolean | readonly string[] | undefined,
): string | boolean | undefined =>
  Array.isArray(value) ? value.at(-1) : (value as string | boolean | undefined);

/** `--signal name=value` options: each name once, each value JSON text or `@file`. */
async function readSignals(
  raw: string | boolean | readonly string[] | undefined,
  cwd: string,
): Promise<Record<string, Json>> {
  const signals: Record<string, Json> = {};
  const given = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
  for (const option of given) {
    const equals = option.indexOf("=");
    const name = option.slice(0, equals);
    if (equals <= 0 || !/^[A-Za-z0-9_.-]+$/.test(name)) {
      throw new UsageError(
        `--signal must read name=<json|@file>, e.g. --signal approval='{"approved":true}'; got "${option}"`,
      );
    }
    if (name in signals) throw new UsageError(`--signal ${name} is given twice`);
    signals[name] = await readJson(option.slice(equals + 1), `--signal ${name}`, cwd);
  }
  return signals;
}

/** `--input` as JSON text or `@file`; anything unparsable is a usage error. */
export async function readInput(raw: string | boolean | undefined, cwd: string): Promise<Json> {
  if (raw === undefined) return {};
  if (typeof raw !== "string") throw new UsageError("--input needs a value: JSON text or @file");
  return readJson(raw, "--input", cwd);
}

async function readJson(raw: string, option: string, cwd: string): Promise<Json> {
  let text = raw;
  let source = option;
  if (raw.startsWith("@")) {
    source = raw.slice(1);
    try {
      text = await readFile(resolve(cwd, source), "utf8");
    } catch (error) {
      const reason =
        (error as { code?: unknown }).code === "ENOENT" ? "no such file" : String(error);
      throw new UsageError(`cannot read ${source}: ${reason}`);
    }
  }
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new UsageError(
      `${source} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
