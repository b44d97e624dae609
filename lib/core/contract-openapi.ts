/**
 * A service's contract: its OpenAPI 3.x document, read as data (never fetched here; the loaders in
 * `lib/runtime/contracts/` read files, inline entries and cached URL copies). What the static check
 * needs from it: each operation by method and path template, its JSON request body schema and the
 * schemas of its 2xx JSON responses, with `$ref`s inside the document resolved and every schema
 * located by a JSON pointer into the document (problems name the schema path).
 */
import type { HttpMethod, Json, JsonObject } from "./model.ts";

/** Methods OpenAPI path items may hold, as Baton spells them. */
const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

/** A schema and where it is in the document (`#/paths/~1charges/post/...`). */
export interface LocatedSchema {
  readonly schema: Json;
  readonly pointer: string;
}

export interface ContractOperation {
  readonly method: HttpMethod;
  /** The path template as the document writes it, e.g. `/charges/{id}`. */
  readonly path: string;
  readonly request?: LocatedSchema;
  /** Whether `requestBody.required` is true. */
  readonly bodyRequired: boolean;
  /** Schemas of the 2xx JSON responses (a field is declared when any of them declares it). */
  readonly responses: readonly LocatedSchema[];
}

export interface ServiceContract {
  readonly service: string;
  /** Where the document came from, as the user wrote it (a file, a URL, `inline`). */
  readonly source: string;
  readonly document: JsonObject;
  readonly operations: readonly ContractOperation[];
}

export type ContractRead =
  | { readonly ok: true; readonly contract: ServiceContract }
  | { readonly ok: false; readonly problem: string };

/** Reads an OpenAPI 3.x document; `problem` says what is wrong with it (not OpenAPI 3, no paths). */
export function readContract(service: string, source: string, document: Json): ContractRead {
  if (!isObject(document)) return fail(`the document is ${describe(document)}, not an object`);
  const version = document.openapi;
  if (typeof version !== "string" || !/^3\.\d+(\.\d+)?/.test(version)) {
    return fail(
      `"openapi" is ${describe(version)}; Baton reads OpenAPI 3.x documents (Swagger 2.0: convert it first)`,
    );
  }
  const paths = document.paths;
  if (paths !== undefined && !isObject(paths)) return fail(`"paths" is ${describe(paths)}`);
  const operations: ContractOperation[] = [];
  for (const [path, rawItem] of Object.entries(paths ?? {})) {
    const itemPointer = `#/paths/${pointerSegment(path)}`;
    const item = resolve(document, rawItem, itemPointer);
    if (!isObject(item.value)) continue;
    for (const method of METHODS) {
      const key = method.toLowerCase();
      const operation = item.value[key];
      if (!isObject(operation)) continue;
      const pointer = `${item.pointer}/${key}`;
      const body = requestBody(document, operation.requestBody, `${pointer}/requestBody`);
      operations.push({
        method,
        path,
        ...(body.schema === undefined ? {} : { request: body.schema }),
        bodyRequired: body.required,
        responses: successResponses(document, operation.responses, `${pointer}/responses`),
      });
    }
  }
  return { ok: true, contract: { service, source, document, operations } };
}

function fail(problem: string): ContractRead {
  return { ok: false, problem };
}

/** Where a call lands in a contract. */
export type RouteMatch =
  | { readonly found: true; readonly operation: ContractOperation }
  | { readonly found: false; readonly reason: "path"; readonly paths: readonly string[] }
  | {
      readonly found: false;
      readonly reason: "method";
      readonly path: string;
      readonly methods: readonly HttpMethod[];
    };

/**
 * Finds the operation for `method` and a call path (templates allowed; a query string is ignored).
 * A `{param}` segment of the document matches any one segment; a segment of the call holding a
 * template matches any one segment too (its value is known only at run time). Literal segments
 * must be equal. When several paths match, one without parameters in that place wins, as OpenAPI
 * says for `/users/me` against `/users/{id}`.
 */
export function matchRoute(
  contract: ServiceContract,
  method: HttpMethod,
  callPath: string,
): RouteMatch {
  const wanted = segments(callPath.split("?")[0] ?? "");
  const byPath = new Map<string, ContractOperation[]>();
  for (const operation of contract.operations) {
    const list = byPath.get(operation.path) ?? [];
    list.push(operation);
    byPath.set(operation.path, list);
  }
  const candidates = [...byPath.keys()]
    .filter((path) => pathMatches(segments(path), wanted))
    .sort((a, b) => paramCount(a) - paramCount(b));
  for (const path of candidates) {
    const operation = byPath.get(path)?.find((o) => o.method === method);
    if (operation !== undefined) return { found: true, operation };
  }
  const [first] = candidates;
  if (first !== undefined) {
    return {
      found: false,
      reason: "method",
      path: first,
      methods: (byPath.get(first) ?? []).map((o) => o.method),
    };
  }
  return { found: false, reason: "path", paths: [...byPath.keys()] };
}

const segments = (path: string): string[] => path.split("/").filter((s) => s !== "");
const isParam = (segment: string): boolean => /^\{[^{}]+\}$/.test(segment);
const paramCount = (path: string): number => segments(path).filter(isParam).length;

function pathMatches(template: readonly string[], call: readonly string[]): boolean {
  if (template.length !== call.length) return false;
  return template.every((segment, i) => {
    const actual = call[i] ?? "";
    return isParam(segment) || actual.includes("{{") || segment === actual;
  });
}

/**
 * Follows `$ref`s inside the document (`#/components/...`); a `$ref` to another document is left
 * as it is (its schema is then unknown to the check). Cycles stop after a few hops.
 */
export function resolve(
  document: JsonObject,
  value: Json | undefined,
  pointer: string,
): { readonly value: Json | undefined; readonly pointer: string } {
  let current = value;
  let at = pointer;
  for (let hops = 0; hops < 16; hops++) {
    if (!isObject(current) || typeof current.$ref !== "string") break;
    const ref = current.$ref;
    if (!ref.startsWith("#/")) break;
    current = get(document, ref.slice(1));
    at = ref;
  }
  return { value: current, pointer: at };
}

/** The value at a JSON pointer (`/paths/~1charges`), or undefined. */
export function get(root: Json, pointer: string): Json | undefined {
  let current: Json | undefined = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(current)) current = current[Number(key)];
    else if (isObject(current) && Object.hasOwn(current, key)) current = current[key];
    else return undefined;
  }
  return current;
}

function requestBody(
  document: JsonObject,
  raw: Json | undefined,
  pointer: string,
): { readonly schema?: LocatedSchema; readonly required: boolean } {
  const body = resolve(document, raw, pointer);
  if (!isObject(body.value)) return { required: false };
  const required = body.value.required === true;
  const schema = jsonSchemaOf(document, body.value.content, `${body.pointer}/content`);
  return { ...(schema === undefined ? {} : { schema }), required };
}

function successResponses(
  document: JsonObject,
  raw: Json | undefined,
  pointer: string,
): LocatedSchema[] {
  if (!isObject(raw)) return [];
  const schemas: LocatedSchema[] = [];
  for (const [status, response] of Object.entries(raw)) {
    if (!/^2(\d\d|XX)$/i.test(status)) continue;
    const resolved = resolve(document, response, `${pointer}/${pointerSegment(status)}`);
    if (!isObject(resolved.value)) continue;
    const schema = jsonSchemaOf(document, resolved.value.content, `${resolved.pointer}/content`);
    if (schema !== undefined) schemas.push(schema);
  }
  return schemas;
}

/** The schema of the JSON media type of a `content` map (`application/json`, `*+json`). */
function jsonSchemaOf(
  document: JsonObject,
  content: Json | undefined,
  pointer: string,
): LocatedSchema | undefined {
  if (!isObject(content)) return undefined;
  const type = Object.keys(content).find((t) => /^application\/([\w.-]+\+)?json\b/i.test(t));
  if (type === undefined) return undefined;
  const media = content[type];
  if (!isObject(media) || media.schema === undefined) return undefined;
  const resolved = resolve(document, media.schema, `${pointer}/${pointerSegment(type)}/schema`);
  return resolved.value === undefined
    ? undefined
    : { schema: resolved.value, pointer: resolved.pointer };
}

/** A JSON pointer segment. */
export const pointerSegment = (segment: string): string =>
  segment.replace(/~/g, "~0").replace(/\//g, "~1");

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `"${value}"`;
  return typeof value === "object" ? "an object" : String(value);
}
