/** Small helpers for writing JSON Schemas (2020-12) as plain objects. */
import type { Json, JsonObject } from "../model.ts";

export type Schema = JsonObject;

export const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

/** An object with exactly these properties (no others), `required` among them. */
export function closedObject(
  properties: { readonly [key: string]: Schema },
  required: readonly string[] = [],
  extra: Schema = {},
): Schema {
  return {
    type: "object",
    properties,
    ...(required.length > 0 ? { required: [...required] } : {}),
    additionalProperties: false,
    ...extra,
  };
}

export const integer = (minimum: number, maximum: number | undefined, description: string) => ({
  type: "integer",
  minimum,
  ...(maximum === undefined ? {} : { maximum }),
  description,
});

/** A JavaScript RegExp's source as a JSON Schema pattern (both are ECMA-262 regular expressions). */
export const pattern = (regex: RegExp, description: string): Schema => ({
  type: "string",
  pattern: regex.source,
  description,
});

/** A pattern matching `word` in any letter case (ECMA patterns in schemas take no `i` flag). */
export const anyCase = (word: string): string =>
  [...word]
    .map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escapeRegex(c)))
    .join("");

/** Escapes what is special outside a class (not `-`: unicode-mode patterns refuse `\\-`). */
const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Any JSON value (templates are strings anywhere inside it). */
export const anyJson: Schema = {
  description: "Any JSON value; strings may hold {{ templates }}.",
};

export const jsonList = (items: readonly Json[]): Json[] => [...items];
