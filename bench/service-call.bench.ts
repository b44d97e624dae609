/**
 * Per-request overhead of `callService` (registry lookup through the cache, balancing, circuit
 * check, secret header, trace headers, classification, step events) over a bare `fetch` of the same
 * request to the same local HTTP server, both measured in the same run. In-memory registry/circuit
 * store and a counting event publisher, so the figure is Baton's own CPU cost, not AWS latency.
 *
 * Run: `tsx bench/service-call.bench.ts` (target: overhead < 2 ms per call).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServiceCallRequest } from "../lib/core/contract.ts";
import { CircuitBreaker } from "../lib/runtime/circuit/breaker.ts";
import { systemClock } from "../lib/runtime/circuit/clock.ts";
import type { EventEntry, EventPublisher } from "../lib/runtime/events.ts";
import { ServiceCache } from "../lib/runtime/registry/cache.ts";
import { InMemoryRegistryStore } from "../lib/runtime/registry/memory-store.ts";
import { DEFAULT_CIRCUIT, DEFAULT_HEALTH } from "../lib/runtime/registry/registry-model.ts";
import { EnvSecretResolver } from "../lib/runtime/registry/secret-headers.ts";
import { ALLOW_PRIVATE_URLS_VARIABLE } from "../lib/runtime/registry/url-policy.ts";
import { callService, type ServiceCallDeps } from "../lib/runtime/service-call.ts";

// The server listens on 127.0.0.1; the guarded transport allows loopback only when told, as in `baton dev`.
process.env[ALLOW_PRIVATE_URLS_VARIABLE] = "1";

const CALLS_PER_ROUND = 2_000;
const ROUNDS = 5;
const WARMUP = 500;

const server = createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end('{"id":"r-1","status":"reserved"}');
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

let published = 0;
const events: EventPublisher = {
  publish: async (entries: readonly EventEntry[]) => {
    published += entries.length;
  },
};
const store = new InMemoryRegistryStore({ yieldEachCall: false });
await store.putService({
  name: "inventory",
  instances: [
    { id: "a", url, weight: 1 },
    { id: "b", url, weight: 1 },
  ],
  health: DEFAULT_HEALTH,
  balancing: "round_robin",
  circuit: DEFAULT_CIRCUIT,
  timeout: 10,
  headers: { "x-api-key": "{{ secret:inventory-key }}" },
});
const deps: ServiceCallDeps = {
  registry: new ServiceCache(store),
  circuit: new CircuitBreaker({ store, events }),
  events,
  secrets: new EnvSecretResolver({ BATON_SECRET_INVENTORY_KEY: "k" }),
  clock: systemClock,
};

const request = (i: number): ServiceCallRequest => ({
  workflow: "order-fulfillment",
  version: 1,
  executionId: `exec-${i}`,
  stepId: "reserve",
  mode: "call",
  attempt: 1,
  timeout: 10,
  service: "inventory",
  method: "POST",
  path: "/reservations",
  body: { sku: "A-1", quantity: 2 },
});

async function bare(i: number): Promise<void> {
  const response = await fetch(`${url}/reservations`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "k",
      "idempotency-key": `exec-${i}:reserve`,
    },
    body: JSON.stringify({ sku: "A-1", quantity: 2 }),
  });
  await response.json();
}

async function baton(i: number): Promise<void> {
  await callService(request(i), deps);
}

async function msPerCall(run: (i: number) => Promise<void>, calls: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < calls; i += 1) await run(i);
  return (performance.now() - start) / calls;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

await msPerCall(bare, WARMUP);
await msPerCall(baton, WARMUP);
const bareRounds: number[] = [];
const batonRounds: number[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  // Interleaved, so drift in machine load hits both alike.
  bareRounds.push(await msPerCall(bare, CALLS_PER_ROUND));
  batonRounds.push(await msPerCall(baton, CALLS_PER_ROUND));
}
server.close();

const bareMs = median(bareRounds);
const batonMs = median(batonRounds);
const fmt = (value: number): string => value.toFixed(3);
console.log(
  `node ${process.version}; ${ROUNDS} rounds x ${CALLS_PER_ROUND} sequential calls, median round`,
);
console.table([
  { path: "bare fetch", msPerCall: fmt(bareMs) },
  { path: "callService", msPerCall: fmt(batonMs) },
]);
console.log(
  `overhead: ${fmt(batonMs - bareMs)} ms/call (ratio ${(batonMs / bareMs).toFixed(2)}x); target < 2 ms; ${published} events published`,
);
