/**
 * The parity table: each scenario is a workflow (YAML, compiled by Baton's compiler), an input, and
 * the result of every attempt of the Task states it names. Both engines (the local engine and moto)
 * run the same compiled ASL with the same mocked results; test/parity/parity.test.ts compares them.
 *
 * A mock list answers attempts in order (entry n answers `$$.State.RetryCount == n`, per Map item or
 * Parallel branch). Task states a scenario does not name get `DEFAULT_SERVICE_REPLY` (service
 * calls) or `DEFAULT_EMIT_REPLY` (events) on every attempt.
 */
import type { Json } from "../../lib/core/model.ts";

/** What one attempt of a Task state returns, or fails with. */
export type MockedAttempt =
  | { readonly return: Json }
  | { readonly error: string; readonly cause: string };

export interface Scenario {
  readonly name: string;
  readonly yaml: string;
  readonly input: Json;
  readonly mocks: Readonly<Record<string, readonly MockedAttempt[]>>;
  /** What both engines must give (so two engines broken the same way cannot agree unnoticed). */
  readonly expect: {
    readonly status: "SUCCEEDED" | "FAILED";
    readonly error?: string;
    /** `<step>#undo` states entered, in order. */
    readonly undo: readonly string[];
  };
}

/** A service-call Lambda reply (lib/core/contract.ts `ServiceCallResult`) with this body. */
export const reply = (body: Json, status = 200): MockedAttempt => ({
  return: { status, headers: {}, body, instance: "svc-1", attempt: 1 },
});

/**
 * A Lambda function error as Step Functions reports it: `Error` is the error's name, `Cause` the
 * runtime's envelope (what the service-call Lambda's Baton errors become in AWS).
 */
export const fails = (name: string, message: string): MockedAttempt => ({
  error: name,
  cause: JSON.stringify({ errorType: name, errorMessage: message, trace: [] }),
});

export const DEFAULT_SERVICE_REPLY: MockedAttempt = reply({ id: "default-1" });
export const DEFAULT_EMIT_REPLY: MockedAttempt = {
  return: { Entries: [{ EventId: "event-1" }], FailedEntryCount: 0 },
};

const ORDER_INPUT: Json = { orderId: "o-1", amount: 42 };

/** reserve → charge → ship, each undone on failure; the shape most scenarios vary. */
const ORDER_SAGA = `
workflow: parity-order
steps:
  - id: reserve
    call: inventory POST /reservations
    with: { orderId: "{{ input.orderId }}" }
    compensate:
      call: inventory DELETE /reservations/{{ steps.reserve.body.id }}
  - id: charge
    call: payments POST /charges
    with: { orderId: "{{ input.orderId }}", amount: "{{ input.amount }}" }
    retry: { maxAttempts: 3 }
    compensate:
      call: payments POST /refunds
      with: { chargeId: "{{ steps.charge.body.id }}", reason: "{{ error.name }}" }
  - id: ship
    call: shipping POST /shipments
    with: { orderId: "{{ input.orderId }}", reservation: "{{ steps.reserve.body.id }}" }
    compensate:
      call: shipping DELETE /shipments/{{ steps.ship.body.id }}
output:
  reservation: "{{ steps.reserve.body.id }}"
  charge: "{{ steps.charge.body.id }}"
  shipment: "{{ steps.ship.body.id }}"
`;

const ORDER_REPLIES = {
  reserve: [reply({ id: "r-1" })],
  charge: [reply({ id: "c-1", status: "captured" })],
  ship: [reply({ id: "s-1" })],
};

/** reserve, then a wait until `input.when`, then charge: the wait's template is the variable. */
const WAIT_UNTIL = `
workflow: parity-wait
steps:
  - id: reserve
    call: inventory POST /reservations
    compensate:
      call: inventory DELETE /reservations/{{ steps.reserve.body.id }}
  - id: hold
    wait: { until: "{{ input.when }}" }
  - id: charge
    call: payments POST /charges
    idempotent: true
output: { charge: "{{ steps.charge.body.id }}" }
`;

/** Flow control (WORKFLOWS.md v2): a best-effort step, a fallback, and a compensable continued step. */
const ON_ERROR = `
workflow: parity-on-error
steps:
  - id: reserve
    call: inventory POST /reservations
    compensate:
      call: inventory DELETE /reservations/{{ steps.reserve.body.id }}
  - id: charge
    call: payments POST /charges
    retry: false
    onError: { then: continue, when: [Baton.Timeout, Baton.ClientError] }
    compensate:
      call: payments POST /refunds
      with: { charge: "{{ steps.charge.body.id ?? 'unknown' }}" }
  - id: notify
    call: email POST /messages
    retry: false
    idempotent: true
    onError:
      steps:
        - id: notify_backup
          call: sms POST /messages
          idempotent: true
          with: { why: "{{ steps.notify.error.name }}" }
  - id: ship
    call: shipping POST /shipments
    retry: false
    compensate:
      call: shipping DELETE /shipments/{{ steps.ship.body.id }}
output:
  charged: "{{ steps.charge.error.name ?? 'charged' }}"
`;

/** A loop: iterations with their own compensable step, undone newest first on a later failure. */
const LOOP = `
workflow: parity-loop
steps:
  - id: batches
    loop:
      maxIterations: 4
      until: steps.check.body.done == true or iteration >= 2
      steps:
        - id: book
          call: ledger POST /entries
          with: { batch: "{{ iteration }}" }
          compensate:
            call: ledger DELETE /entries/{{ steps.book.body.id }}
        - id: check
          call: ledger GET /status
  - id: finish
    call: ledger POST /finish
    retry: false
    compensate:
      call: ledger DELETE /finish
output:
  iterations: "{{ steps.batches.count }}"
  last: "{{ steps.book.body.id }}"
`;

/** A map inside each loop iteration: the iteration carries its history through the map's merge. */
const LOOP_OF_MAPS = `
workflow: parity-loop-of-maps
input: { type: object, required: [lines], properties: { lines: { type: array } } }
steps:
  - id: rounds
    loop:
      maxIterations: 3
      until: iteration >= 1
      steps:
        - id: fan
          map:
            items: "{{ input.lines }}"
            steps:
              - id: put
                call: ledger POST /puts
                with: { round: "{{ iteration }}", line: "{{ item }}" }
                compensate:
                  call: ledger DELETE /puts/{{ steps.put.body.id }}
  - id: finish
    call: ledger POST /finish
    retry: false
    idempotent: true
output: { rounds: "{{ steps.rounds.count }}" }
`;

/** onError on a parallel step: a failed branch lets the workflow go on; the other branch stays. */
const PARALLEL_ON_ERROR = `
workflow: parity-parallel-on-error
steps:
  - id: both
    onError: continue
    parallel:
      - - id: good
          call: ledger POST /good
          compensate:
            call: ledger DELETE /good/{{ steps.good.body.id }}
      - - id: bad
          call: ledger POST /bad
          retry: false
          idempotent: true
  - id: finish
    call: ledger POST /finish
    retry: false
    idempotent: true
output: { both: "{{ steps.both.error.name ?? 'ok' }}" }
`;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "success",
    expect: { status: "SUCCEEDED", undo: [] },
    yaml: ORDER_SAGA,
    input: ORDER_INPUT,
    mocks: ORDER_REPLIES,
  },
  {
    name: "retried call",
    expect: { status: "SUCCEEDED", undo: [] },
    yaml: ORDER_SAGA,
    input: ORDER_INPUT,
    mocks: {
      ...ORDER_REPLIES,
      charge: [
        fails("Baton.ServiceError", "payments answered 503"),
        fails("Baton.ServiceError", "payments answered 502"),
        reply({ id: "c-3" }),
      ],
    },
  },
  {
    name: "retries exhausted",
    expect: { status: "FAILED", error: "Baton.ServiceError", undo: ["reserve#undo"] },
    yaml: ORDER_SAGA,
    input: ORDER_INPUT,
    mocks: {
      ...ORDER_REPLIES,
      charge: [1, 2, 3].map((n) => fails("Baton.ServiceError", `payments answered 503 (${n})`)),
    },
  },
  {
    // The pause retrier (docs/limits-and-pause.md) has its own counter: two attempts turned away
    // while paused spend none of charge's 3 attempts, so two 503s after them are still retried.
    name: "paused call: turned away twice, then retried on its own attempts",
    expect: { status: "SUCCEEDED", undo: [] },
    yaml: ORDER_SAGA,
    input: ORDER_INPUT,
    mocks: {
      ...ORDER_REPLIES,
      charge: [
        fails("Baton.Paused", "Execution e-1 is paused: step charge was not sent"),
        fails("Baton.Paused", "Execution e-1 is paused: step charge was not sent"),
        fails("Baton.ServiceError", "payments answered 503"),
        fails("Baton.ServiceError", "payments answered 502"),
        reply({ id: "c-5" }),
      ],
    },
  },
  {
    name: "paused call: turned away between failures, retries still exhausted at 3",
    expect: { status: "FAILED", error: "Baton.ServiceError", undo: ["reserve#undo"] },
    yaml: ORDER_SAGA,
    input: ORDER_INPUT,
    mocks: {
      ...ORDER_REPLIES,
      charge: [
        fails("Baton.ServiceError", "payments answered 503 (1)"),
        fails("Baton.Paused", "Execution e-1 is paused: step charge was not sent"),
        fails("Baton.ServiceError", "payments answered 503 (2)"),
        fails("Baton.ServiceError", "payments answered 503 (3)"),
      ],
    },
  },
  {
    name: "client error mid-saga",
    expect: { status: "FAILED", error: "Baton.ClientError", undo: ["charge#undo", "reserve#undo"] },
    yaml: ORDER_SAGA,
    input: ORDER_INPUT,
    mocks: {
      ...ORDER_REPLIES,
      ship: [fails("Baton.ClientError", "shipping answered 422: address rejected")],
    },
  },
  {
    name: "failing compensation",
    expect: {
      status: "FAILED",
      error: "Baton.CompensationFailed",
      undo: ["charge#undo", "reserve#undo"],
    },
    yaml: ORDER_SAGA,
    input: ORDER_INPUT,
    mocks: {
      ...ORDER_REPLIES,
      ship: [fails("Baton.ClientError", "shipping answered 422")],
      "charge#undo": [fails("Baton.ClientError", "payments refused the refund")],
    },
  },
  {
    name: "compensation retried",
    expect: { status: "FAILED", error: "Baton.ClientError", undo: ["charge#undo", "reserve#undo"] },
    yaml: ORDER_SAGA,
    input: ORDER_INPUT,
    mocks: {
      ...ORDER_REPLIES,
      ship: [fails("Baton.ClientError", "shipping answered 422")],
      "reserve#undo": [
        fails("Baton.ServiceError", "inventory answered 502"),
        reply({ released: true }),
      ],
    },
  },
  {
    name: "skipped step not compensated",
    expect: { status: "FAILED", error: "Baton.ClientError", undo: ["reserve#undo"] },
    yaml: `
workflow: parity-skip
steps:
  - id: reserve
    call: inventory POST /reservations
    compensate: { call: "inventory DELETE /reservations/{{ steps.reserve.body.id }}" }
  - id: gift
    when: input.gift == true
    call: gifts POST /wraps
    compensate: { call: "gifts DELETE /wraps/{{ steps.gift.body.id }}" }
  - id: charge
    call: payments POST /charges
    idempotent: true
`,
    input: { gift: false },
    mocks: {
      reserve: [reply({ id: "r-1" })],
      charge: [fails("Baton.ClientError", "card declined")],
    },
  },
  {
    name: "failing parallel branch",
    expect: {
      status: "FAILED",
      error: "Baton.ClientError",
      undo: ["flight#undo", "hotel#undo", "book#undo"],
    },
    yaml: `
workflow: parity-parallel
steps:
  - id: book
    call: travel POST /trips
    compensate: { call: "travel DELETE /trips/{{ steps.book.body.id }}" }
  - id: both
    parallel:
      - - id: hotel
          call: hotels POST /bookings
          compensate: { call: "hotels DELETE /bookings/{{ steps.hotel.body.id }}" }
      - - id: flight
          call: flights POST /bookings
          compensate: { call: "flights DELETE /bookings/{{ steps.flight.body.id }}" }
        - id: seat
          call: flights POST /seats
          with: { booking: "{{ steps.flight.body.id }}" }
          compensate: { call: "flights DELETE /seats/{{ steps.seat.body.id }}" }
`,
    input: {},
    mocks: {
      book: [reply({ id: "t-1" })],
      hotel: [reply({ id: "h-1" })],
      flight: [reply({ id: "f-1" })],
      seat: [fails("Baton.ClientError", "no seat left")],
    },
  },
  {
    name: "failing map item",
    expect: { status: "FAILED", error: "NegativeAmount", undo: ["open#undo"] },
    yaml: `
workflow: parity-map
steps:
  - id: open
    call: ledger POST /batches
    compensate: { call: "ledger DELETE /batches/{{ steps.open.body.id }}" }
  - id: lines
    map:
      items: "{{ input.lines }}"
      maxConcurrency: 1
      steps:
        - id: post_line
          call: ledger POST /lines
          with: { batch: "{{ steps.open.body.id }}", amount: "{{ item.amount }}" }
          idempotent: true
        - id: reject
          when: item.amount < 0
          fail: { error: NegativeAmount, cause: a line has a negative amount }
`,
    input: { lines: [{ amount: 5 }, { amount: -1 }, { amount: 7 }] },
    mocks: {
      open: [reply({ id: "b-1" })],
      post_line: [reply({ id: "l-1" })],
    },
  },
  {
    name: "map succeeds",
    expect: { status: "SUCCEEDED", undo: [] },
    yaml: `
workflow: parity-map-ok
steps:
  - id: lines
    map:
      items: "{{ input.lines }}"
      steps:
        - id: post_line
          call: ledger POST /lines
          with: { amount: "{{ item }}", index: "{{ index }}" }
          idempotent: true
          select: body.id
output:
  first: "{{ steps.lines[0].post_line.body }}"
  all: "{{ steps.lines }}"
`,
    input: { lines: [1, 2] },
    mocks: {
      post_line: [reply({ id: "l-1" })],
    },
  },
  {
    name: "fail step after choice",
    expect: { status: "FAILED", error: "CheckFailed", undo: ["check#undo"] },
    yaml: `
workflow: parity-choice
steps:
  - id: check
    call: rules POST /checks
    compensate: { call: "rules DELETE /checks/{{ steps.check.body.id }}" }
  - id: decide
    choice:
      cases:
        - when: steps.check.body.passed == false
          steps:
            - id: refuse
              fail: { error: CheckFailed, cause: the rules refused the request }
      otherwise:
        - id: accept
          emit: { detailType: Request Accepted, detail: { id: "{{ steps.check.body.id }}" } }
`,
    input: {},
    mocks: {
      check: [reply({ id: "k-1", passed: false })],
    },
  },
  {
    name: "timed-out call (uncertain outcome)",
    expect: { status: "FAILED", error: "Baton.Timeout", undo: ["charge#undo", "reserve#undo"] },
    yaml: ORDER_SAGA,
    input: ORDER_INPUT,
    mocks: {
      ...ORDER_REPLIES,
      // A timeout may have taken effect: the compiler marks the step and asks again (charge#again).
      // There the handler fails attempt 2 of 3 as Baton.RetryAgain (what that Task retries) and
      // the last allowed attempt with its own error.
      charge: [fails("Baton.Timeout", "payments did not answer within 30 s")],
      "charge#again": [
        fails("Baton.RetryAgain", "payments did not answer within 30 s"),
        fails("Baton.Timeout", "payments did not answer within 30 s"),
      ],
    },
  },
  {
    name: "timed-out call answered when asked again",
    expect: { status: "SUCCEEDED", undo: [] },
    yaml: ORDER_SAGA,
    input: ORDER_INPUT,
    mocks: {
      ...ORDER_REPLIES,
      charge: [fails("Baton.Timeout", "payments did not answer within 30 s")],
      "charge#again": [reply({ id: "c-1" })],
    },
  },
  {
    name: "wait until a past time",
    expect: { status: "SUCCEEDED", undo: [] },
    yaml: WAIT_UNTIL,
    input: { when: "2020-01-01T00:00:00Z" },
    mocks: { reserve: [reply({ id: "r-1" })], charge: [reply({ id: "c-1" })] },
  },
  {
    name: "template error: wait.until missing",
    expect: { status: "FAILED", error: "Baton.TemplateError", undo: ["reserve#undo"] },
    yaml: WAIT_UNTIL,
    input: {},
    mocks: { reserve: [reply({ id: "r-1" })] },
  },
  {
    name: "template error: wait.until not a time",
    expect: { status: "FAILED", error: "Baton.TemplateError", undo: ["reserve#undo"] },
    yaml: WAIT_UNTIL,
    input: { when: "next tuesday" },
    mocks: { reserve: [reply({ id: "r-1" })] },
  },
  {
    name: "onError: continue past a refused charge, fallback after a failed notify",
    expect: { status: "SUCCEEDED", undo: [] },
    yaml: ON_ERROR,
    input: {},
    mocks: {
      reserve: [reply({ id: "r-1" })],
      charge: [fails("Baton.ClientError", "payments answered 402")],
      notify: [fails("Baton.ServiceError", "email answered 503")],
      ship: [reply({ id: "s-1" })],
    },
  },
  {
    name: "onError: a continued uncertain charge is undone when a later step fails",
    expect: {
      status: "FAILED",
      error: "Baton.ClientError",
      undo: ["charge#undo", "reserve#undo"],
    },
    yaml: ON_ERROR,
    input: {},
    mocks: {
      reserve: [reply({ id: "r-1" })],
      charge: [fails("Baton.Timeout", "payments did not answer within 30 s")],
      ship: [fails("Baton.ClientError", "shipping answered 400")],
    },
  },
  {
    name: "onError: an error it does not name fails and compensates",
    expect: { status: "FAILED", error: "Baton.ServiceError", undo: ["reserve#undo"] },
    yaml: ON_ERROR,
    input: {},
    mocks: {
      reserve: [reply({ id: "r-1" })],
      charge: [fails("Baton.ServiceError", "payments answered 503")],
    },
  },
  {
    name: "loop: three iterations, then later steps read the last",
    expect: { status: "SUCCEEDED", undo: [] },
    yaml: LOOP,
    input: {},
    mocks: { book: [reply({ id: "b-1" })], check: [reply({ done: false })] },
  },
  {
    name: "loop: a later failure undoes every iteration",
    expect: {
      status: "FAILED",
      error: "Baton.ClientError",
      undo: ["book#undo", "book#undo", "book#undo"],
    },
    yaml: LOOP,
    input: {},
    mocks: {
      book: [reply({ id: "b-1" })],
      check: [reply({ done: false })],
      finish: [fails("Baton.ClientError", "ledger answered 409")],
    },
  },
  {
    name: "loop: maxIterations exceeded fails with Baton.LoopLimit",
    expect: {
      status: "FAILED",
      error: "Baton.LoopLimit",
      undo: ["book#undo", "book#undo", "book#undo", "book#undo"],
    },
    yaml: LOOP.replace("or iteration >= 2", "or iteration >= 9"),
    input: {},
    mocks: { book: [reply({ id: "b-1" })], check: [reply({ done: false })] },
  },
  {
    name: "loop: a map in each iteration, undone round by round",
    expect: {
      status: "FAILED",
      error: "Baton.ClientError",
      undo: ["put#undo", "put#undo", "put#undo", "put#undo"],
    },
    yaml: LOOP_OF_MAPS,
    input: { lines: ["a", "b"] },
    mocks: {
      put: [reply({ id: "p-1" })],
      finish: [fails("Baton.ClientError", "ledger answered 409")],
    },
  },
  {
    name: "onError on a parallel step: continued, then a later failure undoes the good branch",
    expect: { status: "FAILED", error: "Baton.ClientError", undo: ["good#undo"] },
    yaml: PARALLEL_ON_ERROR,
    input: {},
    mocks: {
      good: [reply({ id: "g-1" })],
      bad: [fails("Baton.ClientError", "ledger answered 400")],
      finish: [fails("Baton.ClientError", "ledger answered 409")],
    },
  },
  {
    name: "onError on a parallel step: continued to success",
    expect: { status: "SUCCEEDED", undo: [] },
    yaml: PARALLEL_ON_ERROR,
    input: {},
    mocks: {
      good: [reply({ id: "g-1" })],
      bad: [fails("Baton.ClientError", "ledger answered 400")],
    },
  },
];
