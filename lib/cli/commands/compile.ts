import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import type { StateMachineDefinition } from "../../core/asl.ts";
import { compileWorkflow } from "../../core/compile.ts";
import type { Workflow } from "../../core/model.ts";
import { type Command, type CommandContext, loadOne, writeJson } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";

export const compile: Command = {
  name: "compile",
  summary: "compile a workflow to Amazon States Language (JSON)",
  synopsis: "compile <file> [--out dir]",
  help: ["--out dir    write <dir>/<workflow>.asl.json instead of printing the ASL"],
  options: { out: { type: "string", short: "o" } },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const loaded = await loadOne(ctx);
    if ("exit" in loaded) return loaded.exit;
    const asl = compileOrReport(ctx, loaded.workflow);
    if (!asl) return EXIT.failed;
    const out = ctx.values.out;
    if (typeof out !== "string") {
      if (ctx.json)
        writeJson(ctx.io, {
          ok: true,
          workflow: loaded.workflow.name,
          asl,
          problems: loaded.file.problems,
        });
      else writeJson(ctx.io, asl);
      return EXIT.ok;
    }
    const dir = resolve(ctx.cwd, out);
    const target = join(dir, `${loaded.workflow.name}.asl.json`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(target, `${JSON.stringify(asl, null, 2)}\n`);
    } catch (error) {
      throw new UsageError(
        `cannot write ${out}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const shown = relative(ctx.cwd, target) || target;
    if (ctx.json)
      writeJson(ctx.io, {
        ok: true,
        workflow: loaded.workflow.name,
        out: shown,
        problems: loaded.file.problems,
      });
    else ctx.io.stdout(`wrote ${shown}\n`);
    return EXIT.ok;
  },
};

/** Compiles; a compiler failure on a valid workflow is reported as `E_COMPILE` (a bug to report). */
export function compileOrReport(
  ctx: CommandContext,
  workflow: Workflow,
): StateMachineDefinition | undefined {
  try {
    return compileWorkflow(workflow);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const problem = { code: "E_COMPILE", severity: "error", path: "", message };
    const [file = ""] = ctx.positionals;
    if (ctx.json) writeJson(ctx.io, { ok: false, file, problems: [problem] });
    else
      ctx.io.stderr(
        `${file}: E_COMPILE ${message} (please report this: the workflow validated but did not compile)\n`,
      );
    return undefined;
  }
}
