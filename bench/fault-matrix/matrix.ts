/**
 * One run of the fault matrix: ledger services on 127.0.0.1 (each with live instances and one
 * that is up and down in turn), the whole `baton dev` server (API, engine, real handlers, records in dynalite) on
 * a virtual clock, N executions of the three workflows started over the HTTP API at a fixed
 * concurrency, a bounded wait for every record to settle, then the checker.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Json } from "../../lib/core/model.ts";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";
import type { SlotStore } from "../../lib/runtime/limits/slot-store.ts";
import { type CheckResult, checkExecutions, type RecordView, type Started } from "./check.ts";
import {
  EffectLedger,
  type FaultRates,
  type Flapping,
  type LedgerCounters,
  type LedgerService,
  startLedgerService,
} from "./ledger-service.ts";
import {
  LIMIT,
  MATRIX_WORKFLOWS,
  SERVICES,
  STEP_TIMEOUT_SECONDS,
  TENANTS,
  tenantOf,
} from "./workflows.ts";

export interface MatrixOptions {
  readonly executions: number;
  readonly concurrency: number;
  readonly seed: number;
  /** @default DEFAULT_FAULTS */
  readonly faults?: FaultRates;
  /** Live instances per service beside the flapping one. @default 5 */
  readonly liveInstances?: number;
  /** How long a finished execution's record may take to settle, and an execution to finish. @default 60 s */
  readonly settleMs?: number;
  /** Called as executions finish (count so far). */
  readonly onProgress?: (finished: number) => void;
}

/** The instance beside the live ones: up 300 ms, down (refusing) 300 ms. */
export const FLAPPING: Flapping = { openMs: 300, closedMs: 300 };

export const DEFAULT_FAULTS: FaultRates = {
  serverError: 0.08,
  tooManyRequests: 0.05,
  timeout: 0.05,
};

export interface MatrixResult extends CheckResult {
  readonly executions: number;
  readonly ms: number;
  readonly counters: LedgerCounters;
  /** Failed attempts (calls and undos) by what failed them, from the runtime's Step Failed events. */
  readonly attemptErrors: Readonly<Record<string, number>>;
  readonly startFailures: number;
  readonly limits: LimitFigures;
}

/** fm-limited's concurrency limit under the faults (targets: max ≤ LIMIT, nothing left held). */
export interface LimitFigures {
  readonly limit: number;
  /** Starts the API answered `QUEUED`. */
  readonly queuedStarts: number;
  /** Most fm-limited executions of one tenant running at once, from the records' start and stop times. */
  readonly maxRunning: number;
  /** Slots still held once every execution ended (must be 0). */
  readonly leakedSlots: number;
  /** Starts still queued once every execution ended (must be 0). */
  readonly queuedLeft: number;
}

export async function runMatrix(options: MatrixOptions): Promise<MatrixResult> {
  const faults = options.faults ?? DEFAULT_FAULTS;
  const settleMs = options.settleMs ?? 60_000;
  const ledger = new EffectLedger();
  const services: LedgerService[] = [];
  const dir = await mkdtemp(join(tmpdir(), "baton-fault-matrix-"));
  let server: DevServer | undefined;
  try {
    const entries: string[] = [];
    for (const name of SERVICES) {
      const service = await startLedgerService({
        name,
        ledger,
        seed: options.seed,
        faults,
        lateAnswerMs: STEP_TIMEOUT_SECONDS * 1000 + 500,
        instances: options.liveInstances ?? 5,
        flapping: FLAPPING,
      });
      services.push(service);
      entries.push(servicesEntry(name, service.urls));
    }
    for (const workflow of MATRIX_WORKFLOWS)
      await writeFile(join(dir, `${workflow.name}.yaml`), workflow.yaml);
    await writeFile(join(dir, "services.yaml"), `services:\n${entries.join("")}`);
    const lines: string[] = [];
    server = await startDevServer({
      port: 0,
      workflowsDir: dir,
      dataDir: join(dir, "data"),
      skipDelays: true,
      realUndoDelays: true,
      healthCheckSeconds: 86_400,
      log: (line) => lines.push(line),
      out: () => {},
    });
    const live = server;
    const attemptErrors: Record<string, number> = {};
    live.runtime.bus.addRule(
      "fault-matrix-attempts",
      { source: ["baton"], "detail-type": ["Step Failed"] },
      (event) => {
        const cause = attemptCause(event.detail);
        attemptErrors[cause] = (attemptErrors[cause] ?? 0) + 1;
      },
    );

    const t0 = performance.now();
    const started: { run: number; executionId: string }[] = [];
    let startFailures = 0;
    let queuedStarts = 0;
    let finished = 0;
    await pool(options.executions, options.concurrency, async (run) => {
      const workflow = MATRIX_WORKFLOWS[run % MATRIX_WORKFLOWS.length];
      if (workflow === undefined) return;
      const response = await fetch(`${live.url}/workflows/${workflow.name}/executions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(workflow.input(run)),
      });
      const body = (await response.json()) as { id?: string; status?: string };
      if (response.status !== 201 || typeof body.id !== "string") {
        startFailures += 1;
        return;
      }
      if (body.status === "QUEUED") queuedStarts += 1;
      started.push({ run, executionId: body.id });
      await withTimeout(waitForEnd(live, body.id, Date.now() + settleMs), settleMs);
      finished += 1;
      options.onProgress?.(finished);
    });
    await withTimeout(live.runtime.idle(), settleMs);
    const records = await settledRecords(
      live.url,
      started.map((s) => s.executionId),
      settleMs,
    );
    const ms = performance.now() - t0;
    const withRecords: Started[] = started.map((s) => ({
      ...s,
      workflow: MATRIX_WORKFLOWS[
        s.run % MATRIX_WORKFLOWS.length
      ] as (typeof MATRIX_WORKFLOWS)[number],
      record: records.get(s.executionId),
    }));
    return {
      ...checkExecutions(withRecords, ledger),
      executions: options.executions,
      ms,
      counters: ledger.counters,
      attemptErrors,
      startFailures,
      limits: {
        limit: LIMIT,
        queuedStarts,
        maxRunning: maxRunningPerTenant(withRecords),
        ...(await slotsLeft(live.slots)),
      },
    };
  } finally {
    await server?.stop();
    for (const service of services) await service.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Until the engine knows the execution (a QUEUED start is not in it yet), then until it ends. */
async function waitForEnd(server: DevServer, id: string, deadline: number): Promise<void> {
  while (server.runtime.engine.describe(id) === undefined) {
    if (Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await server.runtime.engine.waitFor(id);
}

/** Slots held and starts queued under fm-limited's semaphores, read from the slot store. */
async function slotsLeft(
  slots: SlotStore,
): Promise<{ readonly leakedSlots: number; readonly queuedLeft: number }> {
  let leakedSlots = 0;
  let queuedLeft = 0;
  for (let t = 0; t < TENANTS; t++) {
    const semaphore = `fm-limited#${tenantOf(t * 4)}`;
    leakedSlots += Object.keys((await slots.holders(semaphore)).holders).length;
    queuedLeft += (await slots.head(semaphore, 1_000)).length;
  }
  return { leakedSlots, queuedLeft };
}

/**
 * The most fm-limited executions of one tenant whose [startedAt, stoppedAt) overlap: a slot is
 * freed after the engine stops an execution and the next queued one starts after that, so a stop
 * and a start at the same millisecond do not overlap.
 */
export function maxRunningPerTenant(
  executions: readonly Pick<Started, "run" | "workflow" | "record">[],
): number {
  const edges = new Map<string, { at: number; delta: number }[]>();
  for (const e of executions) {
    if (e.workflow.name !== "fm-limited") continue;
    const start = Date.parse(e.record?.startedAt ?? "");
    if (Number.isNaN(start)) continue;
    const stop = Date.parse(e.record?.stoppedAt ?? "");
    const tenant = tenantOf(e.run);
    const list = edges.get(tenant) ?? [];
    list.push({ at: start, delta: 1 });
    // Never stopped: counted as running to the end.
    list.push({ at: Number.isNaN(stop) ? Number.POSITIVE_INFINITY : stop, delta: -1 });
    edges.set(tenant, list);
  }
  let max = 0;
  for (const list of edges.values()) {
    let running = 0;
    for (const edge of list.sort((a, b) => a.at - b.at || a.delta - b.delta)) {
      running += edge.delta;
      max = Math.max(max, running);
    }
  }
  return max;
}

const CAUSES: readonly (readonly [string, RegExp])[] = [
  ["refused", /connection refused/i],
  ["reset", /reset|socket hang up|closed the connection/i],
  ["timeout", /took longer than/i],
  ["503", /HTTP 503/],
  ["429", /HTTP 429/],
  // Nothing sent: the work before the request outlasted the attempt's budget (which part).
  ["budget (registry)", /The registry lookup did not finish within/i],
  ["budget (circuit)", /The circuit check did not finish within/i],
  ["budget (secrets)", /secret headers did not finish within/i],
  ["budget (no time left)", /No time was left/i],
];

/** What failed one attempt, by its error message (the names alone do not tell 503 from refused). */
function attemptCause(detail: Json): string {
  const error = field(detail, "error");
  const message = String(field(error, "message") ?? "");
  const name = String(field(error, "name") ?? "");
  return CAUSES.find(([, pattern]) => pattern.test(message))?.[0] ?? (name || "unknown");
}

function field(value: Json | undefined, key: string): Json | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  return (value as { readonly [key: string]: Json })[key];
}

export function servicesEntry(name: string, urls: readonly string[]): string {
  const instances = urls
    .map((url, i) => `      - { id: ${name}-${i}, url: "${url}", weight: 1 }\n`)
    .join("");
  // Health probes and the circuit would hide the faults the matrix is about: one probe a day,
  // the flapping instance stays in rotation, and the circuit practically never opens.
  return `  - name: ${name}
    instances:
${instances}    health: { path: /health, intervalSeconds: 86400, unhealthyAfter: 100, healthyAfter: 1 }
    balancing: round_robin
    circuit: { failureThreshold: 1000, windowSeconds: 1, cooldownSeconds: 1 }
    timeout: ${STEP_TIMEOUT_SECONDS}
`;
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "COMPENSATION_FAILED", "CANCELLED", "TIMED_OUT"]);
const COMPENSATION_BUSY = new Set(["PENDING", "RUNNING"]);

/** Reads every record, re-reading those not settled yet until `settleMs` has passed. */
export async function settledRecords(
  url: string,
  ids: readonly string[],
  settleMs: number,
): Promise<Map<string, RecordView>> {
  const records = new Map<string, RecordView>();
  const deadline = Date.now() + settleMs;
  let pending = [...ids];
  while (pending.length > 0) {
    const next: string[] = [];
    await pool(pending.length, 10, async (i) => {
      const id = pending[i] as string;
      const response = await fetch(`${url}/executions/${id}`);
      if (response.status !== 200) {
        await response.arrayBuffer();
        next.push(id);
        return;
      }
      const record = (await response.json()) as RecordView;
      records.set(id, record);
      const settled =
        TERMINAL.has(record.status) &&
        (record.status === "SUCCEEDED" || !COMPENSATION_BUSY.has(record.compensation));
      if (!settled) next.push(id);
    });
    pending = next;
    if (pending.length === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return records;
}

export async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Resolves when `promise` does or after `ms`, whichever is first (a stuck execution must not hang the run). */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.then(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
