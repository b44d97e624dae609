/**
 * The static contract check (`lib/core/contract-check.ts`) through the project pipeline: every
 * code, each asserted with the line it points at in the workflow file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { callsOnly } from "../../lib/core/contract-calls.ts";
import { type ContractSet, checkContracts } from "../../lib/core/contract-check.ts";
import { readContract } from "../../lib/core/contract-openapi.ts";
import type { Json } from "../../lib/core/model.ts";
import { buildProject } from "../../lib/core/project/build.ts";

const FIXTURE = join(import.meta.dirname, "fixtures/contracts/payments.openapi.json");

function payments(): ContractSet {
  const read = readContract(
    "payments",
    "contracts/payments.yaml",
    parse(readFileSync(FIXTURE, "utf8")) as Json,
  );
  if (!read.ok) throw new Error(read.problem);
  return new Map([["payments", read.contract]]);
}

/** `line CODE` of every contract problem of one workflow text, in line order. */
function check(text: string, contracts = payments()): string[] {
  const project = buildProject([{ file: "wf.yaml", text }], {
    contracts: { contracts, problems: [] },
  });
  return project.problems
    .map((p) => p.problem)
    .filter((p) => p.code.includes("CONTRACT"))
    .map((p) => `${p.line} ${p.code} ${p.message}`);
}

const HEAD = `workflow: pay
input:
  type: object
  required: [orderId, amount]
  properties:
    orderId: { type: string }
    amount: { type: number }
    note: { type: string }
steps:
`;

describe("contract check", () => {
  it("accepts calls whose routes, bodies and reads the contract has", () => {
    const text = `${HEAD}  - id: charge
    call: payments POST /charges
    with: { orderId: "{{ input.orderId }}", amount: "{{ input.amount }}", currency: EUR }
    compensate:
      call: payments POST /refunds
      with: { chargeId: "{{ steps.charge.body.id }}", reason: requested_by_customer }
  - id: look
    call: payments GET /charges/{{ steps.charge.body.id }}
    when: steps.charge.body.status == 'captured'
output: { charge: "{{ steps.look.body.amount }}" }
`;
    expect(check(text)).toEqual([]);
  });

  it("reports E_CONTRACT_ROUTE at the call for a path the service does not have, suggesting the closest", () => {
    const text = `${HEAD}  - id: charge
    call: payments POST /charge
    with: { orderId: x, amount: 1, currency: EUR }
    idempotent: true
`;
    expect(check(text)).toEqual([
      "11 E_CONTRACT_ROUTE payments POST /charge: no path of the payments contract (contracts/payments.yaml) matches /charge",
    ]);
    const [problem] = buildProject([{ file: "wf.yaml", text }], {
      contracts: { contracts: payments(), problems: [] },
    }).problems;
    expect(problem?.problem.hint).toBe('did you mean "/charges"?');
  });

  it("reports E_CONTRACT_ROUTE for a method the path lacks, and for a compensation's route, each at its own line", () => {
    const text = `${HEAD}  - id: charge
    call: { service: payments, method: PUT, path: /charges, body: { orderId: x, amount: 1, currency: EUR } }
    compensate:
      call: payments DELETE /charges/{{ steps.charge.body.id }}
    idempotent: true
`;
    expect(check(text)).toEqual([
      "11 E_CONTRACT_ROUTE payments PUT /charges: /charges has no PUT operation in the payments contract (contracts/payments.yaml); it has POST",
      "13 E_CONTRACT_ROUTE payments DELETE /charges/{{ steps.charge.body.id }}: /charges/{id} has no DELETE operation in the payments contract (contracts/payments.yaml); it has GET",
    ]);
  });

  it("reports E_CONTRACT_BODY with the schema path: a missing required field at the body, a wrong literal at its field", () => {
    const text = `${HEAD}  - id: charge
    call: payments POST /charges
    with:
      orderId: "{{ input.orderId }}"
      amount: -5
    idempotent: true
`;
    expect(check(text)).toEqual([
      '12 E_CONTRACT_BODY payments POST /charges: body is missing the required field "currency" (schema #/components/schemas/ChargeRequest/required in contracts/payments.yaml)',
      "14 E_CONTRACT_BODY payments POST /charges: body /amount must be > 0, got -5 (schema #/components/schemas/ChargeRequest/properties/amount/exclusiveMinimum in contracts/payments.yaml)",
    ]);
  });

  it("reports E_CONTRACT_BODY for a template of known wrong type, a closed schema's extra field, an enum and a pattern", () => {
    const text = `${HEAD}  - id: charge
    call: payments POST /charges
    with: { orderId: "{{ input.amount }}", amount: "{{ input.amount }}", currency: eur }
    compensate:
      call: payments POST /refunds
      with:
        chargeId: "{{ steps.charge.body.id }}"
        reason: changed-mind
        note: "{{ input.note ?? '' }}"
`;
    expect(check(text)).toEqual([
      "12 E_CONTRACT_BODY payments POST /charges: body /orderId must be string, got a template giving number (schema #/components/schemas/ChargeRequest/properties/orderId/type in contracts/payments.yaml)",
      '12 E_CONTRACT_BODY payments POST /charges: body /currency must match ^[A-Z]{3}$, got "eur" (schema #/components/schemas/ChargeRequest/properties/currency/pattern in contracts/payments.yaml)',
      '17 E_CONTRACT_BODY payments POST /refunds: body /reason must be one of "duplicate", "fraud", "requested_by_customer", got "changed-mind" (schema #/paths/~1refunds/post/requestBody/content/application~1json/schema/properties/reason/enum in contracts/payments.yaml)',
      "18 E_CONTRACT_BODY payments POST /refunds: body /note is a field the schema does not allow (fields: chargeId, reason) (schema #/paths/~1refunds/post/requestBody/content/application~1json/schema/additionalProperties in contracts/payments.yaml)",
    ]);
  });

  it("reports E_CONTRACT_BODY when a required body is missing", () => {
    const text = `${HEAD}  - id: charge
    call: payments POST /charges
    idempotent: true
`;
    expect(check(text)).toEqual([
      "11 E_CONTRACT_BODY payments POST /charges: the payments contract requires a request body and the call sends none",
    ]);
  });

  it("warns W_CONTRACT_FIELD where a template or condition reads a response field the contract does not declare (not with ??)", () => {
    const text = `${HEAD}  - id: charge
    call: payments POST /charges
    with: { orderId: x, amount: 1, currency: EUR }
    idempotent: true
  - id: ship
    when: steps.charge.body.state == 'captured'
    call: payments GET /charges/{{ steps.charge.body.chargeId }}
output: { amount: "{{ steps.charge.body.amount }}", fee: "{{ steps.charge.body.fee ?? 0 }}" }
`;
    expect(check(text)).toEqual([
      '15 W_CONTRACT_FIELD condition reading steps.charge.body.state reads "state", which the 2xx responses of payments POST /charges do not declare (schema #/components/schemas/Charge in contracts/payments.yaml)',
      '16 W_CONTRACT_FIELD {{ steps.charge.body.chargeId }} reads "chargeId", which the 2xx responses of payments POST /charges do not declare (schema #/components/schemas/Charge in contracts/payments.yaml)',
    ]);
  });

  it("leaves services without a contract and templates of unknown type alone", () => {
    const text = `${HEAD}  - id: other
    call: inventory POST /anything
    with: { n: 1 }
    idempotent: true
  - id: charge
    call: payments POST /charges
    with: { orderId: "{{ steps.other.body.x }}", amount: "{{ steps.other.body.y }}", currency: "{{ input.note ?? 'EUR' }}" }
    idempotent: true
`;
    expect(check(text)).toEqual([]);
  });
});

describe("callsOnly (the API's reader of deployed definitions)", () => {
  it("finds every call step however nested, with its body and compensation, and checks them like the validator's model", () => {
    // Prepare
    const text = `${HEAD}  - id: fan
    parallel:
      - - id: charge
          call: payments POST /charges
          with: { orderId: x, amount: 0, currency: EUR }
          compensate:
            call: payments POST /refund
  - id: each
    map:
      items: "{{ input.items }}"
      steps:
        - { id: look, call: { service: payments, method: GET, path: "/charges/{{ item }}" } }
`;
    const source = parse(text) as Json;
    // Act
    const workflow = callsOnly("pay", 1, source);
    const problems = checkContracts(workflow, source, payments()).map((p) => `${p.path} ${p.code}`);
    const viaProject = buildProject([{ file: "wf.yaml", text }], {
      contracts: { contracts: payments(), problems: [] },
    })
      .problems.filter((p) => p.problem.code.includes("CONTRACT"))
      .map((p) => `${p.problem.path} ${p.problem.code}`);
    // Assess
    expect(workflow.steps.map((s) => [s.id, s.pointer])).toEqual([
      ["charge", "/steps/0/parallel/0/0"],
      ["look", "/steps/1/map/steps/0"],
    ]);
    expect(problems).toEqual([
      "/steps/0/parallel/0/0/compensate/call E_CONTRACT_ROUTE",
      "/steps/0/parallel/0/0/with/amount E_CONTRACT_BODY",
    ]);
    expect(problems).toEqual(viaProject);
  });
});
