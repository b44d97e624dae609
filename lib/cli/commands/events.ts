/**
 * `baton events put`: puts an event on a Baton API's bus (`POST /events`), so workflow triggers
 * can be tried by hand. Against `baton dev` by default; signed or with a token like every remote
 * command (`api-client-command.ts`).
 */
import { API_HELP, API_OPTIONS, remote, textOption } from "../api-client-command.ts";
import type { Command } from "../command.ts";
import { writeJson } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";
import { readInput } from "./run.ts";

export const events: Command = {
  name: "events",
  summary: "put an event on the bus of baton dev (or --api), so triggers fire",
  synopsis:
    "events put --source <source> --detail-type <type> [--detail <json|@file>] [--api <url>]",
  help: [
    "--source s        the event's source, e.g. shop.orders (baton and aws.* are reserved)",
    "--detail-type t   the event's detail-type, e.g. 'Order Placed'",
    "--detail v        the detail: JSON text, or @path to a JSON file (default {})",
    ...API_HELP,
  ],
  options: {
    source: { type: "string" },
    "detail-type": { type: "string" },
    detail: { type: "string" },
    ...API_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const [action] = ctx.positionals;
    if (action !== "put") throw new UsageError(`unknown events action "${action}" (actions: put)`);
    const source = textOption(ctx, "source");
    const detailType = textOption(ctx, "detail-type");
    if (source === undefined || detailType === undefined) {
      throw new UsageError("events put needs --source and --detail-type");
    }
    const detail = await readInput(textOption(ctx, "detail"), ctx.cwd);
    return remote(ctx, "events", async (client) => {
      const reply = await client.expect<{ entries?: { eventId: string }[] }>(
        [202],
        "POST",
        "/events",
        { json: { source, detailType, detail } },
      );
      if (ctx.json) writeJson(ctx.io, { status: reply.status, body: reply.body });
      else ctx.io.stdout(`event ${reply.body?.entries?.[0]?.eventId ?? "?"} put on the bus\n`);
      return EXIT.ok;
    });
  },
};
