/**
 * Saturates the CPUs beside a run: one worker thread per core spinning until stopped, each bounded
 * by `maxMs` so a crashed bench cannot leave them spinning.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

const SPIN = `
const { workerData } = require("node:worker_threads");
const flag = new Int32Array(workerData.flag);
const end = Date.now() + workerData.maxMs;
let x = 0;
while (Atomics.load(flag, 0) === 0 && Date.now() < end) {
  for (let i = 0; i < 100000; i++) x = (x * 31 + i) | 0;
}
`;

export interface BusyLoop {
  readonly threads: number;
  stop(): Promise<void>;
}

export function startBusyLoop(options: { threads?: number; maxMs: number }): BusyLoop {
  const threads = options.threads ?? availableParallelism();
  const flag = new SharedArrayBuffer(4);
  const workers = Array.from(
    { length: threads },
    () => new Worker(SPIN, { eval: true, workerData: { flag, maxMs: options.maxMs } }),
  );
  const exited = workers.map(
    (w) => new Promise<void>((resolve) => w.once("exit", () => resolve())),
  );
  return {
    threads,
    stop: async () => {
      Atomics.store(new Int32Array(flag), 0, 1);
      await Promise.all(exited);
    },
  };
}
