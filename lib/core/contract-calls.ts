/**
 * The calls of a deployed workflow's definition, for checking it against a refreshed contract
 * where only the definition as written is at hand (the API's catalogue entry). The definition
 * validated before it was deployed, so this reads it without the whole validator and compiler
 * (they would triple the API's bundle): every object with an `id` and a `call`, wherever it is
 * nested, is a call step, read with the validator's own call readers.
 */
import { isObject } from "./contract-openapi.ts";
import type { CallStep, Json, JsonObject, Workflow } from "./model.ts";
import { readCall, readCompensation } from "./validate/call.ts";
import { Report } from "./validate/problem-report.ts";

/** A workflow holding only the definition's call steps (what `checkContracts` reads). */
export function callsOnly(name: string, version: number, definition: Json): Workflow {
  const steps: CallStep[] = [];
  visit(definition, "", steps);
  const input = isObject(definition) && isObject(definition.input) ? definition.input : undefined;
  return {
    name,
    version,
    type: "standard",
    triggers: [],
    steps,
    ...(input === undefined ? {} : { input: input as JsonObject }),
  } as Workflow;
}

function visit(value: Json, pointer: string, out: CallStep[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      visit(item, `${pointer}/${i}`, out);
    });
    return;
  }
  if (!isObject(value)) return;
  if (typeof value.id === "string" && value.call !== undefined) {
    const step = readStep(value, pointer);
    if (step !== undefined) out.push(step);
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === "call" || key === "compensate" || key === "with") continue;
    visit(item, `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`, out);
  }
}

function readStep(value: JsonObject, pointer: string): CallStep | undefined {
  const report = new Report(); // validated before deploy: problems here are ignored
  const body =
    value.with === undefined ? undefined : { value: value.with, pointer: `${pointer}/with` };
  const call = readCall(report, value.call, `${pointer}/call`, body);
  if (call === undefined) return undefined;
  const defaults = { timeout: 30, retry: {} };
  const compensate =
    value.compensate === undefined
      ? undefined
      : readCompensation(report, value.compensate, `${pointer}/compensate`, defaults);
  return {
    kind: "call",
    id: String(value.id),
    pointer,
    dependsOn: [],
    explicitDependsOn: false,
    call: body === undefined ? call : { ...call, body: value.with as Json },
    timeout: 30,
    retry: null,
    idempotent: value.idempotent === true,
    ...(compensate === undefined ? {} : { compensate }),
    ...(typeof value.select === "string" ? { select: value.select } : {}),
  } as CallStep;
}
