import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../lib/cli/main.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");

describe("baton dev", () => {
  let project: string;
  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), "baton-dev-"));
    await mkdir(join(project, "flows"));
    await copyFile(join(FIXTURES, "good.yaml"), join(project, "flows", "good.yaml"));
  });
  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it("serves the API until stopped, then exits 0", async () => {
    // Prepare
    const out: string[] = [];
    const err: string[] = [];
    const stop = new AbortController();
    const io = {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      cwd: project,
      signal: stop.signal,
    };

    // Act
    const running = main(["dev", "--port", "0", "--workflows", "flows", "--data-dir", "state"], io);
    const url = await new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.join(""));
        if (match?.[1]) {
          clearInterval(poll);
          resolve(match[1]);
        } else if (Date.now() - started > 15_000) {
          clearInterval(poll);
          reject(new Error(`dev server did not start: ${err.join("")}`));
        }
      }, 50);
    });
    const workflows = (await (await fetch(`${url}/workflows`)).json()) as {
      items: { name: string }[];
    };
    stop.abort();
    const code = await running;

    // Assess
    expect(workflows.items.map((w) => w.name)).toEqual(["greet"]);
    expect(code).toBe(0);
    expect(out.join("").trimEnd().split("\n")).toEqual([
      `baton dev: listening on ${url} (Ctrl-C to stop)`,
      `baton dev: web console at ${url}/`,
      "baton dev: stopped",
    ]);
  });

  it("exits 2 with a message when the workflows folder does not exist", async () => {
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (t: string) => err.push(t), cwd: project };

    const code = await main(
      ["dev", "--port", "0", "--workflows", "nowhere", "--data-dir", "s2"],
      io,
    );

    expect(code).toBe(2);
    expect(err.join("")).toContain("is not a folder of workflow files");
  });

  it("exits 2 with a message when the port is taken", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = String((blocker.address() as { port: number }).port);
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (t: string) => err.push(t), cwd: project };

    const code = await main(
      ["dev", "--port", port, "--workflows", "flows", "--data-dir", "s3"],
      io,
    );
    blocker.close();

    expect(code).toBe(2);
    expect(err.join("")).toContain("EADDRINUSE");
  });
});
