/**
 * A sample value for a JSON Schema: what the demo banner's curl lines and the web console's start
 * form offer as an execution input. Covers the common keywords (const, examples, default, enum,
 * type, properties, items, minimum, format), enough for the examples' input schemas.
 */
import type { Json, JsonObject } from "./model.ts";

/** A value satisfying the common JSON Schema keywords of the input schema (enough for the demo). */
export function sampleInput(schema: JsonObject | undefined): Json {
  return sample(schema ?? { type: "object" }, "input");
}

function sample(schema: Json, name: string): Json {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return null;
  const s = schema as JsonObject;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0] as Json;
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0] as Json;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "string":
      return s.format === "email"
        ? "demo@example.com"
        : s.format === "date-time"
          ? new Date().toISOString()
          : `${name}-1`;
    case "integer":
    case "number": {
      const min =
        typeof s.minimum === "number"
          ? s.minimum
          : typeof s.exclusiveMinimum === "number"
            ? s.exclusiveMinimum + 1
            : 1;
      return name.toLowerCase().includes("amount") ? Math.max(min, 42) : Math.max(min, 1);
    }
    case "boolean":
      return true;
    case "array":
      return s.items === undefined ? [] : [sample(s.items as Json, name)];
    default: {
      const properties = (
        typeof s.properties === "object" && s.properties !== null ? s.properties : {}
      ) as JsonObject;
      return Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [key, sample(value, key)]),
      );
    }
  }
}
