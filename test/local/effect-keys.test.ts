/**
 * One idempotency key per effect, end to end: the compiled ASL, the real service-call handler and a
 * ledger service that honours `Idempotency-Key` (a repeated key gets the stored answer).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../../lib/local/harness.ts";
import { type Ledger, ledger } from "../support/ledger.ts";

const MAP_SAGA = `
workflow: ledger-map
input: { type: object, required: [items], properties: { items: { type: array } } }
defaults: { timeout: 10, retry: { maxAttempts: 3, interval: 1, backoff: 1, jitter: none } }
steps:
  - id: each
    map:
      items: "{{ input.items }}"
      steps:
        - id: book
          call: ledger POST /entries
          with: { sku: "{{ item }}" }
          compensate:
            call: ledger POST /entries/undo
            with: { entry: "{{ steps.book.body.id }}" }
  - id: finish
    call: ledger POST /fail
`;

describe("idempotency keys against a service that honours them", () => {
  let books: Ledger;
  let harness: Harness;
  beforeAll(async () => {
    books = ledger();
    harness = await createHarness({ workflow: MAP_SAGA, services: { ledger: books.handler } });
  });
  afterAll(() => harness.close());

  it("fails when map items share a key: 3 items book 3 effects and 3 undos, net zero", async () => {
    // Act
    const { execution } = await harness.run({ items: ["a", "b", "c"] });

    // Assess
    expect([execution.status, execution.compensation]).toEqual(["FAILED", "COMPLETED"]);
    const booked = books.effects.filter((e) => e.kind === "book");
    const undone = books.effects.filter((e) => e.kind === "undo");
    expect(booked.map((e) => e.key.replace(execution.id, "<id>")).sort()).toEqual([
      "<id>:each[0].book",
      "<id>:each[1].book",
      "<id>:each[2].book",
    ]);
    expect(undone.map((e) => e.key).sort()).toEqual(booked.map((e) => `${e.key}:undo`).sort());
    expect(new Set(undone.map((e) => e.entry)).size).toBe(3);
    expect([...books.balance().values()]).toEqual([0, 0, 0]);
  });

  it("keeps each item's key across retries: one booking and one undo per item", async () => {
    // Prepare: every item's first attempt gets a 503 (from a proxy: the ledger never sees it).
    const before = books.effects.length;

    // Act
    const { execution } = await harness.run(
      { items: ["a", "b"] },
      { faults: [{ step: "book", attempt: 1, status: 503 }] },
    );

    // Assess: every item retried with its own key; one booking per item, each undone once.
    expect(execution.compensation).toBe("COMPLETED");
    const effects = books.effects.slice(before);
    expect(effects.filter((e) => e.kind === "book")).toHaveLength(2);
    expect(effects.filter((e) => e.kind === "undo")).toHaveLength(2);
  });
});
