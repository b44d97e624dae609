/**
 * `baton dev` over real HTTP for tests: the demo services on free ports, the fixture workflows (or
 * the test's own), a fresh data dir, zeroed delays, and a JSON `api` helper. `stop` closes
 * everything it started.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DemoServices, startDemoServices } from "../../lib/local/demo/services.ts";
import { type DevServer, type DevServerOptions, startDevServer } from "../../lib/local/server.ts";

const FIXTURE_WORKFLOWS = join(import.meta.dirname, "..", "local", "fixtures", "workflows");

export interface DemoDev {
  readonly demo: DemoServices;
  readonly server: DevServer;
  /** A request with a JSON body (or a string sent as is); the answer's JSON body, null if empty. */
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    type?: string,
  ): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/** The test's own workflow files (name → YAML) instead of the fixture workflows. */
export type WorkflowFiles = Readonly<Record<string, string>>;

export async function startDemoDev(
  name: string,
  options: Partial<DevServerOptions> = {},
  workflows?: WorkflowFiles,
): Promise<DemoDev> {
  const dir = await mkdtemp(join(tmpdir(), `baton-${name}-`));
  const demo = await startDemoServices({ basePort: 0 });
  await writeFile(join(dir, "services.yaml"), demo.servicesYaml());
  let workflowsDir = FIXTURE_WORKFLOWS;
  if (workflows !== undefined) {
    workflowsDir = join(dir, "workflows");
    await mkdir(workflowsDir);
    for (const [file, text] of Object.entries(workflows))
      await writeFile(join(workflowsDir, file), text);
  }
  const server = await startDevServer({
    port: 0,
    workflowsDir,
    servicesFile: join(dir, "services.yaml"),
    dataDir: join(dir, "data"),
    skipDelays: true,
    log: () => {},
    out: () => {},
    ...options,
  });
  return {
    demo,
    server,
    async api<T>(method: string, path: string, body?: unknown, type = "application/json") {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { "content-type": type },
        ...(body === undefined
          ? {}
          : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as T };
    },
    async stop() {
      await server.stop();
      await demo.close();
      await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
