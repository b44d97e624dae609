import { type Command, writeJson } from "../command.ts";
import { EXIT } from "../io.ts";
import { formatProblems, plural, tally } from "../report.ts";
import { loadPaths } from "../workflows.ts";

export const validate: Command = {
  name: "validate",
  summary: "check workflow files and report every problem",
  synopsis: "validate [paths…]",
  help: ["paths        workflow files or folders of them (default: workflows/)"],
  options: {},
  positionals: { min: 0, max: Number.POSITIVE_INFINITY },
  async run(ctx) {
    const paths = ctx.positionals.length > 0 ? ctx.positionals : ["workflows"];
    const files = await loadPaths(paths, ctx);
    const { errors, warnings } = tally(files);
    if (ctx.json) {
      writeJson(ctx.io, {
        ok: errors === 0,
        errors,
        warnings,
        files: files.map((f) => ({
          file: f.file,
          ...(f.workflow ? { workflow: f.workflow } : {}),
          problems: f.problems,
        })),
      });
      return errors > 0 ? EXIT.failed : EXIT.ok;
    }
    ctx.io.stdout(formatProblems(files));
    const counts = `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
    if (files.length === 0) {
      ctx.io.stdout(`no workflow files found in ${paths.join(", ")}\n`);
    } else if (errors > 0) {
      ctx.io.stdout(`✗ ${counts} in ${plural(files.length, "file")}\n`);
    } else {
      ctx.io.stdout(
        `✓ ${plural(files.length, "workflow")} valid, ${plural(warnings, "warning")}\n`,
      );
    }
    return errors > 0 ? EXIT.failed : EXIT.ok;
  },
};
