/**
 * The three workflows of the fault matrix, and what each must leave at the services. Every call
 * step has a compensation; every request body names its logical effect (`exec`, `run`, `step`,
 * `item`) so the ledger can attribute it whatever key the runtime sends.
 *
 * - `fm-saga`: s1 → s2 → s3, one service each.
 * - `fm-fanout`: a parallel of three branches ([a1 → a2], [b1], [c1]), then j after the fan-in.
 * - `fm-map`: p, then a map over `input.items` (each item one call m), then f.
 * - `fm-limited`: fm-saga under `concurrency: {limit: 2, key: tenant}` over 2 tenants: starts over
 *   the limit are QUEUED and every terminal status must free its slot (no leaked slots).
 *
 * Retries are short (`maxAttempts: 2`) so faults fail a fair share of executions; their interval
 * is 1 s, the minimum, and the bench runs on a virtual clock (`skipDelays`) so they take no time.
 * Compensations retry up to 10 times with a real backoff (1, 2, then 4 s; `realUndoDelays`), as
 * they would in AWS: an undo's attempts spread over half a minute instead of running back to back
 * into the same trouble.
 */

export const SERVICES = ["ledger-a", "ledger-b", "ledger-c"] as const;

/** Step timeout (seconds) of every call and compensation. */
export const STEP_TIMEOUT_SECONDS = 2;

export const MAP_ITEMS = 4;

export interface MatrixWorkflow {
  readonly name: string;
  readonly yaml: string;
  /** Input of the execution numbered `run`. */
  input(run: number): Record<string, unknown>;
  /** Logical effects a successful execution leaves standing (`step` or `step[item]`). */
  readonly expected: readonly string[];
  /** [earlier, later]: when both are undone, `later` must be undone first (reverse completion). */
  readonly order: readonly (readonly [string, string])[];
}

const retry = "retry: { maxAttempts: 2, interval: 1, backoff: 1, jitter: none }";
const undoRetry = "retry: { maxAttempts: 10, interval: 1, backoff: 2, maxDelay: 4, jitter: none }";

/** A call step with its compensation, both naming the same logical effect. */
function callStep(
  id: string,
  service: string,
  indent: string,
  options: { item?: string; dependsOn?: string } = {},
): string {
  const item = options.item ?? "-1";
  const body = `{ exec: "{{ execution.id }}", run: "{{ input.run }}", step: ${id}, item: ${item} }`;
  return [
    `- id: ${id}`,
    ...(options.dependsOn === undefined ? [] : [`  dependsOn: [${options.dependsOn}]`]),
    `  call: ${service} POST /effects`,
    `  with: ${body}`,
    `  ${retry}`,
    `  compensate:`,
    `    call: ${service} POST /undo`,
    `    with: ${body}`,
    `    ${undoRetry}`,
  ]
    .map((line) => indent + line)
    .join("\n");
}

/** fm-limited: executions of one tenant at once, and the tenants its starts spread over. */
export const LIMIT = 2;
export const TENANTS = 2;

const header = (name: string, input: string, extra = ""): string => `workflow: ${name}
${extra}input:
  type: object
  required: [run]
  properties:
    run: { type: integer }
${input}defaults:
  timeout: ${STEP_TIMEOUT_SECONDS}
steps:
`;

const saga: MatrixWorkflow = {
  name: "fm-saga",
  yaml: `${header("fm-saga", "")}${[
    callStep("s1", "ledger-a", "  "),
    callStep("s2", "ledger-b", "  "),
    callStep("s3", "ledger-c", "  "),
  ].join("\n")}\n`,
  input: (run) => ({ run }),
  expected: ["s1", "s2", "s3"],
  order: [
    ["s1", "s2"],
    ["s2", "s3"],
    ["s1", "s3"],
  ],
};

const fanout: MatrixWorkflow = {
  name: "fm-fanout",
  yaml: `${header("fm-fanout", "")}  - id: fan
    parallel:
      -
${callStep("a1", "ledger-a", "        ")}
${callStep("a2", "ledger-b", "        ")}
      -
${callStep("b1", "ledger-b", "        ")}
      -
${callStep("c1", "ledger-c", "        ")}
${callStep("j", "ledger-a", "  ")}
`,
  input: (run) => ({ run }),
  expected: ["a1", "a2", "b1", "c1", "j"],
  order: [["a1", "a2"], ...["a1", "a2", "b1", "c1"].map((branch) => [branch, "j"] as const)],
};

const itemIds = Array.from({ length: MAP_ITEMS }, (_, i) => `m[${i}]`);

const map: MatrixWorkflow = {
  name: "fm-map",
  yaml: `${header("fm-map", "    items: { type: array }\n")}${callStep("p", "ledger-a", "  ")}
  - id: each
    map:
      items: "{{ input.items }}"
      maxConcurrency: ${MAP_ITEMS}
      steps:
${callStep("m", "ledger-b", "        ", { item: '"{{ index }}"' })}
${callStep("f", "ledger-c", "  ")}
`,
  input: (run) => ({ run, items: Array.from({ length: MAP_ITEMS }, (_, i) => ({ n: i })) }),
  expected: ["p", ...itemIds, "f"],
  order: [...itemIds.flatMap((m) => [["p", m] as const, [m, "f"] as const]), ["p", "f"]],
};

const limited: MatrixWorkflow = {
  ...saga,
  name: "fm-limited",
  yaml: `${header(
    "fm-limited",
    "    tenant: { type: string }\n",
    `concurrency: { limit: ${LIMIT}, key: "{{ input.tenant }}" }\n`,
  )}${[
    callStep("s1", "ledger-a", "  "),
    callStep("s2", "ledger-b", "  "),
    callStep("s3", "ledger-c", "  "),
  ].join("\n")}\n`,
  input: (run) => ({ run, tenant: tenantOf(run) }),
};

/** The tenant of execution `run` (fm-limited runs every 4th; consecutive ones alternate). */
export const tenantOf = (run: number): string => `t${Math.floor(run / 4) % TENANTS}`;

export const MATRIX_WORKFLOWS: readonly MatrixWorkflow[] = [saga, fanout, map, limited];

/** `s2`, or `m[3]` for a map item. */
export const logicalId = (step: string, item: number): string =>
  item < 0 ? step : `${step}[${item}]`;
