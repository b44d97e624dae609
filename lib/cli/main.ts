/**
 * `baton`: validate, compile, graph and price workflows; run them locally.
 * `main` never exits the process: it returns the exit code, so tests call it in-process.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Command, OptionSpecs } from "./command.ts";
import { compile } from "./commands/compile.ts";
import { cost } from "./commands/cost.ts";
import { dev } from "./commands/dev.ts";
import { events } from "./commands/events.ts";
import { executions } from "./commands/executions.ts";
import { graph } from "./commands/graph.ts";
import { run } from "./commands/run.ts";
import { schema } from "./commands/schema.ts";
import { simulate } from "./commands/simulate.ts";
import { start } from "./commands/start.ts";
import { status } from "./commands/status.ts";
import { validate } from "./commands/validate.ts";
import { workflows } from "./commands/workflows.ts";
import { type CliIo, EXIT, processIo, UsageError } from "./io.ts";

export const COMMANDS: readonly Command[] = [
  validate,
  compile,
  graph,
  cost,
  dev,
  run,
  simulate,
  schema,
  events,
  workflows,
  start,
  status,
  executions,
];

const GLOBAL_OPTIONS = {
  json: { type: "boolean" },
  strict: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const satisfies OptionSpecs;

const GLOBAL_HELP = [
  "--json       machine-readable output on stdout",
  "--strict     treat W_NO_COMPENSATION as an error",
  "--help, -h   show help",
  "--version    show the version",
];

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const json = argv.includes("--json");
  const index = argv.findIndex((arg) => !arg.startsWith("-"));
  const name = index < 0 ? undefined : argv[index];
  const command = name === undefined ? undefined : COMMANDS.find((c) => c.name === name);
  try {
    if (name === "help") return help(io, argv[index + 1]);
    if (name !== undefined && !command) {
      throw new UsageError(
        `unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(", ")})`,
      );
    }
    const rest = index < 0 ? [...argv] : [...argv.slice(0, index), ...argv.slice(index + 1)];
    const parsed = parse(rest, command);
    if (parsed.values.version === true) {
      if (json) io.stdout(`${JSON.stringify({ version: VERSION })}\n`);
      else io.stdout(`baton ${VERSION}\n`);
      return EXIT.ok;
    }
    if (parsed.values.help === true) {
      io.stdout(command ? commandUsage(command) : usage());
      return EXIT.ok;
    }
    if (!command) throw new UsageError("missing command");
    const { min, max } = command.positionals;
    if (parsed.positionals.length < min)
      throw new UsageError(`missing argument: baton ${command.synopsis}`);
    if (parsed.positionals.length > max) {
      throw new UsageError(
        `unexpected argument "${parsed.positionals[max]}": baton ${command.synopsis}`,
      );
    }
    return await command.run({
      io,
      cwd: io.cwd ?? process.cwd(),
      json,
      strict: parsed.values.strict === true,
      values: parsed.values,
      positionals: parsed.positionals,
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`baton: ${error.message}\n\n${command ? commandUsage(command) : usage()}`);
    if (json)
      io.stdout(`${JSON.stringify({ ok: false, error: "usage", message: error.message })}\n`);
    return EXIT.usage;
  }
}

function parse(args: string[], command: Command | undefined) {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...GLOBAL_OPTIONS, ...command?.options },
      strict: true,
      allowPositionals: true,
    });
    return {
      values: values as Record<string, string | boolean | readonly string[] | undefined>,
      positionals,
    };
  } catch (error) {
    // parseArgs explains unknown flags and missing values well; keep its first sentence.
    const message =
      error instanceof Error ? (error.message.split(". ")[0] ?? error.message) : String(error);
    throw new UsageError(message);
  }
}

function help(io: CliIo, topic: string | undefined): number {
  const command = COMMANDS.find((c) => c.name === topic);
  if (topic !== undefined && !command) {
    io.stderr(`baton: no help for "${topic}"\n\n${usage()}`);
    return EXIT.usage;
  }
  io.stdout(command ? commandUsage(command) : usage());
  return EXIT.ok;
}

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: baton <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Options:",
    ...aligned(GLOBAL_HELP),
    "",
    "Exit codes: 0 success, 1 validation errors or a failed execution, 2 bad usage.",
    "Run `baton <command> --help` for a command's options.",
    "",
  ].join("\n");
}

export function commandUsage(command: Command): string {
  return [
    `Usage: baton ${command.synopsis}`,
    "",
    `${command.summary[0]?.toUpperCase() ?? ""}${command.summary.slice(1)}.`,
    "",
    "Options:",
    ...aligned([...command.help, ...GLOBAL_HELP]),
    "",
  ].join("\n");
}

/** Option lines (`--flag value   description`) with their descriptions in one column. */
function aligned(lines: readonly string[]): string[] {
  const rows = lines.map((line) => {
    const [flag = line, ...rest] = line.split(/\s{2,}/);
    return [flag, rest.join("  ")] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`.trimEnd());
}

const VERSION = readVersion();

function readVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as {
      version?: unknown;
    };
    return typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}
