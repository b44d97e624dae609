import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { type Command, loadOne, writeJson } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";
import { TEMPLATE_HELP, TEMPLATE_OPTIONS } from "../template-options.ts";

export const compile: Command = {
  name: "compile",
  summary: "compile a workflow to Amazon States Language (JSON)",
  synopsis: "compile <file> [--out dir] [--param k=v …] [--name n]",
  help: [
    "--out dir         write <dir>/<workflow>.asl.json instead of printing the ASL",
    ...TEMPLATE_HELP,
  ],
  options: { out: { type: "string", short: "o" }, ...TEMPLATE_OPTIONS },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const loaded = await loadOne(ctx);
    if ("exit" in loaded) return loaded.exit;
    const { workflow, asl } = loaded.ready;
    const out = ctx.values.out;
    if (typeof out !== "string") {
      if (ctx.json)
        writeJson(ctx.io, {
          ok: true,
          workflow: workflow.name,
          asl,
          problems: loaded.file.problems,
        });
      else writeJson(ctx.io, asl);
      return EXIT.ok;
    }
    const dir = resolve(ctx.cwd, out);
    const target = join(dir, `${workflow.name}.asl.json`);
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
        workflow: workflow.name,
        out: shown,
        problems: loaded.file.problems,
      });
    else ctx.io.stdout(`wrote ${shown}\n`);
    return EXIT.ok;
  },
};
