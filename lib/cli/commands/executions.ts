/** `baton executions`: every workflow's executions, newest first (`GET /executions`). */
import { API_HELP, API_OPTIONS, limitOption, remote, textOption } from "../api-client-command.ts";
import type { Command } from "../command.ts";
import { writeJson } from "../command.ts";
import type { ExecutionView } from "../execution-view.ts";
import { EXIT } from "../io.ts";
import { table } from "../table.ts";

export const executions: Command = {
  name: "executions",
  summary: "list executions across workflows, newest first (--workflow, --status, --limit)",
  synopsis: "executions [--workflow w] [--status s] [--limit n] [--cursor c] [--api <url>]",
  help: [
    "--workflow w     only this workflow's executions",
    "--status s       only executions in this status (RUNNING, FAILED, …)",
    "--limit n        at most n executions (default 20, at most 100)",
    "--cursor c       the next page (printed after a full page)",
    ...API_HELP,
  ],
  options: {
    workflow: { type: "string" },
    status: { type: "string" },
    limit: { type: "string" },
    cursor: { type: "string" },
    ...API_OPTIONS,
  },
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const query = {
      workflow: textOption(ctx, "workflow"),
      status: textOption(ctx, "status"),
      limit: limitOption(ctx),
      cursor: textOption(ctx, "cursor"),
    };
    return remote(ctx, "executions", async (client) => {
      const { body } = await client.expect<{ items: ExecutionView[]; nextCursor?: string }>(
        [200],
        "GET",
        "/executions",
        { query },
      );
      if (ctx.json) {
        writeJson(ctx.io, body);
        return EXIT.ok;
      }
      if (body.items.length === 0) ctx.io.stdout("no executions\n");
      else
        ctx.io.stdout(
          table(
            ["ID", "WORKFLOW", "VERSION", "STATUS", "STARTED", "MS", "STARTED BY"],
            body.items.map((e) => [
              e.id,
              e.workflow,
              String(e.version),
              e.status,
              e.startedAt,
              e.durationMs === null ? "" : String(e.durationMs),
              e.startedBy ?? "",
            ]),
          ),
        );
      if (body.nextCursor !== undefined)
        ctx.io.stderr(`more: baton executions --cursor ${body.nextCursor}\n`);
      return EXIT.ok;
    });
  },
};
