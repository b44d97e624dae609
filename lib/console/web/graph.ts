/**
 * The shape of a workflow for drawing, from its definition as `GET /workflows/{name}` returns it
 * (the YAML as written, parsed): the top-level steps in columns by dependency depth (a step without
 * `dependsOn` runs after the one before it, docs/language.md "Ordering"), and the signals its
 * `await` steps wait for, at any depth. Pure: no DOM.
 */

const KINDS = [
  "call",
  "parallel",
  "map",
  "choice",
  "loop",
  "wait",
  "emit",
  "await",
  "workflow",
  "fail",
  "succeed",
] as const;

export interface GraphStep {
  readonly id: string;
  readonly kind: string;
  readonly dependsOn: readonly string[];
  /** 0 for steps that start with the workflow. */
  readonly column: number;
  /** e.g. `inventory POST /reservations`, `signal approve`. */
  readonly label: string;
}

/** What a step's record says, as far as drawing goes. */
interface StepState {
  readonly id: string;
  readonly status: string;
}

const DONE = ["SUCCEEDED", "SKIPPED"];

/**
 * The `await` steps an active execution is (or is about to be) parked at: not started in the
 * records, every step before them done. The records follow calls and compensations only, so an
 * `await` step reads `PENDING` while it waits; this is what the page shows instead.
 */
export function waitingAwaits(
  nodes: readonly GraphStep[],
  steps: readonly StepState[],
  executionStatus: string,
): Set<string> {
  if (executionStatus !== "RUNNING" && executionStatus !== "PAUSED") return new Set();
  const status = (id: string) => steps.find((s) => s.id === id)?.status ?? "PENDING";
  return new Set(
    nodes
      .filter((n) => n.kind === "await" && status(n.id) === "PENDING")
      .filter((n) => n.dependsOn.every((d) => DONE.includes(status(d))))
      .map((n) => n.id),
  );
}

type Obj = { readonly [key: string]: unknown };
const isObj = (value: unknown): value is Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function workflowGraph(definition: unknown): GraphStep[] {
  const steps = isObj(definition) && Array.isArray(definition.steps) ? definition.steps : [];
  const raw = steps.filter(isObj).map((step, index, all) => {
    const id = typeof step.id === "string" ? step.id : `#${index + 1}`;
    const previous = index > 0 ? all[index - 1]?.id : undefined;
    const dependsOn = Array.isArray(step.dependsOn)
      ? step.dependsOn.filter((d): d is string => typeof d === "string")
      : typeof previous === "string"
        ? [previous]
        : [];
    return { id, kind: kindOf(step), dependsOn, label: labelOf(step) };
  });
  const columns = new Map<string, number>();
  const column = (id: string, seen: ReadonlySet<string>): number => {
    const known = columns.get(id);
    if (known !== undefined) return known;
    const step = raw.find((s) => s.id === id);
    if (step === undefined || seen.has(id)) return 0;
    const next = new Set(seen).add(id);
    const value = Math.max(-1, ...step.dependsOn.map((d) => column(d, next))) + 1;
    columns.set(id, value);
    return value;
  };
  return raw.map((s) => ({ ...s, column: column(s.id, new Set()) }));
}

function kindOf(step: Obj): string {
  return KINDS.find((kind) => step[kind] !== undefined) ?? "step";
}

function labelOf(step: Obj): string {
  const value = step[kindOf(step)];
  if (typeof value === "string") return value;
  if (!isObj(value)) return "";
  if (typeof value.service === "string")
    return `${value.service} ${String(value.method ?? "")} ${String(value.path ?? "")}`.trim();
  if (typeof value.signal === "string") return `signal ${value.signal}`;
  if (typeof value.name === "string") return value.name;
  if (typeof value.seconds === "number") return `${value.seconds} s`;
  if (typeof value.detailType === "string") return value.detailType;
  if (typeof value.error === "string") return value.error;
  return "";
}

/** Every signal an `await` step of the definition waits for, nested steps included. */
export function awaitedSignals(definition: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isObj(value)) return;
    const awaited = value.await;
    if (isObj(awaited) && typeof awaited.signal === "string") found.add(awaited.signal);
    for (const child of Object.values(value)) visit(child);
  };
  visit(isObj(definition) ? definition.steps : undefined);
  return [...found].sort();
}
