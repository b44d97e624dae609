/**
 * Reading services.yaml: the document (YAML syntax in plain words, with line and column), its
 * `services` list, and the synchronous check of every entry that the CDK runs at synth before the
 * registry seed is deployed (the seed Lambda and `baton dev` then run the full registration check,
 * DNS included). Kept free of I/O so synth and the handlers share one reading.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { JsonObject } from "../../core/model.ts";
import { plainYamlError } from "../../core/yaml-errors.ts";
import { type FieldError, ValidationError } from "../errors.ts";
import { validateServiceEntry } from "./entry-validation.ts";
import type { UrlPolicy } from "./url-policy.ts";

export interface ServicesDocument {
  /** The `services` list as written (absent: empty). */
  readonly list: readonly unknown[];
  /** Problems of the document itself (unknown top-level keys). */
  readonly errors: readonly FieldError[];
  /** `line L, column C` of a JSON pointer into the document, when it names a node. */
  readonly positionOf: (pointer: string) => string | undefined;
}

/** Parses services.yaml; throws `ValidationError` for syntax errors and a non-list `services`. */
export function readServicesDocument(yamlText: string): ServicesDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(yamlText, { lineCounter });
  // Errors found at the end of the input (an unclosed bracket) point at the last line with text.
  const lastText = Math.max(0, yamlText.trimEnd().length - 1);
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(Math.min(offset, lastText));
    return `line ${line}, column ${col}`;
  };
  if (document.errors.length > 0) {
    throw new ValidationError(
      document.errors.map((error) => ({
        path: "",
        message: `${plainYamlError(error).message} (${at(error.pos[0])})`,
      })),
    );
  }
  const positionOf = (pointer: string): string | undefined => {
    const node = nodeAt(document.contents, pointer);
    return node?.range === undefined || node.range === null ? undefined : at(node.range[0]);
  };
  const root: unknown = document.toJS();
  if (root === null || root === undefined) return { list: [], errors: [], positionOf };
  if (typeof root !== "object" || Array.isArray(root)) {
    throw new ValidationError([{ path: "", message: "must be a mapping with a `services` list" }]);
  }
  const errors: FieldError[] = [];
  for (const key of Object.keys(root)) {
    // `$schema` names the editor schema (schemas/services.schema.json); Baton ignores it.
    if (key !== "services" && key !== "$schema")
      errors.push({
        path: `/${key}`,
        message: `unknown field "${key}"; allowed: services, $schema`,
      });
  }
  const list = (root as { services?: unknown }).services ?? [];
  if (!Array.isArray(list)) {
    throw new ValidationError([...errors, { path: "/services", message: "must be a list" }]);
  }
  return { list, errors, positionOf };
}

/** The node a JSON pointer names, walking maps and sequences; undefined when it names none. */
function nodeAt(root: unknown, pointer: string): Node | undefined {
  let node: unknown = root;
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === segment,
      );
      node = pair?.value ?? pair?.key;
    } else if (isSeq(node)) node = node.items[Number(segment)];
    else return undefined;
  }
  return node as Node | undefined;
}

/** Duplicate `name`s of a services list, each pointing at the first. */
export function duplicateNames(list: readonly unknown[]): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Map<string, number>();
  list.forEach((item, index) => {
    const name: unknown = (item as { name?: unknown } | null | undefined)?.name;
    if (typeof name !== "string") return;
    const first = names.get(name);
    if (first === undefined) names.set(name, index);
    else
      errors.push({
        path: `/services/${index}/name`,
        message: `duplicate service "${name}" (first at /services/${first})`,
      });
  });
  return errors;
}

export interface SeedCheck {
  /** Entries to seed, as written (numbers and booleans kept; defaults applied by the seed). */
  readonly entries: readonly JsonObject[];
  /** Entries the stage's URL policy refuses (loopback or private URLs), with the reason. */
  readonly refused: readonly { readonly name: string; readonly reason: string }[];
  /** Everything else wrong, each with `line L, column C` where the pointer names a node. */
  readonly problems: readonly string[];
}

/**
 * The synth-time check of the registry seed: every entry's shape (as `PUT /services` checks it,
 * without DNS), duplicates, and the stage's URL policy. An entry refused only for its URLs is
 * reported apart: the same file serves `baton dev`, where loopback services are the norm.
 */
export function checkServicesSeed(yamlText: string, policy: UrlPolicy): SeedCheck {
  let document: ServicesDocument;
  try {
    document = readServicesDocument(yamlText);
  } catch (error) {
    if (error instanceof ValidationError)
      return { entries: [], refused: [], problems: error.errors.map(describeFieldError) };
    throw error;
  }
  const problems: string[] = [];
  const where = (error: FieldError): string => {
    const position = document.positionOf(error.path);
    return `${position === undefined ? "" : `${position}: `}${describeFieldError(error)}`;
  };
  for (const error of [...document.errors, ...duplicateNames(document.list)])
    problems.push(where(error));
  const entries: JsonObject[] = [];
  const refused: { name: string; reason: string }[] = [];
  document.list.forEach((item, index) => {
    const shape = validateServiceEntry(item, { policy: { allowPrivate: true } });
    if (!shape.ok) {
      for (const error of shape.errors)
        problems.push(where({ path: `/services/${index}${error.path}`, message: error.message }));
      return;
    }
    const allowed = validateServiceEntry(item, { policy });
    if (!allowed.ok) {
      const reason = allowed.errors.map((e) => `${e.path}: ${e.message}`).join("; ");
      refused.push({ name: shape.value.name, reason });
      return;
    }
    entries.push(item as JsonObject);
  });
  return { entries, refused, problems };
}

const describeFieldError = (error: FieldError): string =>
  `${error.path === "" ? "/" : error.path}: ${error.message}`;
