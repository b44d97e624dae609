/**
 * `baton start <workflow>[@version|@alias]`: starts an execution on a Baton API (baton dev by
 * default); `--wait` follows it to its end and exits 1 when it failed.
 */
import type { ApiClient } from "../api-client.ts";
import { API_HELP, API_OPTIONS, remote, textOption } from "../api-client-command.ts";
import type { Command, CommandContext } from "../command.ts";
import { writeJson } from "../command.ts";
import {
  ACTIVE_STATUSES,
  type ExecutionView,
  FAILED_STATUSES,
  renderExecution,
} from "../execution-view.ts";
import { EXIT, UsageError } from "../io.ts";
import { readInput } from "./run.ts";

const POLL_MS = 500;

export const start: Command = {
  name: "start",
  summary: "start an execution on a Baton API (name@3 pins a version, name@canary an alias)",
  synopsis:
    "start <workflow>[@version|@alias] [--input <json|@file>] [--idempotency-key k] [--wait [--timeout s]] [--api <url>]",
  help: [
    "--input v            execution input: JSON text, or @path to a JSON file (default {})",
    "--idempotency-key k  a repeated start with k answers the first execution",
    "--wait               follow the execution to its end; exit 1 when it failed",
    "--timeout s          with --wait: give up after s seconds (default 300; exit 1)",
    ...API_HELP,
  ],
  options: {
    input: { type: "string", short: "i" },
    "idempotency-key": { type: "string" },
    wait: { type: "boolean", short: "w" },
    timeout: { type: "string" },
    ...API_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const target = parseTarget(ctx.positionals[0] ?? "");
    const input = await readInput(textOption(ctx, "input"), ctx.cwd);
    const key = textOption(ctx, "idempotency-key");
    const timeoutMs = timeoutOption(ctx);
    return remote(ctx, "start", async (client) => {
      const reply = await client.expect<ExecutionView>(
        [200, 201],
        "POST",
        `/workflows/${encodeURIComponent(target.name)}/executions`,
        {
          json: input,
          query: target.pin,
          ...(key === undefined ? {} : { headers: { "idempotency-key": key } }),
        },
      );
      const started = reply.body;
      if (ctx.values.wait !== true) {
        if (ctx.json) writeJson(ctx.io, started);
        else
          ctx.io.stdout(
            `${reply.status === 201 ? "started" : "already started (same Idempotency-Key)"}: ${started.id} (${started.workflow} v${started.version}, ${started.status})\n`,
          );
        return EXIT.ok;
      }
      if (!ctx.json) ctx.io.stderr(`started ${started.id}; waiting for it to end\n`);
      const done = await waitForEnd(client, started, timeoutMs);
      if (ctx.json) writeJson(ctx.io, done);
      else ctx.io.stdout(renderExecution(done));
      if (ACTIVE_STATUSES.includes(done.status)) {
        if (!ctx.json)
          ctx.io.stderr(
            `baton start: ${done.id} is still ${done.status} after ${timeoutMs / 1000} s (baton status ${done.id} follows it)\n`,
          );
        return EXIT.failed;
      }
      return FAILED_STATUSES.includes(done.status) ? EXIT.failed : EXIT.ok;
    });
  },
};

interface Target {
  readonly name: string;
  readonly pin: { readonly version?: string; readonly alias?: string };
}

/** `greeter`, `greeter@3` (a version) or `greeter@canary` (an alias). */
function parseTarget(raw: string): Target {
  const match = /^([^@]+)(?:@(.+))?$/.exec(raw);
  if (match?.[1] === undefined) {
    throw new UsageError(`expected <workflow>[@version|@alias]; got "${raw}"`);
  }
  const at = match[2];
  if (at === undefined) return { name: match[1], pin: {} };
  return { name: match[1], pin: /^\d+$/.test(at) ? { version: at } : { alias: at } };
}

function timeoutOption(ctx: CommandContext): number {
  const raw = textOption(ctx, "timeout");
  if (raw === undefined) return 300_000;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) {
    throw new UsageError(`--timeout must be a positive number of seconds; got "${raw}"`);
  }
  return Number(raw) * 1000;
}

async function waitForEnd(
  client: ApiClient,
  started: ExecutionView,
  timeoutMs: number,
): Promise<ExecutionView> {
  const deadline = Date.now() + timeoutMs;
  let current = started;
  while (ACTIVE_STATUSES.includes(current.status) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = (
      await client.expect<ExecutionView>(
        [200],
        "GET",
        `/executions/${encodeURIComponent(started.id)}`,
      )
    ).body;
  }
  return current;
}
