/**
 * `baton events put`: puts an event on a Baton API's bus (`POST /events`), so workflow triggers
 * can be tried by hand. Against `baton dev` by default.
 */
import type { Command } from "../command.ts";
import { writeJson } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";
import { readInput } from "./run.ts";

const DEFAULT_API = "http://127.0.0.1:3000";

export const events: Command = {
  name: "events",
  summary: "put an event on the bus of baton dev (or --api), so triggers fire",
  synopsis:
    "events put --source <source> --detail-type <type> [--detail <json|@file>] [--api <url>]",
  help: [
    "--source s        the event's source, e.g. shop.orders (baton and aws.* are reserved)",
    "--detail-type t   the event's detail-type, e.g. 'Order Placed'",
    "--detail v        the detail: JSON text, or @path to a JSON file (default {})",
    `--api url         the Baton API (default $BATON_API, else ${DEFAULT_API}: baton dev)`,
  ],
  options: {
    source: { type: "string" },
    "detail-type": { type: "string" },
    detail: { type: "string" },
    api: { type: "string" },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const [action] = ctx.positionals;
    if (action !== "put") throw new UsageError(`unknown events action "${action}" (actions: put)`);
    const text = (name: string): string | undefined => {
      const value = ctx.values[name];
      return typeof value === "string" ? value : undefined;
    };
    const source = text("source");
    const detailType = text("detail-type");
    if (source === undefined || detailType === undefined) {
      throw new UsageError("events put needs --source and --detail-type");
    }
    const detail = await readInput(text("detail"), ctx.cwd);
    const api = (text("api") ?? process.env.BATON_API ?? DEFAULT_API).replace(/\/+$/, "");
    if (!URL.canParse(api)) throw new UsageError(`--api must be a URL; got "${api}"`);

    let response: Response;
    try {
      response = await fetch(`${api}/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ source, detailType, detail }),
      });
    } catch (error) {
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
      throw new UsageError(
        `cannot reach ${api} (${reason}); is baton dev running? (or pass --api <url>)`,
      );
    }
    const body = (await response.json().catch(() => null)) as {
      entries?: { eventId: string }[];
      detail?: string;
      errors?: { path: string; message: string }[];
    } | null;
    if (ctx.json) writeJson(ctx.io, { status: response.status, body });
    if (response.status !== 202) {
      if (!ctx.json) {
        ctx.io.stderr(`baton events: ${api} answered ${response.status}: ${body?.detail ?? ""}\n`);
        for (const e of body?.errors ?? []) ctx.io.stderr(`  ${e.path || "/"}: ${e.message}\n`);
      }
      return EXIT.failed;
    }
    if (!ctx.json) ctx.io.stdout(`event ${body?.entries?.[0]?.eventId ?? "?"} put on the bus\n`);
    return EXIT.ok;
  },
};
