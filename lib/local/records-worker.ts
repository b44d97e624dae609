/**
 * Starts `baton dev`'s records thread (`records-worker-thread.ts`) and gives the main thread what
 * it needs of it: the execution store (every record read and write goes through the thread's one
 * store, which stays the sole writer), the records and history bus targets, and the answers the
 * thread asks of the main thread (publishing an event, a finished run's state trace). On one core
 * the records path was a third of `baton dev`'s time per execution (bench/dev.bench.ts); on its
 * own thread it runs beside the engine. A delivery still resolves only once its event is stored,
 * so the bus's retries, dead letters and crash recovery are unchanged.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { EventPublisher } from "../runtime/events.ts";
import { type ExecutionStore, InvalidCursorError } from "../runtime/records/execution-store.ts";
import type { StateTrace } from "../runtime/records/trace.ts";
import type { WorkflowCatalogue } from "../runtime/workflow-catalogue.ts";
import type { RequestCount } from "./dynamo.ts";
import type { BusEvent } from "./event-bus.ts";
import { ThreadRpc } from "./thread-rpc.ts";

/** What the thread is started with. */
export interface RecordsThreadData {
  /** The local DynamoDB's endpoint. */
  readonly endpoint: string;
  readonly tables: { readonly executions: string; readonly events: string };
}

/** What the thread asks of the main thread, once the runtime exists. */
export interface RecordsAnswers {
  readonly publisher: EventPublisher;
  /** The states the run named `name` entered and exited (the engine's trace). */
  trace(name: string): Promise<StateTrace | undefined>;
}

/**
 * The `ExecutionStore` methods the thread serves as they are: every one (`satisfies` fails the
 * build when the interface gains a method this list does not name).
 */
export const STORE_METHODS = Object.keys({
  get: true,
  read: true,
  writeHead: true,
  merge: true,
  append: true,
  listEvents: true,
  list: true,
  listSince: true,
  claimIdempotencyKey: true,
} satisfies Record<keyof ExecutionStore, true>) as readonly (keyof ExecutionStore)[];

/** The execution store, served by the records thread. */
export interface ThreadExecutionStore extends ExecutionStore {
  /** `DynamoExecutionStore.created`: a new execution, with nothing stored yet. */
  created(id: string): void;
}

export interface RecordsWorker {
  readonly executions: ThreadExecutionStore;
  /** The records bus target: resolves once the event is in the execution's record. */
  record(event: BusEvent): Promise<void>;
  /** The history bus target: resolves once the event is in the bus history. */
  history(event: BusEvent): Promise<void>;
  /** Stores the history events gathered so far. */
  flushHistory(): Promise<void>;
  /** Where the thread's questions go from now on. */
  attach(answers: RecordsAnswers): void;
  /**
   * Starts counting the thread's DynamoDB requests (`dynamo.ts` `countRequests`), or stops
   * (`false`) and answers the counts since the start.
   */
  countRequests(
    on: { readonly capacity?: boolean } | false,
  ): Promise<Map<string, RequestCount> | undefined>;
  close(): Promise<void>;
}

const THREAD = new URL("./records-worker-thread.ts", import.meta.url);
/** The thread loads TypeScript through tsx, whichever loader the main thread runs under. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export async function startRecordsWorker(
  data: RecordsThreadData & {
    readonly catalogue: WorkflowCatalogue;
  },
): Promise<RecordsWorker> {
  const worker = new Worker(THREAD, {
    execArgv: ["--import", TSX],
    workerData: { endpoint: data.endpoint, tables: data.tables } satisfies RecordsThreadData,
  });
  let answers: RecordsAnswers | undefined;
  const ask = (): RecordsAnswers => {
    if (answers === undefined)
      throw new Error("The records thread asked before the local runtime was ready; retried.");
    return answers;
  };
  const rpc = new ThreadRpc(
    worker,
    {
      publish: (entries: Parameters<EventPublisher["publish"]>[0]) =>
        ask().publisher.publish(entries),
      trace: (name: string) => ask().trace(name),
    },
    { errors: [InvalidCursorError] },
  );
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error): void =>
      reject(new Error(`The records thread did not start: ${error.message}`));
    worker.once("error", failed);
    worker.once("exit", (code) => failed(new Error(`it exited with code ${code}`)));
    worker.on("message", function ready(message: unknown) {
      if ((message as { ready?: boolean } | null)?.ready !== true) return;
      worker.off("message", ready);
      worker.off("error", failed);
      worker.removeAllListeners("exit");
      resolve();
    });
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  let closing = false;
  worker.on("error", (error) => {
    console.error(`baton dev: the records thread failed: ${error.message}`);
    rpc.close(new Error(`The records thread failed: ${error.message}`));
  });
  worker.on("exit", (code) => {
    if (!closing) console.error(`baton dev: the records thread exited (code ${code})`);
    rpc.close(new Error(`The records thread has exited (code ${code}).`));
  });
  const stopFollowing = data.catalogue.follow((change) => rpc.notify("catalogue", change));

  const executions = {
    ...Object.fromEntries(
      STORE_METHODS.map((method) => [method, (...args: unknown[]) => rpc.call(method, ...args)]),
    ),
    created: (id: string) => rpc.notify("created", id),
  } as unknown as ThreadExecutionStore;
  return {
    executions,
    record: (event) => rpc.call<void>("record", event),
    history: (event) => rpc.call<void>("history", event),
    flushHistory: () => rpc.call<void>("flushHistory"),
    attach: (given) => {
      answers = given;
    },
    countRequests: (on) => rpc.call<Map<string, RequestCount> | undefined>("countRequests", on),
    close: async () => {
      stopFollowing();
      closing = true;
      await rpc.call<void>("close").catch(() => undefined);
      await worker.terminate();
    },
  };
}
