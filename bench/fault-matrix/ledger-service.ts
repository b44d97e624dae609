/**
 * A service that keeps an effect ledger and honours `Idempotency-Key` as SERVICE.md asks of the
 * services a saga calls, with seeded random faults in front of it.
 *
 * - `POST /effects` applies one effect, keyed by the request's `Idempotency-Key`: a key seen
 *   before gets the stored answer and adds nothing. The body names the logical effect
 *   (`{exec, step, item}`) so the checker can tell two keys applied for one step or item.
 * - `POST /undo` undoes the effect whose forward key the undo key names (`<key>:undo` as the v2
 *   spec says, or `<key>:compensate`, what v1 sends). A repeated undo key gets the stored answer;
 *   a second, different undo key for an effect already undone is recorded as a double undo; an
 *   undo of a key never applied is a no-op success (what an idempotent undo must answer).
 * - Faults are decided per request from a seeded hash of (service, path, the execution's run
 *   number and logical step, how many times this key was seen), so one seed gives the same faults whatever the interleaving: 503 and 429 answer
 *   without any effect; a timeout applies the effect (or finds the stored one) and answers only
 *   after the caller's step timeout, the uncertain case. Refused connections come from one more
 *   instance that is up and down in turn (round robin and the clock decide which calls it gets):
 *   a port closed for good would leave the rotation after `unhealthyAfter` failed health probes.
 * - Effects and undos are applied synchronously on arrival, so two concurrent requests with one
 *   key can never both apply.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Chances per request that reaches a live instance; the rest is answered normally. */
export interface FaultRates {
  readonly serverError: number;
  readonly tooManyRequests: number;
  /** Applies the effect, then answers after `lateAnswerMs` (past the caller's step timeout). */
  readonly timeout: number;
}

export interface LogicalEffect {
  readonly exec: string;
  /** The execution's number in the run (its input), which seeds its faults. */
  readonly run: number;
  readonly step: string;
  /** Map item index; -1 outside a map. */
  readonly item: number;
}

export interface AppliedEffect extends LogicalEffect {
  readonly service: string;
  readonly key: string;
  /** Position in the global order of applications and undos (shared by every service). */
  readonly appliedSeq: number;
  readonly undos: UndoRecord[];
  /** Requests with this key answered only after the step timeout (the caller saw a timeout). */
  lateAnswers: number;
}

export interface UndoRecord {
  readonly service: string;
  readonly key: string;
  readonly seq: number;
  /** What the undo request's body named (the checker compares it with the effect it undid). */
  readonly named: LogicalEffect | undefined;
  /** The forward key it undid; undefined when it matched nothing (a no-op). */
  readonly forwardKey: string | undefined;
}

export interface LedgerCounters {
  requests: number;
  withoutKey: number;
  serverErrors: number;
  tooManyRequests: number;
  lateAnswers: number;
  replays: number;
}

/** The ledger of every service of one run; the sequence orders events across services. */
export class EffectLedger {
  readonly effects = new Map<string, AppliedEffect>();
  readonly undos: UndoRecord[] = [];
  readonly counters: LedgerCounters = {
    requests: 0,
    withoutKey: 0,
    serverErrors: 0,
    tooManyRequests: 0,
    lateAnswers: 0,
    replays: 0,
  };
  #seq = 0;

  next(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** Effects per execution id (as the request bodies named them). */
  byExecution(): Map<string, AppliedEffect[]> {
    const grouped = new Map<string, AppliedEffect[]>();
    for (const effect of this.effects.values()) {
      const list = grouped.get(effect.exec) ?? [];
      list.push(effect);
      grouped.set(effect.exec, list);
    }
    return grouped;
  }

  /** Undos that matched no applied effect, per execution id named in their body. */
  noopUndos(): Map<string, UndoRecord[]> {
    const grouped = new Map<string, UndoRecord[]>();
    for (const undo of this.undos) {
      if (undo.forwardKey !== undefined || undo.named === undefined) continue;
      const list = grouped.get(undo.named.exec) ?? [];
      list.push(undo);
      grouped.set(undo.named.exec, list);
    }
    return grouped;
  }
}

export interface LedgerServiceOptions {
  readonly name: string;
  readonly ledger: EffectLedger;
  readonly seed: number;
  readonly faults: FaultRates;
  /** How late a "timeout" answers; longer than the step timeout. */
  readonly lateAnswerMs: number;
  /** Live instances (ports) sharing the ledger. @default 1 */
  readonly instances?: number;
  /** One more instance that is up and down in turn (refused connections). */
  readonly flapping?: Flapping;
  /** Every other answer goes out after this, the effect applied on arrival (crash runs). @default 0 */
  readonly latencyMs?: number;
}

export interface LedgerService {
  readonly name: string;
  readonly urls: readonly string[];
  close(): Promise<void>;
}

interface StoredAnswer {
  readonly status: number;
  readonly body: unknown;
}

interface Answer extends StoredAnswer {
  /** Sent only after `lateAnswerMs`. */
  readonly late?: boolean;
}

const UNDO_SUFFIXES = [":undo", ":compensate"] as const;

export async function startLedgerService(options: LedgerServiceOptions): Promise<LedgerService> {
  const { ledger, name } = options;
  const answers = new Map<string, StoredAnswer>();
  const seen = new Map<string, number>();
  const late = new Set<NodeJS.Timeout>();

  /** The answer to one request, and whether it goes out late; effects are applied here. */
  const answer = (method: string, path: string, key: string | undefined, text: string): Answer => {
    if (method === "GET" && path === "/health") return { status: 200, body: { ok: true } };
    ledger.counters.requests += 1;
    if (key === undefined) {
      ledger.counters.withoutKey += 1;
      return { status: 400, body: { error: "Idempotency-Key is required" } };
    }
    const nth = (seen.get(key) ?? 0) + 1;
    seen.set(key, nth);
    const named = logicalEffect(text);
    // Execution ids are random; the run number and logical names are what a seed can fix.
    const who = named === undefined ? key : `${named.run}|${named.step}|${named.item}`;
    const roll = unitHash(`${options.seed}|${name}|${path}|${who}|${nth}`);
    const { serverError, tooManyRequests, timeout } = options.faults;
    if (roll < serverError) {
      ledger.counters.serverErrors += 1;
      return { status: 503, body: { error: "injected 503" } };
    }
    if (roll < serverError + tooManyRequests) {
      ledger.counters.tooManyRequests += 1;
      return { status: 429, body: { error: "injected 429" } };
    }
    let stored = answers.get(key);
    if (stored !== undefined) ledger.counters.replays += 1;
    else if (path === "/effects") stored = applyEffect(key, named);
    else if (path === "/undo") stored = applyUndo(key, named);
    else return { status: 404, body: { error: `no route ${method} ${path}` } };
    if (stored.status < 300) answers.set(key, stored);
    if (roll >= serverError + tooManyRequests + timeout) return stored;
    ledger.counters.lateAnswers += 1;
    const effect = path === "/effects" ? ledger.effects.get(`${name}|${key}`) : undefined;
    if (effect !== undefined) effect.lateAnswers += 1;
    return { ...stored, late: true };
  };

  const handle = (request: IncomingMessage, text: string, response: ServerResponse): void => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const reply = answer(request.method ?? "GET", path, header(request, "idempotency-key"), text);
    const delay = reply.late === true ? options.lateAnswerMs : (options.latencyMs ?? 0);
    if (delay <= 0) {
      send(response, reply.status, reply.body);
      return;
    }
    const timer = setTimeout(() => {
      late.delete(timer);
      send(response, reply.status, reply.body);
    }, delay);
    late.add(timer);
  };

  const applyEffect = (key: string, named: LogicalEffect | undefined): StoredAnswer => {
    if (named === undefined) return { status: 400, body: { error: "body must name exec, step" } };
    const effect: AppliedEffect = {
      ...named,
      service: name,
      key,
      appliedSeq: ledger.next(),
      undos: [],
      lateAnswers: 0,
    };
    ledger.effects.set(`${name}|${key}`, effect);
    return { status: 201, body: { id: `${name}:${key}` } };
  };

  const applyUndo = (key: string, named: LogicalEffect | undefined): StoredAnswer => {
    const effect = undoTarget(key, named);
    const undo: UndoRecord = {
      service: name,
      key,
      seq: ledger.next(),
      named,
      forwardKey: effect?.key,
    };
    ledger.undos.push(undo);
    effect?.undos.push(undo);
    return { status: 200, body: { undone: effect === undefined ? null : `${name}:${effect.key}` } };
  };

  /** The effect an undo names: by its key (forward key + suffix), else by the body's names. */
  const undoTarget = (key: string, named: LogicalEffect | undefined): AppliedEffect | undefined => {
    const suffix = UNDO_SUFFIXES.find((s) => key.endsWith(s));
    if (suffix !== undefined) return ledger.effects.get(`${name}|${key.slice(0, -suffix.length)}`);
    if (named === undefined) return undefined;
    for (const effect of ledger.effects.values()) {
      if (
        effect.service === name &&
        effect.exec === named.exec &&
        effect.step === named.step &&
        effect.item === named.item
      )
        return effect;
    }
    return undefined;
  };

  const newServer = (): Server => {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => handle(request, Buffer.concat(chunks).toString("utf8"), response));
    });
    server.keepAliveTimeout = 60_000;
    return server;
  };
  const servers: Server[] = [];
  for (let i = 0; i < (options.instances ?? 1); i++) {
    const server = newServer();
    await listen(server, 0);
    servers.push(server);
  }
  const flapping =
    options.flapping === undefined ? undefined : await startFlapping(newServer(), options.flapping);
  const urls = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
  return {
    name,
    urls: flapping === undefined ? urls : [...urls, flapping.url],
    close: async () => {
      await flapping?.stop();
      for (const timer of late) clearTimeout(timer);
      late.clear();
      await Promise.all(servers.map((server) => shut(server)));
    },
  };
}

export interface Flapping {
  /** Listening this long, then closed (connections refused) this long, in turn. */
  readonly openMs: number;
  readonly closedMs: number;
}

/**
 * An instance that is alternately up and down on one port. Down, connections are refused and
 * open ones are reset (requests in flight, late answers included, lose their answer). It never
 * fails enough health probes in a row to leave the rotation, so refusals last the whole run.
 */
async function startFlapping(
  server: Server,
  flapping: Flapping,
): Promise<{ url: string; stop(): Promise<void> }> {
  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const cycle = (up: boolean): void => {
    timer = setTimeout(
      () => {
        if (stopped) return;
        if (up) void shut(server).then(() => cycle(false));
        // Reopening can fail while the port is briefly held; the next cycle tries again.
        else
          void listen(server, port).then(
            () => cycle(true),
            () => cycle(false),
          );
      },
      up ? flapping.openMs : flapping.closedMs,
    );
  };
  cycle(true);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await shut(server);
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Stops listening and resets every open connection; resolves also when it was not listening. */
function shut(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function logicalEffect(text: string): LogicalEffect | undefined {
  try {
    const body = JSON.parse(text) as Partial<Record<keyof LogicalEffect, unknown>>;
    if (typeof body.exec !== "string" || typeof body.step !== "string") return undefined;
    return {
      exec: body.exec,
      run: typeof body.run === "number" ? body.run : -1,
      step: body.step,
      item: typeof body.item === "number" ? body.item : -1,
    };
  } catch {
    return undefined;
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.destroyed || response.writableEnded) return;
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/** FNV-1a, then a murmur-style finalizer: a uniform number in [0, 1) from a string. */
export function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}
