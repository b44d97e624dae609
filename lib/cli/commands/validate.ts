import { type Command, writeJson } from "../command.ts";
import { EXIT } from "../io.ts";
import { formatProblems, plural, tally } from "../report.ts";
import { loadPaths } from "../workflows.ts";

export const validate: Command = {
  name: "validate",
  summary: "check workflow files and report every problem",
  synopsis: "validate [paths…] [--services services.yaml]",
  help: [
    "paths        workflow files or folders of them (default: workflows/)",
    "--services   a services file: check every call against the OpenAPI contracts it names",
    "             (offline; URL contracts from the cache in .baton/contracts; docs/contracts.md)",
  ],
  options: { services: { type: "string" } },
  positionals: { min: 0, max: Number.POSITIVE_INFINITY },
  async run(ctx) {
    const paths = ctx.positionals.length > 0 ? ctx.positionals : ["workflows"];
    const services = ctx.values.services;
    const files = await loadPaths(paths, {
      ...ctx,
      ...(typeof services === "string" ? { services } : {}),
    });
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
      const workflows = files.filter((f) => f.workflow !== undefined).length;
      ctx.io.stdout(`✓ ${plural(workflows, "workflow")} valid, ${plural(warnings, "warning")}\n`);
    }
    return errors > 0 ? EXIT.failed : EXIT.ok;
  },
};
