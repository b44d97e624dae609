/**
 * A service that keeps an effect ledger and honours `Idempotency-Key` as the service contract asks:
 * a repeated key gets the stored answer and takes no new effect. `POST /entries` books +1,
 * `POST /entries/undo` books -1 against the entry named in the body, `POST /fail` answers 400.
 */
import type { ServiceHandler, ServiceReply } from "../../lib/local/harness.ts";

export interface LedgerEffect {
  readonly key: string;
  readonly kind: "book" | "undo";
  /** The entry booked, or the entry undone. */
  readonly entry: string;
}

export interface Ledger {
  readonly handler: ServiceHandler;
  /** Effects in the order they took place (repeats of a key are not effects). */
  readonly effects: LedgerEffect[];
  /** Requests received per key (repeats included). */
  readonly requests: Map<string, number>;
  /** Booked minus undone, per entry. */
  balance(): Map<string, number>;
}

export function ledger(): Ledger {
  const answers = new Map<string, ServiceReply>();
  const effects: LedgerEffect[] = [];
  const requests = new Map<string, number>();
  let next = 0;
  const handler: ServiceHandler = (request) => {
    if (request.path === "/fail") return { status: 400, body: { error: "refused" } };
    const key = request.headers["idempotency-key"] ?? "";
    requests.set(key, (requests.get(key) ?? 0) + 1);
    const stored = answers.get(key);
    if (stored !== undefined) return stored;
    let reply: ServiceReply;
    if (request.path === "/entries") {
      const entry = `entry-${++next}`;
      effects.push({ key, kind: "book", entry });
      reply = { status: 201, body: { id: entry } };
    } else if (request.path === "/entries/undo") {
      const entry = String((request.body as { entry?: unknown } | undefined)?.entry);
      effects.push({ key, kind: "undo", entry });
      reply = { status: 200, body: { undone: entry } };
    } else {
      return { status: 404, body: { error: `no route ${request.path}` } };
    }
    answers.set(key, reply);
    return reply;
  };
  return {
    handler,
    effects,
    requests,
    balance() {
      const sums = new Map<string, number>();
      for (const e of effects)
        sums.set(e.entry, (sums.get(e.entry) ?? 0) + (e.kind === "book" ? 1 : -1));
      return sums;
    },
  };
}
