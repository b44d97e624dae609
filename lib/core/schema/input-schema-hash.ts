/**
 * The digest that ties a precompiled input validator to the schema it was generated from
 * (`input-validator-code.ts`): the API refuses to run validator code whose digest does not match
 * the entry's `inputSchema` (a stale or hand-edited record), instead of checking inputs against
 * the wrong rules. Canonical JSON (sorted keys), because stored records do not keep key order.
 */
import { createHash } from "node:crypto";
import type { Json } from "../model.ts";

export function inputSchemaHash(schema: Json): string {
  return createHash("sha256").update(canonical(schema)).digest("hex");
}

function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const object = value as { readonly [key: string]: Json };
    const keys = Object.keys(object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(object[k] as Json)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
