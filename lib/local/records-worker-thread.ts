/**
 * The records thread of `baton dev` (started by `records-worker.ts`): the execution records and the
 * bus history are kept here, as the records and history functions keep them in AWS, so their
 * merging, serialising and DynamoDB requests do not take the main thread's core from the engine,
 * the API and the service calls. This thread owns the one `DynamoExecutionStore` (the sole writer:
 * the main thread's API reads and writes records through it) and the records and history targets.
 * The workflow catalogue is a copy the main thread keeps in step; publishing an event and reading
 * a run's state trace are calls back to the main thread, where the bus and the engine are.
 */
import { parentPort, workerData } from "node:worker_threads";
import { DynamoEventHistory } from "../runtime/aws/dynamo-event-history.ts";
import { DynamoExecutionStore } from "../runtime/aws/dynamo-execution-store.ts";
import type { EventEntry } from "../runtime/events.ts";
import type { StateTrace } from "../runtime/records/trace.ts";
import type { FinishedRun } from "../runtime/records/updater.ts";
import { type CatalogueChange, WorkflowCatalogue } from "../runtime/workflow-catalogue.ts";
import { countRequests, localDynamoClient } from "./dynamo.ts";
import type { BusEvent } from "./event-bus.ts";
import { HistoryTarget } from "./history-target.ts";
import { RecordsTarget } from "./records-target.ts";
import { type RecordsThreadData, STORE_METHODS } from "./records-worker.ts";
import { ThreadRpc } from "./thread-rpc.ts";

const port = parentPort;
if (port === null) throw new Error("records-worker-thread.ts runs in a worker thread only");
const data = workerData as RecordsThreadData;

const client = localDynamoClient(data.endpoint);
const catalogue = new WorkflowCatalogue([]);
const store = new DynamoExecutionStore({
  client,
  tableName: data.tables.executions,
  catalogue,
  soleWriter: true,
});
const history = new HistoryTarget(
  new DynamoEventHistory({ client, tableName: data.tables.events }),
);
let counting: ReturnType<typeof countRequests> | undefined;

const main: ThreadRpc = new ThreadRpc(port, {
  catalogue: (change: CatalogueChange) => catalogue.apply(change),
  ...Object.fromEntries(
    STORE_METHODS.map((method) => [
      method,
      (...args: unknown[]) => (store[method] as (...a: unknown[]) => unknown).apply(store, args),
    ]),
  ),
  created: (id: string) => store.created(id),
  record: (event: BusEvent) => records.deliver(event),
  history: (event: BusEvent) => history.deliver(event),
  flushHistory: () => history.flush(),
  countRequests: (on: { readonly capacity?: boolean } | false) => {
    const counted = counting?.stop();
    counting = on === false ? undefined : countRequests(client, on);
    return counted;
  },
  close: () => client.destroy(),
});

const records = new RecordsTarget(() => ({
  store,
  catalogue,
  publisher: {
    publish: (entries: readonly EventEntry[]) => main.call<void>("publish", entries),
  },
  trace: (run: FinishedRun) => main.call<StateTrace | undefined>("trace", run.name),
}));

port.postMessage({ ready: true });
