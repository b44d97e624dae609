/**
 * A service for limit tests: every request to `/work` is held until the test lets it go (or fails
 * it), so the test decides how long executions run; it counts the requests in flight and the
 * highest count seen.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HeldRequest {
  readonly tag: string;
  readonly path: string;
  release(status?: number): void;
}

export interface GateService {
  readonly url: string;
  /** Requests being held now. */
  readonly held: HeldRequest[];
  /** Requests received, by tag (`body.tag`), in arrival order. */
  readonly arrivals: string[];
  inFlight(): number;
  maxInFlight(): number;
  /** Answers every request at once from now on (or holds them again with false). */
  passThrough(on: boolean): void;
  /** Resolves once `n` requests are held. */
  waitForHeld(n: number, timeoutMs?: number): Promise<void>;
  releaseAll(status?: number): void;
  resetMax(): void;
  close(): Promise<void>;
}

export async function startGateService(): Promise<GateService> {
  const held: HeldRequest[] = [];
  const arrivals: string[] = [];
  let inFlight = 0;
  let max = 0;
  let open = false;
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on("end", () => {
      if (req.url === "/health") {
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
        return;
      }
      let tag = "";
      try {
        tag = String((JSON.parse(text || "{}") as { tag?: unknown }).tag ?? "");
      } catch {
        tag = "";
      }
      arrivals.push(tag);
      inFlight++;
      max = Math.max(max, inFlight);
      let done = false;
      const request: HeldRequest = {
        tag,
        path: req.url ?? "",
        release: (status = 200) => {
          if (done) return;
          done = true;
          inFlight--;
          const index = held.indexOf(request);
          if (index >= 0) held.splice(index, 1);
          res
            .writeHead(status, { "content-type": "application/json" })
            .end(JSON.stringify({ tag, ok: status < 400 }));
        },
      };
      res.on("close", () => {
        if (!done) {
          done = true;
          inFlight--;
          const index = held.indexOf(request);
          if (index >= 0) held.splice(index, 1);
        }
      });
      if (open) request.release();
      else held.push(request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    arrivals,
    inFlight: () => inFlight,
    maxInFlight: () => max,
    passThrough: (on) => {
      open = on;
      if (on) for (const request of [...held]) request.release();
    },
    waitForHeld: async (n, timeoutMs = 20_000) => {
      const until = Date.now() + timeoutMs;
      while (held.length < n) {
        if (Date.now() > until)
          throw new Error(`expected ${n} held requests, have ${held.length} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    releaseAll: (status = 200) => {
      for (const request of [...held]) request.release(status);
    },
    resetMax: () => {
      max = inFlight;
    },
    close: async () => {
      for (const request of [...held]) request.release(503);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const gateServicesYaml = (url: string): string => `services:
  - name: gate
    instances:
      - { id: gate-1, url: ${url} }
    health: { path: /health, intervalSeconds: 3600 }
    timeout: 30
`;

/**
 * A workflow of one step, `work`, that calls the gate once with the input's `tag` (no retries: a
 * refused call fails the run); `header` holds the lines between its name and its steps.
 */
export const gateWorkflow = (name: string, header = ""): string => `workflow: ${name}
${header}steps:
  - id: work
    call: gate POST /work
    with: { tag: "{{ input.tag }}" }
    idempotent: true
    retry: false
`;
