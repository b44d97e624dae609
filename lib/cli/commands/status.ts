/** `baton status <executionId>`: one execution's document, from a Baton API (baton dev by default). */
import { API_HELP, API_OPTIONS, remote } from "../api-client-command.ts";
import type { Command } from "../command.ts";
import { writeJson } from "../command.ts";
import { type ExecutionView, FAILED_STATUSES, renderExecution } from "../execution-view.ts";
import { EXIT } from "../io.ts";

export const status: Command = {
  name: "status",
  summary: "show an execution: status, who started it, error, steps (exit 1 when it failed)",
  synopsis: "status <executionId> [--api <url>]",
  help: [...API_HELP],
  options: { ...API_OPTIONS },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const [id = ""] = ctx.positionals;
    return remote(ctx, "status", async (client) => {
      const { body } = await client.expect<ExecutionView>(
        [200],
        "GET",
        `/executions/${encodeURIComponent(id)}`,
      );
      if (ctx.json) writeJson(ctx.io, body);
      else ctx.io.stdout(renderExecution(body));
      return FAILED_STATUSES.includes(body.status) ? EXIT.failed : EXIT.ok;
    });
  },
};
