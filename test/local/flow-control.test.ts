/**
 * Flow control on the real handlers (the harness: compiled ASL, the service-call handler, the
 * records), against a ledger service that honours Idempotency-Key: `onError` (the shipped
 * data-pipeline keeps a good load when its best-effort cleanup fails; an uncertain continued step
 * is undone when a later step fails) and `loop` (each iteration has its own keys and records, and
 * every iteration is undone, newest first).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHarness, type ServiceHandler } from "../../lib/local/harness.ts";
import { ledger } from "../support/ledger.ts";

const TIMEOUT = 120_000;
const EXAMPLES = join(import.meta.dirname, "..", "..", "workflows");

let counter = 0;
const warehouse: ServiceHandler = (request) =>
  request.path === "/validations"
    ? { status: 200, body: { id: `v-${++counter}`, passed: true } }
    : { status: 201, body: { id: `w-${++counter}` } };

describe("onError on the real handlers", () => {
  it(
    "data-pipeline: a failed cleanup leaves the load in place and the execution succeeds",
    async () => {
      // Prepare
      const harness = await createHarness({
        file: join(EXAMPLES, "data-pipeline.yaml"),
        services: { warehouse },
      });
      try {
        // Act
        const { execution, calls } = await harness.run(
          { dataset: "orders", date: "2026-01-01" },
          { faults: [{ step: "cleanup", status: 500 }] },
        );
        // Assess
        expect([execution.status, execution.compensation]).toStrictEqual(["SUCCEEDED", "NONE"]);
        expect(execution.steps.map((s) => [s.id, s.status])).toStrictEqual([
          ["extract", "SUCCEEDED"],
          ["transform", "SUCCEEDED"],
          ["validate", "SUCCEEDED"],
          ["check", "SUCCEEDED"],
          ["reject", "SKIPPED"],
          ["load", "SUCCEEDED"],
          ["cleanup", "FAILED"],
        ]);
        expect((calls.warehouse ?? []).filter((c) => c.mode === "compensate")).toStrictEqual([]);
        expect(execution.output).toMatchObject({ partition: "2026-01-01" });
        // The continued step is done: a finished execution reads 100 %.
        expect(execution.stepsCompleted).toBe(execution.totalSteps);
      } finally {
        await harness.close();
      }
    },
    TIMEOUT,
  );

  it(
    "data-pipeline: a verdict without passed fails validate with Baton.OutputInvalid and rolls back",
    async () => {
      // Prepare
      const noVerdict: ServiceHandler = (request) =>
        request.path === "/validations"
          ? { status: 200, body: { id: "v-1" } }
          : { status: 201, body: { id: `w-${++counter}` } };
      const harness = await createHarness({
        file: join(EXAMPLES, "data-pipeline.yaml"),
        services: { warehouse: noVerdict },
      });
      try {
        // Act
        const { execution, calls } = await harness.run({ dataset: "orders", date: "2026-01-02" });
        // Assess
        expect([execution.status, execution.error?.name, execution.compensation]).toStrictEqual([
          "FAILED",
          "Baton.OutputInvalid",
          "COMPLETED",
        ]);
        expect(
          (calls.warehouse ?? []).filter((c) => c.mode === "compensate").map((c) => c.step),
        ).toStrictEqual(["transform", "extract"]);
        expect(calls.warehouse?.filter((c) => c.step === "validate")).toHaveLength(1);
      } finally {
        await harness.close();
      }
    },
    TIMEOUT,
  );

  it(
    "an uncertain step that was continued is undone once when a later step fails",
    async () => {
      // Prepare
      const books = ledger();
      const harness = await createHarness({
        workflow: `
workflow: continued
steps:
  - id: first
    call: books POST /entries
    compensate: { call: books POST /entries/undo, with: { entry: "{{ steps.first.body.id }}" } }
  - id: maybe
    call: books POST /entries
    retry: false
    onError: continue
    compensate: { call: books POST /entries/undo, with: { entry: "{{ steps.maybe.body.id ?? 'unknown' }}" } }
  - id: last
    call: books POST /fail
    retry: false
    idempotent: true
`,
        services: { books: books.handler },
      });
      try {
        // Act: maybe's request takes effect, then the attempt times out (no answer).
        const { execution, calls } = await harness.run(
          {},
          { faults: [{ step: "maybe", error: "Baton.Timeout" }] },
        );
        // Assess
        expect([execution.status, execution.compensation]).toStrictEqual(["FAILED", "COMPLETED"]);
        expect(execution.steps.map((s) => [s.id, s.status])).toStrictEqual([
          ["first", "COMPENSATED"],
          ["maybe", "COMPENSATED"],
          ["last", "FAILED"],
        ]);
        expect(
          (calls.books ?? []).filter((c) => c.mode === "compensate").map((c) => c.step),
        ).toStrictEqual(["maybe", "first"]);
        // The attempt failed before the request here, so the undo is keyed, not read from a result.
        expect(books.requests.get(`${execution.id}:maybe:undo`)).toBe(1);
        expect(books.balance().get("entry-1")).toBe(0);
      } finally {
        await harness.close();
      }
    },
    TIMEOUT,
  );
});

const LOOP = `
workflow: looped
steps:
  - id: batches
    loop:
      maxIterations: 5
      until: iteration >= 2
      steps:
        - id: book
          call: books POST /entries
          with: { batch: "{{ iteration }}" }
          compensate: { call: books POST /entries/undo, with: { entry: "{{ steps.book.body.id }}" } }
  - id: after
    call: books POST /entries
    compensate: { call: books POST /entries/undo, with: { entry: "{{ steps.after.body.id }}" } }
  - id: last
    call: books POST /fail
    retry: false
    idempotent: true
    when: input.fail == true
`;

describe("loop on the real handlers", () => {
  it(
    "records each iteration's steps and sends each iteration's own Idempotency-Key",
    async () => {
      // Prepare
      const books = ledger();
      const harness = await createHarness({ workflow: LOOP, services: { books: books.handler } });
      try {
        // Act
        const { execution, calls } = await harness.run({ fail: false });
        // Assess
        expect(execution.status).toBe("SUCCEEDED");
        expect(execution.steps.map((s) => [s.id, s.status])).toStrictEqual([
          ["batches", "SUCCEEDED"],
          // The body step (its iterations' worst outcome), then one entry per iteration, as for maps.
          ["book", "SUCCEEDED"],
          ["batches[0].book", "SUCCEEDED"],
          ["batches[1].book", "SUCCEEDED"],
          ["batches[2].book", "SUCCEEDED"],
          ["after", "SUCCEEDED"],
          ["last", "SKIPPED"],
        ]);
        expect(calls.books?.map((c) => c.headers["idempotency-key"])).toStrictEqual([
          `${execution.id}:batches[0].book`,
          `${execution.id}:batches[1].book`,
          `${execution.id}:batches[2].book`,
          `${execution.id}:after`,
        ]);
        expect(books.effects).toHaveLength(4);
      } finally {
        await harness.close();
      }
    },
    TIMEOUT,
  );

  it(
    "a later failure undoes every iteration, newest first, and the ledger nets to zero",
    async () => {
      // Prepare
      const books = ledger();
      const harness = await createHarness({ workflow: LOOP, services: { books: books.handler } });
      try {
        // Act
        const { execution } = await harness.run({ fail: true });
        // Assess
        expect([execution.status, execution.compensation]).toStrictEqual(["FAILED", "COMPLETED"]);
        expect(
          books.effects.map((e) => `${e.kind} ${e.key.split(":").slice(1).join(":")}`),
        ).toStrictEqual([
          "book batches[0].book",
          "book batches[1].book",
          "book batches[2].book",
          "book after",
          "undo after:undo",
          "undo batches[2].book:undo",
          "undo batches[1].book:undo",
          "undo batches[0].book:undo",
        ]);
        expect([...books.balance().values()].every((n) => n === 0)).toBe(true);
      } finally {
        await harness.close();
      }
    },
    TIMEOUT,
  );
});
