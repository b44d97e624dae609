/** What every subcommand declares and receives. */
import type { ParseArgsConfig } from "node:util";
import { hasErrors } from "../core/problems.ts";
import type { ReadyWorkflow } from "../core/project/model.ts";
import { type CliIo, EXIT } from "./io.ts";
import { formatProblems, plural, tally } from "./report.ts";
import { templateValues } from "./template-options.ts";
import { type LoadedFile, loadFile } from "./workflows.ts";

export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

export interface CommandContext {
  readonly io: CliIo;
  readonly cwd: string;
  readonly json: boolean;
  readonly strict: boolean;
  /** Option values; an option declared `multiple: true` gives every value in order. */
  readonly values: Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
  readonly positionals: readonly string[];
}

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Synopsis after `baton`, e.g. `compile <file> [--out dir]`. */
  readonly synopsis: string;
  /** Option lines for `baton <command> --help`. */
  readonly help: readonly string[];
  readonly options: OptionSpecs;
  readonly positionals: { readonly min: number; readonly max: number };
  run(ctx: CommandContext): Promise<number>;
}

export const writeJson = (io: CliIo, value: unknown): void =>
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);

/**
 * Loads the command's one workflow file. With errors, reports them (stderr, or the JSON object on
 * stdout) and returns the exit code; otherwise prints warnings to stderr and returns the workflow,
 * compiled (a compiler failure is an `E_COMPILE` problem like any other).
 */
export async function loadOne(
  ctx: CommandContext,
): Promise<
  { readonly file: LoadedFile; readonly ready: ReadyWorkflow } | { readonly exit: number }
> {
  const [path = ""] = ctx.positionals;
  const file = await loadFile(path, { ...ctx, templates: templateValues(ctx) });
  if (hasErrors(file.problems) || !file.ready) {
    if (ctx.json) {
      writeJson(ctx.io, { ok: false, file: file.file, problems: file.problems });
    } else {
      const { errors, warnings } = tally([file]);
      ctx.io.stderr(formatProblems([file]));
      ctx.io.stderr(`✗ ${file.file}: ${plural(errors, "error")}, ${plural(warnings, "warning")}\n`);
    }
    return { exit: EXIT.failed };
  }
  if (!ctx.json) ctx.io.stderr(formatProblems([file]));
  return { file, ready: file.ready };
}
