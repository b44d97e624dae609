/**
 * One registry store for several `baton dev` instances (peer Regions played locally,
 * docs/peers.md): the registry table lives in its own dynalite under `<dir>/db`. dynalite's
 * LevelDB admits one process, so the first instance to take `<dir>/host.lock` hosts it (serves it
 * on a loopback port, written into the lock) and the others connect to that port. Nothing is
 * copied: every instance reads and writes the one table.
 */
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { localDynamoClient, startLocalDynamo } from "./dynamo.ts";

export interface SharedRegistry {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  /** Whether this instance serves the store (the others stop working when it stops). */
  readonly hosted: boolean;
  close(): Promise<void>;
}

interface HostLock {
  readonly pid: number;
  /** Absent while the host is still starting its store. */
  readonly endpoint?: string;
}

/** How long a guest waits for a host that took the lock to serve the store. */
const HOST_START_MS = 30_000;

export async function openSharedRegistry(options: {
  readonly dir: string;
  readonly tableName: string;
  /** How long to wait for a starting host. @default 30 s */
  readonly waitMs?: number;
}): Promise<SharedRegistry> {
  const lockFile = join(options.dir, "host.lock");
  const deadline = Date.now() + (options.waitMs ?? HOST_START_MS);
  for (;;) {
    const hosted = await tryToHost(options.dir, lockFile, options.tableName);
    if (hosted !== undefined) return hosted;
    const lock = await readLock(lockFile);
    if (lock !== undefined && !alive(lock.pid)) {
      // The host was killed without cleaning up: its lock is stale, take it over.
      await rm(lockFile, { force: true });
      continue;
    }
    if (lock?.endpoint !== undefined) {
      const guest = await connect(lock.endpoint, options.tableName);
      if (guest !== undefined) return guest;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the shared registry in ${options.dir} is held by process ${lock?.pid ?? "unknown"}, whose store at ${lock?.endpoint ?? "(not started)"} does not answer; stop that baton dev, or delete ${lockFile} if no baton dev runs`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Takes the lock and serves the store; undefined when another process holds the lock. */
async function tryToHost(
  dir: string,
  lockFile: string,
  tableName: string,
): Promise<SharedRegistry | undefined> {
  await mkdir(dir, { recursive: true });
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lockFile, "wx");
  } catch (error) {
    if ((error as { code?: unknown }).code === "EEXIST") return undefined;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify({ pid: process.pid } satisfies HostLock));
    const dynamo = await startLocalDynamo({
      path: join(dir, "db"),
      tables: { registry: tableName },
    });
    await handle.truncate(0);
    await handle.write(
      JSON.stringify({ pid: process.pid, endpoint: dynamo.endpoint } satisfies HostLock),
      0,
    );
    await handle.close();
    return {
      client: dynamo.client,
      endpoint: dynamo.endpoint,
      hosted: true,
      close: async () => {
        await dynamo.close();
        await rm(lockFile, { force: true });
      },
    };
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(lockFile, { force: true });
    throw error;
  }
}

async function readLock(lockFile: string): Promise<HostLock | undefined> {
  try {
    const value = JSON.parse(await readFile(lockFile, "utf8")) as Partial<HostLock>;
    if (typeof value.pid !== "number") return undefined;
    return typeof value.endpoint === "string"
      ? { pid: value.pid, endpoint: value.endpoint }
      : { pid: value.pid };
  } catch {
    return undefined; // absent, or being written
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as { code?: unknown }).code === "EPERM";
  }
}

/** A client on the host's store, once it answers for the registry table. */
async function connect(endpoint: string, tableName: string): Promise<SharedRegistry | undefined> {
  const client = localDynamoClient(endpoint);
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus !== "ACTIVE")
      throw new Error(`table ${tableName} is ${Table?.TableStatus}`);
  } catch {
    client.destroy();
    return undefined;
  }
  return {
    client,
    endpoint,
    hosted: false,
    close: async () => {
      client.destroy();
    },
  };
}
