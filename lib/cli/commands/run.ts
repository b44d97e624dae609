import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Json } from "../../core/model.ts";
import type { Command } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";
import { importLocal } from "./local.ts";

interface RunModule {
  runOnce(options: {
    file: string;
    input: Json;
    json: boolean;
  }): Promise<number | { readonly exitCode: number }>;
}

export const run: Command = {
  name: "run",
  summary: "run a workflow once locally and print its step timeline",
  synopsis: "run <file> --input <json|@file>",
  help: ["--input v    execution input: JSON text, or @path to a JSON file (default {})"],
  options: { input: { type: "string", short: "i" } },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const [file = ""] = ctx.positionals;
    const input = await readInput(ctx.values.input, ctx.cwd);
    const module = await importLocal<RunModule>("run", "runOnce");
    const result = await module.runOnce({ file: resolve(ctx.cwd, file), input, json: ctx.json });
    const code = typeof result === "number" ? result : result.exitCode;
    return code === 0 ? EXIT.ok : EXIT.failed;
  },
};

/** `--input` as JSON text or `@file`; anything unparsable is a usage error. */
export async function readInput(raw: string | boolean | undefined, cwd: string): Promise<Json> {
  if (raw === undefined) return {};
  if (typeof raw !== "string") throw new UsageError("--input needs a value: JSON text or @file");
  let text = raw;
  let source = "--input";
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
