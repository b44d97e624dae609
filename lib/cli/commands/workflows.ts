/**
 * `baton workflows push|list|versions|alias|delete|audit`: the control plane of a Baton API
 * (docs/control-plane.md) from the command line, against `baton dev` by default.
 */
import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { ApiProblemError, type ProblemEntry } from "../api-client.ts";
import {
  API_HELP,
  API_OPTIONS,
  limitOption,
  remote,
  reportProblem,
  textOption,
} from "../api-client-command.ts";
import type { Command, CommandContext } from "../command.ts";
import { writeJson } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";
import { table } from "../table.ts";

const ACTIONS = ["push", "list", "versions", "alias", "delete", "audit"] as const;

export const workflows: Command = {
  name: "workflows",
  summary: "push, list, version, alias, delete and audit workflows on a Baton API",
  synopsis:
    "workflows push <file>... | list [--q text] [--tag t] | versions <name> | alias <name> <alias> <version|v=w,v=w> | delete <name> | audit <name>",
  help: [
    "push <file>...          publish each workflow file (PUT /workflows/{name}) as a new version",
    "list                    the workflows (GET /workflows); --q words, --tag a,b filter",
    "versions <name>         the versions, newest first, with who published them",
    "alias <name> <a> <v>    point alias a at version v, or split it: 1=90,2=10",
    "delete <name>           delete the workflow (running executions finish)",
    "audit <name>            who published, aliased, deleted, cancelled, redrove, paused, resumed",
    "--q text                list: words to search in names, descriptions and tags",
    "--tag t                 list: comma-separated tags every workflow must have",
    "--limit n               list, versions, audit: at most n items",
    ...API_HELP,
  ],
  options: {
    q: { type: "string" },
    tag: { type: "string" },
    limit: { type: "string" },
    ...API_OPTIONS,
  },
  positionals: { min: 1, max: 100 },
  async run(ctx) {
    const [action = "", ...args] = ctx.positionals;
    if (!(ACTIONS as readonly string[]).includes(action)) {
      throw new UsageError(`unknown workflows action "${action}" (actions: ${ACTIONS.join(", ")})`);
    }
    const needs = (count: number, synopsis: string): void => {
      if (args.length !== count) throw new UsageError(`usage: baton workflows ${synopsis}`);
    };
    const limit = limitOption(ctx);
    switch (action) {
      case "push":
        if (args.length === 0) throw new UsageError("usage: baton workflows push <file>...");
        return push(ctx, args);
      case "list":
        needs(0, "list [--q text] [--tag t]");
        return list(ctx, limit);
      case "versions":
        needs(1, "versions <name>");
        return versions(ctx, args[0] as string, limit);
      case "alias":
        needs(3, "alias <name> <alias> <version | version=weight,version=weight>");
        return alias(ctx, args[0] as string, args[1] as string, routingArg(args[2] as string));
      case "delete":
        needs(1, "delete <name>");
        return remove(ctx, args[0] as string);
      default:
        needs(1, "audit <name>");
        return audit(ctx, args[0] as string, limit);
    }
  },
};

interface Published {
  readonly name: string;
  readonly version: number;
  readonly published: boolean;
  readonly warnings?: readonly ProblemEntry[];
}

async function push(ctx: CommandContext, files: readonly string[]): Promise<number> {
  const sources = await Promise.all(files.map((file) => readSource(ctx.cwd, file)));
  return remote(ctx, "workflows push", async (client) => {
    const results: unknown[] = [];
    let failed = false;
    for (const source of sources) {
      try {
        const reply = await client.expect<Published>(
          [200, 201],
          "PUT",
          `/workflows/${encodeURIComponent(source.name)}`,
          { text: source.text, contentType: source.contentType },
        );
        const { version, published, warnings = [] } = reply.body;
        results.push({ file: source.file, ...reply.body });
        if (!ctx.json) {
          for (const warning of warnings) ctx.io.stderr(`${sourceLine(source.file, warning)}\n`);
          ctx.io.stdout(
            published
              ? `${source.file}: ${source.name} version ${version} published (live)\n`
              : `${source.file}: ${source.name} unchanged (identical to version ${version})\n`,
          );
        }
      } catch (error) {
        if (!(error instanceof ApiProblemError)) throw error;
        failed = true;
        if (ctx.json) results.push({ file: source.file, ok: false, problem: error.problem });
        else
          reportProblem(ctx.io, false, `workflows push ${source.file}`, error, (entry) =>
            sourceLine(source.file, entry),
          );
      }
    }
    if (ctx.json) writeJson(ctx.io, { ok: !failed, results });
    return failed ? EXIT.failed : EXIT.ok;
  });
}

interface Source {
  readonly file: string;
  readonly name: string;
  readonly text: string;
  readonly contentType: string;
}

/** Reads a workflow file and its `workflow:` name (the route's name; the API checks they agree). */
async function readSource(cwd: string, file: string): Promise<Source> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const json = extname(file).toLowerCase() === ".json";
  let document: unknown;
  try {
    document = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `${file} is not ${json ? "JSON" : "YAML"} (${(error as Error).message.split("\n")[0]}); baton validate ${file} tells more`,
    );
  }
  const name = (document as { workflow?: unknown } | null)?.workflow;
  if (typeof name !== "string" || name === "") {
    throw new UsageError(`${file} has no "workflow:" name; it names the workflow to publish`);
  }
  return {
    file,
    name,
    text,
    contentType: json ? "application/json" : "application/yaml",
  };
}

/** A workflow problem the API found, as `baton validate` prints it: `file:line: CODE message (hint)`. */
function sourceLine(file: string, entry: ProblemEntry): string {
  const where = entry.line === undefined ? file : `${file}:${entry.line}`;
  const code = entry.code === undefined ? "" : ` ${entry.code}`;
  const warning = entry.severity === "warning" ? " warning:" : "";
  const hint = entry.hint === undefined ? "" : ` (${entry.hint})`;
  const path = entry.line === undefined && entry.path ? ` at ${entry.path}` : "";
  return `${where}:${code}${warning} ${entry.message ?? ""}${path}${hint}`;
}

interface WorkflowRow {
  readonly name: string;
  readonly version: number;
  readonly type: string;
  readonly description?: string;
  readonly tags?: readonly string[];
}

async function list(ctx: CommandContext, limit: number | undefined): Promise<number> {
  return remote(ctx, "workflows list", async (client) => {
    const { body } = await client.expect<{ items: WorkflowRow[]; nextCursor?: string }>(
      [200],
      "GET",
      "/workflows",
      { query: { q: textOption(ctx, "q"), tag: textOption(ctx, "tag"), limit } },
    );
    if (ctx.json) writeJson(ctx.io, body);
    else if (body.items.length === 0) ctx.io.stdout("no workflows\n");
    else {
      ctx.io.stdout(
        table(
          ["NAME", "VERSION", "TYPE", "TAGS", "DESCRIPTION"],
          body.items.map((w) => [
            w.name,
            String(w.version),
            w.type,
            (w.tags ?? []).join(","),
            w.description ?? "",
          ]),
        ),
      );
    }
    return EXIT.ok;
  });
}

interface VersionRow {
  readonly version: number;
  readonly publishedAt: string;
  readonly publishedBy: string;
  readonly origin: string;
}

async function versions(
  ctx: CommandContext,
  name: string,
  limit: number | undefined,
): Promise<number> {
  return remote(ctx, "workflows versions", async (client) => {
    const { body } = await client.expect<{ items: VersionRow[] }>(
      [200],
      "GET",
      `/workflows/${encodeURIComponent(name)}/versions`,
      { query: { limit } },
    );
    if (ctx.json) writeJson(ctx.io, body);
    else
      ctx.io.stdout(
        table(
          ["VERSION", "PUBLISHED", "BY", "ORIGIN"],
          body.items.map((v) => [String(v.version), v.publishedAt, v.publishedBy, v.origin]),
        ),
      );
    return EXIT.ok;
  });
}

type Routing = readonly { readonly version: number; readonly weight: number }[];

/** `3`, or `1=90,2=10`: a version, or versions with weights adding up to 100 (the API checks). */
function routingArg(raw: string): Routing {
  if (/^\d+$/.test(raw)) return [{ version: Number(raw), weight: 100 }];
  const routes = raw.split(",").map((part) => /^(\d+)=(\d+)$/.exec(part.trim()));
  if (routes.length === 0 || routes.some((match) => match === null)) {
    throw new UsageError(
      `the alias target must be a version (3) or version=weight pairs (1=90,2=10); got "${raw}"`,
    );
  }
  return routes.map((match) => ({
    version: Number((match as RegExpExecArray)[1]),
    weight: Number((match as RegExpExecArray)[2]),
  }));
}

async function alias(
  ctx: CommandContext,
  name: string,
  aliasName: string,
  routing: Routing,
): Promise<number> {
  return remote(ctx, "workflows alias", async (client) => {
    const body =
      routing.length === 1 && routing[0]?.weight === 100
        ? { version: routing[0].version }
        : { routing };
    const reply = await client.expect<{ routing: Routing }>(
      [200],
      "PUT",
      `/workflows/${encodeURIComponent(name)}/aliases/${encodeURIComponent(aliasName)}`,
      { json: body },
    );
    if (ctx.json) writeJson(ctx.io, reply.body);
    else {
      const to = reply.body.routing.map((r) => `version ${r.version} (${r.weight}%)`).join(", ");
      ctx.io.stdout(`${name}: alias ${aliasName} → ${to}\n`);
    }
    return EXIT.ok;
  });
}

async function remove(ctx: CommandContext, name: string): Promise<number> {
  return remote(ctx, "workflows delete", async (client) => {
    await client.expect([204], "DELETE", `/workflows/${encodeURIComponent(name)}`);
    if (ctx.json) writeJson(ctx.io, { ok: true, name, deleted: true });
    else ctx.io.stdout(`${name}: deleted (running executions finish on their version)\n`);
    return EXIT.ok;
  });
}

interface AuditRow {
  readonly at: string;
  readonly action: string;
  readonly by: string;
  readonly version?: number;
  readonly executionId?: string;
  readonly detail?: string;
}

async function audit(
  ctx: CommandContext,
  name: string,
  limit: number | undefined,
): Promise<number> {
  return remote(ctx, "workflows audit", async (client) => {
    const { body } = await client.expect<{ items: AuditRow[] }>(
      [200],
      "GET",
      `/workflows/${encodeURIComponent(name)}/audit`,
      { query: { limit } },
    );
    if (ctx.json) writeJson(ctx.io, body);
    else if (body.items.length === 0) ctx.io.stdout(`${name}: no audit entries\n`);
    else
      ctx.io.stdout(
        table(
          ["AT", "ACTION", "BY", "VERSION", "EXECUTION", "DETAIL"],
          body.items.map((a) => [
            a.at,
            a.action,
            a.by,
            a.version === undefined ? "" : String(a.version),
            a.executionId ?? "",
            a.detail ?? "",
          ]),
        ),
      );
    return EXIT.ok;
  });
}
