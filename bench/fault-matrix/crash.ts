/**
 * Crash recovery under load: `baton dev` runs as a child process (the CLI, real delays) against
 * ledger services in this process; N executions of the fault-matrix workflows start at once, the
 * child is killed with SIGKILL while they run (after the first compensation has begun, so some die
 * mid-saga and some mid-compensation), and a new `baton dev` starts on the same data dir with no
 * operator action. Every execution must then reach a final status with its effects netted: the
 * checker (check.ts) counts lost, stuck, leaked, doubled, wrong and out-of-order executions.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CheckResult, checkExecutions, type Started } from "./check.ts";
import {
  EffectLedger,
  type FaultRates,
  type LedgerService,
  startLedgerService,
} from "./ledger-service.ts";
import { pool, servicesEntry, settledRecords } from "./matrix.ts";
import { MATRIX_WORKFLOWS, SERVICES, STEP_TIMEOUT_SECONDS } from "./workflows.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

export interface CrashOptions {
  readonly executions: number;
  readonly seed: number;
  /** Injected faults; no late answers by default (uncertain outcomes are the fault matrix's). */
  readonly faults?: FaultRates;
  /** How long each ledger answer takes, so executions are in flight when the kill comes. */
  readonly latencyMs?: number;
  /** Longest wait for every execution to settle after the restart. @default 90 s */
  readonly settleMs?: number;
  /** Kill and restart (false: the same load without a crash, for a baseline). @default true */
  readonly kill?: boolean;
}

export interface CrashResult extends CheckResult {
  readonly executions: number;
  /** Executions with a final record before the kill. */
  readonly finishedBeforeKill: number;
  /** Effects applied and undone before the kill (undos show compensations were running). */
  readonly effectsBeforeKill: number;
  readonly undosBeforeKill: number;
  /** What the restarted server said about the executions it found running. */
  readonly recoveryLog: readonly string[];
  readonly restartToSettledMs: number;
}

/** Step timeout (seconds) of the crash run's workflows. */
const CRASH_STEP_TIMEOUT = 20;

export const CRASH_FAULTS: FaultRates = { serverError: 0.12, tooManyRequests: 0.04, timeout: 0 };

export async function runCrashRecovery(options: CrashOptions): Promise<CrashResult> {
  const ledger = new EffectLedger();
  const services: LedgerService[] = [];
  const dir = await mkdtemp(join(tmpdir(), "baton-crash-"));
  let child: DevChild | undefined;
  try {
    const entries: string[] = [];
    for (const name of SERVICES) {
      const service = await startLedgerService({
        name,
        ledger,
        seed: options.seed,
        faults: options.faults ?? CRASH_FAULTS,
        lateAnswerMs: STEP_TIMEOUT_SECONDS * 1000 + 500,
        instances: 2,
        latencyMs: options.latencyMs ?? 300,
      });
      services.push(service);
      entries.push(servicesEntry(name, service.urls));
    }
    // A step timeout far above the latency: a call that outlives its timeout is an uncertain
    // outcome of its own (the fault matrix's subject), not what a crash leaves behind.
    for (const workflow of MATRIX_WORKFLOWS)
      await writeFile(
        join(dir, `${workflow.name}.yaml`),
        workflow.yaml.replace(
          `timeout: ${STEP_TIMEOUT_SECONDS}\n`,
          `timeout: ${CRASH_STEP_TIMEOUT}\n`,
        ),
      );
    await writeFile(
      join(dir, "services.yaml"),
      `services:\n${entries.join("").replaceAll(`timeout: ${STEP_TIMEOUT_SECONDS}\n`, `timeout: ${CRASH_STEP_TIMEOUT}\n`)}`,
    );

    child = await startDev(dir);
    const first = child;
    const started: { run: number; executionId: string }[] = [];
    await pool(options.executions, options.executions, async (run) => {
      const workflow = MATRIX_WORKFLOWS[run % MATRIX_WORKFLOWS.length];
      if (workflow === undefined) return;
      const response = await fetch(`${first.url}/workflows/${workflow.name}/executions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(workflow.input(run)),
      });
      const body = (await response.json()) as { id?: string };
      if (response.status === 201 && typeof body.id === "string")
        started.push({ run, executionId: body.id });
    });
    // Kill once a compensation has begun (or after 20 s): some executions are then mid-saga,
    // some mid-compensation, some done.
    const killBy = Date.now() + 20_000;
    while (ledger.undos.length === 0 && Date.now() < killBy)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const effectsBeforeKill = ledger.effects.size;
    const undosBeforeKill = ledger.undos.length;
    const before = await settledRecords(
      first.url,
      started.map((s) => s.executionId),
      0,
    );
    const finishedBeforeKill = [...before.values()].filter((r) => r.status !== "RUNNING").length;
    const restarted = Date.now();
    if (options.kill !== false) {
      await first.kill();
      child = await startDev(dir);
    }
    const records = await settledRecords(
      child.url,
      started.map((s) => s.executionId),
      options.settleMs ?? 90_000,
    );
    const restartToSettledMs = Date.now() - restarted;
    const withRecords: Started[] = started.map((s) => ({
      ...s,
      workflow: MATRIX_WORKFLOWS[
        s.run % MATRIX_WORKFLOWS.length
      ] as (typeof MATRIX_WORKFLOWS)[number],
      record: records.get(s.executionId),
    }));
    return {
      ...checkExecutions(withRecords, ledger),
      executions: started.length,
      finishedBeforeKill,
      effectsBeforeKill,
      undosBeforeKill,
      recoveryLog: child.log().filter((line) => line.includes("running when the server stopped")),
      restartToSettledMs,
    };
  } finally {
    await child?.kill();
    for (const service of services) await service.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface DevChild {
  readonly url: string;
  log(): string[];
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

/** `baton dev` on a free port, in one Node process (`--import tsx`, no wrapper to outlive it). */
async function startDev(dir: string): Promise<DevChild> {
  const process_: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(REPO, "bin/baton.ts"),
      "dev",
      "--port",
      "0",
      "--workflows",
      dir,
      "--data-dir",
      join(dir, "data"),
    ],
    { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] },
  );
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => process_.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`baton dev did not start in 60 s:\n${lines.join("\n")}`)),
      60_000,
    );
    const read = (chunk: Buffer): void => {
      for (const line of chunk.toString().split("\n")) {
        if (line === "") continue;
        lines.push(line);
        const match = /listening on (http:\/\/\S+)/.exec(line);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      }
    };
    process_.stdout?.on("data", read);
    process_.stderr?.on("data", read);
    process_.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`baton dev exited (${code}) before listening:\n${lines.join("\n")}`));
    });
  });
  return {
    url,
    log: () => [...lines],
    kill: async () => {
      if (process_.exitCode === null && process_.signalCode === null) process_.kill("SIGKILL");
      await exited;
    },
  };
}
