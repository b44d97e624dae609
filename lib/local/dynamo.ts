/**
 * DynamoDB for the local runtime: dynalite on a loopback port, persisted under `<dataDir>/db`
 * (in memory when no path is given), with the registry and executions tables created if absent.
 * dynalite has no transactions, TTL or PartiQL; Baton's stores use none of them.
 */
import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  ensureTable,
  eventsTable,
  executionsTable,
  registryTable,
  workflowsTable,
} from "../runtime/aws/table-schema.ts";

type Dynalite = (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

// dynalite ships no type declarations: load it through require and type the one call we make.
const dynalite = createRequire(import.meta.url)("dynalite") as Dynalite;

/** Region of the SDK clients pointed at dynalite (it ignores it; the SDK needs one). Events and ARNs use `LOCAL_REGION`. */
export const DYNALITE_CLIENT_REGION = "us-east-1";
export const LOCAL_CREDENTIALS = {
  accessKeyId: "baton-local",
  secretAccessKey: "baton-local",
} as const;

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
    readonly executions: string;
    /** Created when named (`baton dev`'s runtime workflows). */
    readonly workflows?: string;
    /** Created when named (`baton dev`'s bus history). */
    readonly events?: string;
  };
}): Promise<LocalDynamo> {
  if (options.path !== undefined) await mkdir(options.path, { recursive: true });
  const server = dynalite({
    ...(options.path === undefined ? {} : { path: options.path }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: DYNALITE_CLIENT_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 3,
  });
  try {
    await ensureTable(client, registryTable(options.tables.registry));
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

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is still ${Table?.TableStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
