/**
 * Time budgets that nest, end to end: the compiled ASL (Task timeout = step timeout + 5 s), the real
 * service-call handler and a registry/circuit store that takes most of a second per operation.
 * The handler's whole work fits inside the Task timeout, so Step Functions never times a Task out
 * while its call may be in flight, and never starts a second attempt beside the first.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../../lib/local/harness.ts";
import type { CircuitStore } from "../../lib/runtime/circuit/circuit-store.ts";
import type { RegistryStore } from "../../lib/runtime/registry/registry-store.ts";
import { type Ledger, ledger } from "../support/ledger.ts";

const STORE_DELAY_MS = 700;

const SAGA = `
workflow: slow-store-saga
defaults: { timeout: 3, retry: { maxAttempts: 3, interval: 1, backoff: 1, jitter: none } }
steps:
  - id: reserve
    call: ledger POST /entries
    compensate: { call: ledger POST /entries/undo, with: { entry: "{{ steps.reserve.body.id }}" } }
  - id: charge
    call: ledger POST /entries
    compensate: { call: ledger POST /entries/undo, with: { entry: "{{ steps.charge.body.id }}" } }
  - id: ship
    call: ledger POST /entries
`;

/** Every store operation waits first, as a throttled or distant table would. */
function slowStore(store: RegistryStore & CircuitStore): RegistryStore & CircuitStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, STORE_DELAY_MS));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe("time budgets with a slow registry and circuit store", () => {
  let books: Ledger;
  let harness: Harness;
  beforeAll(async () => {
    books = ledger();
    harness = await createHarness({
      workflow: SAGA,
      services: { ledger: books.handler },
      store: slowStore,
    });
  });
  afterAll(() => harness.close());

  it("sends one request per key and never times a Task out while the store takes 0.7 s per operation", async () => {
    // Act: charge's first answer is a 503, so its failure is also written to the slow circuit store.
    const { execution, calls } = await harness.run(
      {},
      { faults: [{ step: "charge", attempt: 1, status: 503 }] },
    );

    // Assess
    expect(execution.status).toBe("SUCCEEDED");
    expect(execution.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ["reserve", "SUCCEEDED", 1],
      ["charge", "SUCCEEDED", 2],
      ["ship", "SUCCEEDED", 1],
    ]);
    expect([...books.requests.values()]).toEqual([1, 1, 1]);
    expect(books.effects).toHaveLength(3);
    expect(JSON.stringify(execution)).not.toContain("States.Timeout");
    expect(calls.ledger?.map((c) => `${c.step} ${c.attempt}`)).toEqual([
      "reserve 1",
      "charge 2",
      "ship 1",
    ]);
  });
});
