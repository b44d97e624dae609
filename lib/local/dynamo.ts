/**
 * DynamoDB for the local runtime: dynalite on a loopback port, persisted under `<dataDir>/db`
 * (in memory when no path is given), with the registry and executions tables created if absent.
 * dynalite has no transactions, TTL or PartiQL; Baton's stores use none of them.
 */
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  ensureTable,
  eventsTable,
  executionsTable,
  registryTable,
  workflowsTable,
} from "../runtime/aws/table-schema.ts";

/**
 * dynalite runs in a worker thread: its request parsing, validation and LevelDB work are most of
 * what a DynamoDB request costs locally, and on the main thread they competed with the engine,
 * the API and the service calls for one core. The clients still reach it over loopback HTTP, as
 * they reach DynamoDB. The worker is plain CommonJS (no TypeScript loader).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const dynalite = require(workerData.dynalite);
const server = dynalite(workerData.options);
server.once("error", (error) => parentPort.postMessage({ error: String(error) }));
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (message) => {
  if (message !== "close") return;
  server.close(() => parentPort.postMessage({ closed: true }));
  server.closeAllConnections();
});
`;
const DYNALITE_ENTRY = createRequire(import.meta.url).resolve("dynalite");

/** Region of the SDK clients pointed at dynalite (it ignores it; the SDK needs one). Events and ARNs use `LOCAL_REGION`. */
const DYNALITE_CLIENT_REGION = "us-east-1";
const LOCAL_CREDENTIALS = {
  accessKeyId: "baton-local",
  secretAccessKey: "baton-local",
} as const;

/**
 * dynalite never checks a signature: it only requires an `Authorization` header that starts with
 * `AWS4-` and names a `Credential`, a `Signature` and `SignedHeaders`, plus an `X-Amz-Date`
 * (node_modules/dynalite/index.js, where the signature check is a TODO). SigV4 hashes the body and
 * derives an HMAC key for every request, a few percent of `baton dev`'s main thread; the local
 * clients send that well-formed header instead. Never for a client on AWS or an emulator that
 * verifies signatures.
 */
const UNSIGNED = {
  sign: async <R extends { headers: Record<string, string> }>(request: R): Promise<R> => {
    const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, ""); // 20260101T000000Z
    request.headers["x-amz-date"] = date;
    request.headers.authorization = `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/${date.slice(0, 8)}/${DYNALITE_CLIENT_REGION}/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`;
    return request;
  },
};

/** An SDK client on a local store (this process's or another `baton dev`'s) at `endpoint`. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint,
    region: DYNALITE_CLIENT_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 3,
    signer: UNSIGNED,
    // The handler chain of each command resolved once, not on every request (a sixth of what a
    // request cost the SDK in `baton dev`); a middleware added later resets it (`rebuiltOnChange`).
    cacheMiddleware: true,
  });
  rebuiltOnChange(client);
  return client;
}

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  close(): Promise<void>;
}

export async function startLocalDynamo(options: {
  /** LevelDB directory; in memory when absent. */
  readonly path?: string;
  readonly tables: {
    readonly registry: string;
    /** Created when named (every store but a shared registry's, `shared-registry.ts`). */
    readonly executions?: string;
    /** Created when named (`baton dev`'s runtime workflows). */
    readonly workflows?: string;
    /** Created when named (`baton dev`'s bus history). */
    readonly events?: string;
  };
}): Promise<LocalDynamo> {
  if (options.path !== undefined) await mkdir(options.path, { recursive: true });
  const server = await startWorker({
    ...(options.path === undefined ? {} : { path: options.path }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const port = server.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  try {
    await ensureTable(client, registryTable(options.tables.registry));
    if (options.tables.executions !== undefined)
      await ensureTable(client, executionsTable(options.tables.executions));
    if (options.tables.workflows !== undefined)
      await ensureTable(client, workflowsTable(options.tables.workflows));
    if (options.tables.events !== undefined)
      await ensureTable(client, eventsTable(options.tables.events));
    // dynalite answers CreateTable before the table is ACTIVE (a timer, even at 0 ms): on a
    // loaded machine the first read could still find no table.
    for (const name of Object.values(options.tables))
      if (name !== undefined) await waitUntilActive(client, name);
  } catch (error) {
    client.destroy();
    await closeServer(server);
    throw error;
  }
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await closeServer(server);
    },
  };
}

/**
 * With `cacheMiddleware`, the SDK keeps each command's resolved handler chain and never looks at
 * its middleware stack again: a middleware added afterwards (request counters in benches and
 * tests, fault injection) would silently not run. Each change of the stack drops the cache.
 */
function rebuiltOnChange(client: DynamoDBClient): void {
  const stack = client.middlewareStack as unknown as Record<string, unknown>;
  const cached = client as unknown as { handlers?: unknown };
  for (const method of ["add", "addRelativeTo", "remove", "removeByTag", "use"] as const) {
    const original = stack[method];
    if (typeof original !== "function") continue;
    stack[method] = (...args: unknown[]): unknown => {
      cached.handlers = undefined;
      return (original as (...a: unknown[]) => unknown).apply(stack, args);
    };
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is still ${Table?.TableStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface DynaliteWorker {
  readonly port: number;
  readonly worker: Worker;
}

async function startWorker(options: Record<string, unknown>): Promise<DynaliteWorker> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    execArgv: [],
    workerData: { dynalite: DYNALITE_ENTRY, options },
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`dynalite exited (code ${code})`)));
      worker.once("message", (message: { port?: number; error?: string }) => {
        if (message.port !== undefined) resolve(message.port);
        else reject(new Error(`dynalite did not start: ${message.error}`));
      });
    });
    worker.removeAllListeners("error");
    worker.removeAllListeners("exit");
    worker.on("error", (error) => console.error(`baton: local DynamoDB failed: ${String(error)}`));
    return { port, worker };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}

/** Closes dynalite's server (its store closes with it), then ends the thread. */
async function closeServer(server: DynaliteWorker): Promise<void> {
  const { worker } = server;
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    worker.once("exit", done);
    worker.once("message", done);
    worker.postMessage("close");
  });
  await worker.terminate();
}

/** Requests and the capacity units DynamoDB reported for them (when asked), of one kind. */
export interface RequestCount {
  requests: number;
  units: number;
}

/**
 * Counts the requests `client` sends from now on, for the benchmarks, by kind: `<table> <command>
 * <pk prefix>/<sk prefix>` (`baton-local-executions PutItemCommand EXEC/META`; a prefix is what
 * precedes the key's first `#`, empty when the request names no item). With `capacity`, each
 * request asks for the capacity it consumed and the units are added up. `stop` ends the count.
 */
export function countRequests(
  client: DynamoDBClient,
  options: { readonly capacity?: boolean } = {},
): { stop(): Map<string, RequestCount> } {
  const counts = new Map<string, RequestCount>();
  const name = `countRequests${++counters}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        TableName?: string;
        ReturnConsumedCapacity?: string;
        Key?: { pk?: { S?: string }; sk?: { S?: string } };
        Item?: { pk?: { S?: string }; sk?: { S?: string } };
        ExpressionAttributeValues?: Record<string, { S?: string }>;
      };
      if (options.capacity === true) input.ReturnConsumedCapacity = "TOTAL";
      const key = input.Item ?? input.Key;
      const pk = key?.pk?.S ?? input.ExpressionAttributeValues?.[":pk"]?.S;
      const sk = key?.sk?.S;
      const prefix = (value: string | undefined): string => value?.split("#")[0] ?? "";
      const kind = `${input.TableName ?? ""} ${context.commandName ?? ""} ${prefix(pk)}/${prefix(sk)}`;
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } })
        .ConsumedCapacity?.CapacityUnits;
      const count = counts.get(kind) ?? { requests: 0, units: 0 };
      count.requests++;
      count.units += consumed ?? 0;
      counts.set(kind, count);
      return result;
    },
    { step: "initialize", name },
  );
  return {
    stop: () => {
      client.middlewareStack.remove(name);
      return counts;
    },
  };
}
let counters = 0;
