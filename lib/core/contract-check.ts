/**
 * The static check of a workflow against its services' contracts (OpenAPI documents, see
 * `contract-openapi.ts`). Baton knows every call before it runs (service, method, path, body), so:
 * - `E_CONTRACT_ROUTE`: a call or compensation whose path or method the service does not have;
 * - `E_CONTRACT_BODY`: a body whose literal parts, or templates of known type, violate the
 *   operation's request schema (the message names the schema path), or a missing required body;
 * - `W_CONTRACT_FIELD`: a template or condition reading `steps.<id>.body.<field>` of a call whose
 *   2xx response schemas do not declare that field.
 * Services without a contract are not checked. Pure: the documents are data.
 */
import { conditionRefs, parseCondition } from "./condition.ts";
import {
  type ContractOperation,
  get,
  isObject,
  matchRoute,
  pointerSegment,
  type ServiceContract,
} from "./contract-openapi.ts";
import {
  checkValue,
  type JsonType,
  lookupPath,
  singleType,
  typeOfLiteral,
} from "./contract-schema.ts";
import {
  allSteps,
  type CallSpec,
  type CallStep,
  type Json,
  type JsonObject,
  type Workflow,
} from "./model.ts";
import type { Problem } from "./problems.ts";
import { parseTemplate, type TemplateRef } from "./template.ts";
import { didYouMean } from "./validate/problem-report.ts";

/** The contracts a check may use, by service name. */
export type ContractSet = ReadonlyMap<string, ServiceContract>;

interface Resolved {
  readonly contract: ServiceContract;
  readonly operation: ContractOperation;
  readonly select?: string;
}

/**
 * Every contract problem of one workflow. `source` is the document as written: problems point at
 * the field that holds what is wrong (`/steps/1/with/amount`), so they get the line of that field.
 */
export function checkContracts(
  workflow: Workflow,
  source: Json,
  contracts: ContractSet,
): Problem[] {
  if (contracts.size === 0) return [];
  const problems: Problem[] = [];
  const resolved = new Map<string, Resolved>();
  const calls = [...allSteps(workflow.steps)].filter((s): s is CallStep => s.kind === "call");
  for (const step of calls) {
    const forward = checkCall(step.call, step.pointer, source, contracts, problems);
    if (forward !== undefined)
      resolved.set(step.id, {
        ...forward,
        ...(step.select === undefined ? {} : { select: step.select }),
      });
    if (step.compensate !== undefined) {
      checkCall(step.compensate.call, `${step.pointer}/compensate`, source, contracts, problems);
    }
  }
  const typeOf = templateTyper(workflow, resolved);
  for (const step of calls) {
    for (const [call, base] of [
      [step.call, step.pointer],
      ...(step.compensate ? [[step.compensate.call, `${step.pointer}/compensate`] as const] : []),
    ] as const) {
      const target = resolveCall(call, contracts);
      if (target === undefined) continue;
      checkBody(call, base, source, target, typeOf, problems);
    }
  }
  checkFieldReads(source, resolved, problems);
  return problems;
}

function resolveCall(
  call: CallSpec,
  contracts: ContractSet,
): { contract: ServiceContract; operation: ContractOperation } | undefined {
  const contract = contracts.get(call.service);
  if (contract === undefined) return undefined;
  const match = matchRoute(contract, call.method, call.path);
  return match.found ? { contract, operation: match.operation } : undefined;
}

function checkCall(
  call: CallSpec,
  base: string,
  source: Json,
  contracts: ContractSet,
  problems: Problem[],
): { contract: ServiceContract; operation: ContractOperation } | undefined {
  const contract = contracts.get(call.service);
  if (contract === undefined) return undefined;
  const match = matchRoute(contract, call.method, call.path);
  if (match.found) return { contract, operation: match.operation };
  const where = `${call.service} ${call.method} ${call.path}`;
  const pointer = pointerOf(source, `${base}/call`, ["/path", ""]);
  if (match.reason === "method") {
    problems.push({
      code: "E_CONTRACT_ROUTE",
      severity: "error",
      path: pointer,
      message: `${where}: ${match.path} has no ${call.method} operation in the ${call.service} contract (${contract.source}); it has ${match.methods.join(", ")}`,
      hint: `use one of ${match.methods.map((m) => `${m} ${match.path}`).join(", ")}, or add the operation to the contract`,
    });
  } else {
    const suggestion = didYouMean(call.path.split("?")[0] ?? "", match.paths);
    problems.push({
      code: "E_CONTRACT_ROUTE",
      severity: "error",
      path: pointer,
      message: `${where}: no path of the ${call.service} contract (${contract.source}) matches ${call.path}`,
      hint:
        suggestion ??
        (match.paths.length > 0
          ? `its paths: ${match.paths.slice(0, 8).join(", ")}${match.paths.length > 8 ? ", …" : ""}`
          : "the contract has no paths"),
    });
  }
  return undefined;
}

function checkBody(
  call: CallSpec,
  base: string,
  source: Json,
  target: { contract: ServiceContract; operation: ContractOperation },
  typeOf: (text: string) => JsonType | undefined,
  problems: Problem[],
): void {
  const { contract, operation } = target;
  const where = `${call.service} ${call.method} ${call.path}`;
  const bodyPointer =
    get(source, `${base}/with`) !== undefined ? `${base}/with` : `${base}/call/body`;
  if (call.body === undefined) {
    if (operation.bodyRequired) {
      problems.push({
        code: "E_CONTRACT_BODY",
        severity: "error",
        path: pointerOf(source, `${base}/call`, [""]),
        message: `${where}: the ${call.service} contract requires a request body and the call sends none`,
        hint: `add \`with:\` (or \`body:\`); the schema is ${operation.request?.pointer ?? "in the contract"}`,
      });
    }
    return;
  }
  if (operation.request === undefined) return;
  const found = checkValue(
    contract.document,
    call.body,
    operation.request.schema,
    operation.request.pointer,
    typeOf,
  );
  for (const problem of found) {
    problems.push({
      code: "E_CONTRACT_BODY",
      severity: "error",
      path: nearest(source, `${bodyPointer}${problem.instance}`, bodyPointer),
      message: `${where}: body${problem.instance === "" ? "" : ` ${problem.instance}`} ${problem.message} (schema ${problem.schema} in ${contract.source})`,
      hint: "fix the body, or the contract if the service accepts it",
    });
  }
}

/**
 * `W_CONTRACT_FIELD` for every template and condition that reads past `steps.<id>.body` of a call
 * with a contract, anywhere in the file (steps, compensations, output).
 */
function checkFieldReads(
  source: Json,
  resolved: ReadonlyMap<string, Resolved>,
  problems: Problem[],
): void {
  if (resolved.size === 0 || !isObject(source)) return;
  const reported = new Set<string>();
  for (const root of ["steps", "output"]) {
    const value = source[root];
    if (value === undefined) continue;
    for (const [pointer, text] of textsIn(value, `/${root}`)) {
      const condition = pointer.endsWith("/when");
      for (const ref of refsIn(pointer, text)) {
        const problem = fieldProblem(ref, resolved, condition);
        if (problem === undefined) continue;
        const key = `${pointer}|${ref.source}`;
        if (reported.has(key)) continue;
        reported.add(key);
        problems.push({ ...problem, path: pointer });
      }
    }
  }
}

/** Every string in a value with its pointer (templates and `when` conditions alike). */
function* textsIn(value: Json, pointer: string): Generator<[string, string]> {
  if (typeof value === "string") yield [pointer, value];
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* textsIn(item, `${pointer}/${i}`);
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value))
      yield* textsIn(item, `${pointer}/${pointerSegment(key)}`);
  }
}

function refsIn(pointer: string, text: string): TemplateRef[] {
  if (pointer.endsWith("/when")) {
    const parsed = parseCondition(text);
    return "condition" in parsed ? conditionRefs(parsed.condition) : [];
  }
  if (!text.includes("{{")) return [];
  const parsed = parseTemplate(text);
  return "parts" in parsed ? parsed.parts.flatMap((p) => ("ref" in p ? [p.ref] : [])) : [];
}

function fieldProblem(
  ref: TemplateRef,
  resolved: ReadonlyMap<string, Resolved>,
  condition: boolean,
): Omit<Problem, "path"> | undefined {
  // A read with a `??` default expects the field may be absent.
  if (ref.root !== "steps" || ref.fallback !== undefined) return undefined;
  const [id, part, ...rest] = ref.path;
  const target = resolved.get(String(id));
  if (target === undefined || part !== "body" || rest.length === 0) return undefined;
  const { contract, operation } = target;
  if (operation.responses.length === 0) return undefined;
  const path = bodyPath(target.select, rest);
  if (path === undefined) return undefined;
  const lookups = operation.responses.map((r) =>
    lookupPath(contract.document, r.schema, r.pointer, path),
  );
  if (lookups.some((l) => l.kind !== "undeclared")) return undefined;
  const first = lookups[0];
  if (first?.kind !== "undeclared") return undefined;
  return {
    code: "W_CONTRACT_FIELD",
    severity: "warning",
    message: `${condition ? `condition reading ${ref.source}` : `{{ ${ref.source} }}`} reads "${first.field}", which the 2xx responses of ${contract.service} ${operation.method} ${operation.path} do not declare (schema ${first.pointer} in ${contract.source})`,
    hint: condition
      ? "a field the service does not promise may be absent, and the condition is then false; check the name, or add it to the contract"
      : "a field the service does not promise may be absent: the step reading it then fails with Baton.TemplateError; check the name, or add it to the contract",
  };
}

/** The path inside the response body a `steps.<id>.body.<rest>` read follows, given `select`. */
function bodyPath(select: string | undefined, rest: readonly (string | number)[]) {
  if (select === undefined) return rest;
  // `select: body.items` makes `steps.<id>.body` the response's `body.items`.
  const parsed = parseTemplate(`{{ steps.x.${select} }}`);
  if (!("parts" in parsed)) return undefined;
  const [only] = parsed.parts;
  if (!only || !("ref" in only)) return undefined;
  const [, head, ...selected] = only.ref.path;
  return head === "body" ? [...selected, ...rest] : undefined;
}

/** The type each template in a body will have, where the workflow's schemas say. */
function templateTyper(
  workflow: Workflow,
  resolved: ReadonlyMap<string, Resolved>,
): (text: string) => JsonType | undefined {
  const inputSchema = isObject(workflow.input) ? (workflow.input as JsonObject) : undefined;
  return (text) => {
    const parsed = parseTemplate(text);
    if (!("parts" in parsed)) return undefined;
    const [only] = parsed.parts;
    if (parsed.parts.length !== 1 || only === undefined || !("ref" in only)) return "string";
    const type = refType(only.ref, inputSchema, resolved);
    if (only.ref.fallback === undefined || type === undefined) return type;
    const fallback = typeOfLiteral(only.ref.fallback.value);
    return fallback === type || (fallback === "integer" && type === "number") ? type : undefined;
  };
}

function refType(
  ref: TemplateRef,
  inputSchema: JsonObject | undefined,
  resolved: ReadonlyMap<string, Resolved>,
): JsonType | undefined {
  switch (ref.root) {
    case "input": {
      if (inputSchema === undefined) return undefined;
      const found = lookupPath(inputSchema, inputSchema, "#", ref.path);
      return found.kind === "declared" ? singleType(found.schema) : undefined;
    }
    case "steps": {
      const [id, part, ...rest] = ref.path;
      const target = resolved.get(String(id));
      if (target === undefined) return undefined;
      if (part === "status") return rest.length === 0 ? "integer" : undefined;
      const path = part === "body" ? bodyPath(target.select, rest) : undefined;
      if (path === undefined) return undefined;
      const types = target.operation.responses.map((r) => {
        const found = lookupPath(target.contract.document, r.schema, r.pointer, path);
        return found.kind === "declared" ? singleType(found.schema) : undefined;
      });
      const [first] = types;
      return types.every((t) => t !== undefined && t === first) ? first : undefined;
    }
    case "index":
      return "integer";
    case "execution":
      return "string";
    case "workflow":
      return ref.path[0] === "version" ? "integer" : "string";
    default:
      return undefined;
  }
}

/** The first of `base + suffix` that exists in the source, else `base`. */
function pointerOf(source: Json, base: string, suffixes: readonly string[]): string {
  for (const suffix of suffixes)
    if (get(source, `${base}${suffix}`) !== undefined) return `${base}${suffix}`;
  return base;
}

/** The deepest existing pointer on the way to `pointer` (a missing field points at its object). */
function nearest(source: Json, pointer: string, floor: string): string {
  let at = pointer;
  while (at.length > floor.length && get(source, at) === undefined) {
    at = at.slice(0, at.lastIndexOf("/"));
  }
  return at;
}
