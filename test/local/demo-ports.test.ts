/**
 * `baton dev --demo` when a demo port is taken: the service moves to a free port, says so, and the
 * registry seeded from services.yaml points at where it really listens, so the demo still works.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";

const WORKFLOWS = join(import.meta.dirname, "fixtures", "workflows");

describe("baton dev --demo with a busy port", () => {
  let dir: string;
  let squatter: Server;
  let busyPort: number;
  let server: DevServer;
  const log: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "baton-demo-ports-"));
    squatter = createServer((_req, res) => res.end("not a demo service"));
    await new Promise<void>((done) => squatter.listen(0, "127.0.0.1", done));
    busyPort = (squatter.address() as { port: number }).port;
    const free = await freePorts(2);
    const services = [
      ["inventory", busyPort],
      ["payments", free[0]],
      ["shipping", free[1]],
    ]
      .map(
        ([name, port]) =>
          `  - name: ${name}\n    instances:\n      - { id: ${name}-a, url: http://127.0.0.1:${port} }\n    timeout: 5\n`,
      )
      .join("");
    await writeFile(join(dir, "services.yaml"), `services:\n${services}`);
    server = await startDevServer({
      port: 0,
      workflowsDir: WORKFLOWS,
      servicesFile: join(dir, "services.yaml"),
      dataDir: join(dir, "data"),
      demo: true,
      skipDelays: true,
      log: (line) => log.push(line),
      out: () => {},
      activity: false,
    });
  });

  afterAll(async () => {
    await server?.stop();
    await new Promise((done) => squatter?.close(done));
    await rm(dir, { recursive: true, force: true });
  });

  it("moves the service to a free port, says so, and registers where it listens", async () => {
    // Act
    const moved = server.demo?.services.get("inventory")?.url ?? "";
    const entry = (await (await fetch(`${server.url}/services/inventory`)).json()) as {
      instances: { url: string }[];
    };

    // Assess
    expect(moved).not.toBe(`http://127.0.0.1:${busyPort}`);
    expect(log).toContain(
      `baton dev: demo service inventory listens on ${moved} (port ${busyPort} is taken)`,
    );
    expect(entry.instances.map((i) => i.url)).toEqual([moved]);
  });

  it("runs the saga against the moved service", async () => {
    // Act
    const started = await fetch(`${server.url}/workflows/test-saga/executions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId: "o-9", amount: 3 }),
    });
    const { id } = (await started.json()) as { id: string };
    let status = "RUNNING";
    const deadline = Date.now() + 30_000;
    while (status === "RUNNING" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      status = (
        (await (await fetch(`${server.url}/executions/${id}`)).json()) as { status: string }
      ).status;
    }

    // Assess
    expect(status).toBe("SUCCEEDED");
  });
});

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const s = createServer();
      await new Promise<void>((done) => s.listen(0, "127.0.0.1", done));
      return s;
    }),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}
