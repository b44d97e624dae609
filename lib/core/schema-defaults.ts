/**
 * What a workflow's `input` JSON Schema says about a path read by a template: whether every level
 * of it is required, and the `default` it declares. Only `properties`/`required` chains are
 * followed (no `$ref`, combinators or array items): anything else counts as optional.
 */
import type { Json } from "./model.ts";
import type { PathSegment } from "./template.ts";

type Schema = { readonly [key: string]: unknown };

const isSchema = (value: unknown): value is Schema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The schema of the property at `path`, and whether every level up to it is required. */
function walk(
  schema: unknown,
  path: readonly PathSegment[],
): { readonly schema: Schema | undefined; readonly required: boolean } {
  let current: Schema | undefined = isSchema(schema) ? schema : undefined;
  let required = true;
  for (const segment of path) {
    if (current === undefined || typeof segment === "number") {
      return { schema: undefined, required: false };
    }
    const list = current.required;
    const levelRequired = Array.isArray(list) && list.includes(segment);
    const props = current.properties;
    const next = isSchema(props) && isSchema(props[segment]) ? props[segment] : undefined;
    // A level that is not required is still always there when it has a default (applied at start).
    required = required && (levelRequired || (next !== undefined && "default" in next));
    current = next;
  }
  return { schema: current, required };
}

/** Whether the input always holds `path`: every level required or defaulted. */
export function inputAlwaysHas(schema: unknown, path: readonly PathSegment[]): boolean {
  return path.length > 0 && walk(schema, path).required;
}

/** The schema `default` of the property at `path`, if it declares one. */
export function inputDefault(
  schema: unknown,
  path: readonly PathSegment[],
): { readonly value: Json } | undefined {
  const found = walk(schema, path).schema;
  return found !== undefined && "default" in found ? { value: found.default as Json } : undefined;
}
