import { resolve } from "node:path";
import { contractDrift } from "../../core/contract-drift.ts";
import type { FileProblem } from "../../core/problems.ts";
import { DEFAULT_CONTRACT_CACHE } from "../../core/project/load-contracts.ts";
import { refreshContracts } from "../../runtime/contracts/refresh-cache.ts";
import { type Command, writeJson } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";
import { formatProblems, plural, tally } from "../report.ts";
import { TEMPLATE_HELP, TEMPLATE_OPTIONS, templateValues } from "../template-options.ts";
import { type LoadedFile, loadPaths } from "../workflows.ts";

const fileProblems = (files: readonly LoadedFile[]): FileProblem[] =>
  files.flatMap((f) => f.problems.map((problem) => ({ file: f.file, problem })));

export const validate: Command = {
  name: "validate",
  summary: "check workflow files and report every problem",
  synopsis: "validate [paths…] [--services services.yaml [--fetch-contracts]] [--param k=v …]",
  help: [
    "paths             workflow files or folders of them (default: workflows/)",
    "--services        a services file: check every call against the OpenAPI contracts it names",
    "                  (offline; URL contracts from the cache in .baton/contracts; docs/contracts.md)",
    "--fetch-contracts first fetch the URL contracts into that cache (If-None-Match with the",
    "                  cached ETag; the SSRF-safe caller of service calls)",
    "templates (files with template:, docs/templates.md) are checked, and the workflow each",
    "creates is validated:",
    ...TEMPLATE_HELP,
  ],
  options: {
    services: { type: "string" },
    "fetch-contracts": { type: "boolean" },
    ...TEMPLATE_OPTIONS,
  },
  positionals: { min: 0, max: Number.POSITIVE_INFINITY },
  async run(ctx) {
    const paths = ctx.positionals.length > 0 ? ctx.positionals : ["workflows"];
    const services = ctx.values.services;
    const options = {
      ...ctx,
      templates: templateValues(ctx),
      ...(typeof services === "string" ? { services } : {}),
    };
    let before: LoadedFile[] | undefined;
    if (ctx.values["fetch-contracts"] === true) {
      if (typeof services !== "string") {
        throw new UsageError("--fetch-contracts needs --services <file>");
      }
      // The same check against the copies cached so far: what the fetch adds is drift.
      before = await loadPaths(paths, options);
      const outcomes = await refreshContracts(
        resolve(ctx.cwd, services),
        resolve(ctx.cwd, DEFAULT_CONTRACT_CACHE),
      );
      // With --json, stdout carries only the JSON object.
      const say = ctx.json ? ctx.io.stderr : ctx.io.stdout;
      for (const o of outcomes) {
        say(`contract ${o.service} (${o.url}): ${o.outcome}${o.reason ? `: ${o.reason}` : ""}\n`);
      }
    }
    const files = await loadPaths(paths, options);
    const drift =
      before === undefined ? [] : contractDrift(fileProblems(before), fileProblems(files));
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
        ...(before === undefined ? {} : { drift }),
      });
      return errors > 0 ? EXIT.failed : EXIT.ok;
    }
    ctx.io.stdout(formatProblems(files));
    if (drift.length > 0) {
      ctx.io.stdout(
        `Contract drift: ${plural(drift.length, "problem")} new since the cached contracts (the services changed under these calls):\n`,
      );
      ctx.io.stdout(formatProblems(drift.map((d) => ({ file: d.file, problems: [d.problem] }))));
    }
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
