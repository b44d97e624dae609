/**
 * Reads a workflow file (YAML or JSON, since JSON is YAML) into a plain value, keeping the line of
 * every node so problems can point at `file:line`. Duplicate keys are errors; anchors and aliases
 * are allowed; merge keys (`<<`) are off, so they surface as unknown fields.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import { LIMITS } from "./limits.ts";
import type { Problem } from "./problems.ts";
import { escapePointer } from "./template.ts";
import { plainYamlError } from "./yaml-errors.ts";

export interface ParsedSource {
  readonly value: unknown;
  readonly problems: Problem[];
  /** 1-based line of the node at a JSON pointer, or of its nearest ancestor that exists. */
  lineOf(pointer: string): number | undefined;
}

/** `_fileName` is accepted for symmetry with the loaders; messages carry lines, not names. */
export function parseSource(text: string, _fileName: string): ParsedSource {
  const counter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: counter,
    merge: false,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const lineAt = (offset: number): number => counter.linePos(offset).line;
  const columnAt = (offset: number): number => counter.linePos(offset).col;
  // Errors found at the end of the input (unclosed quotes) point at the last line with content.
  const lastContent = Math.max(0, text.trimEnd().length - 1);
  // After a syntax error the parser's later errors are mostly consequences: keep the first.
  const firstSyntax = doc.errors.find((e) => e.code !== "DUPLICATE_KEY");
  const errors = doc.errors.filter((e) => e.code === "DUPLICATE_KEY" || e === firstSyntax);
  const problems: Problem[] = errors.map((e) => {
    const offset = Math.min(e.pos[0], lastContent);
    const line = lineAt(offset);
    if (e.code === "DUPLICATE_KEY") {
      return {
        code: "E_DUPLICATE_KEY",
        severity: "error",
        path: "",
        message: "a key appears twice in the same mapping",
        line,
      };
    }
    // The YAML parser recurses per level and reports running out of stack as a syntax error.
    if (e.message.includes("Maximum call stack size exceeded")) {
      return {
        code: "E_TOO_DEEP",
        severity: "error",
        path: "",
        message: `the file nests mappings and lists too deeply to read (more than ${LIMITS.definitionDepth} levels are refused)`,
        hint: "flatten the data; pass deep structures as execution input instead",
        line,
      };
    }
    const plain = plainYamlError(e);
    return {
      code: "E_YAML",
      severity: "error",
      path: "",
      message: plain.message,
      ...(plain.hint === undefined ? {} : { hint: plain.hint }),
      line,
      column: columnAt(offset),
    };
  });
  const lines = new Map<string, number>();
  indexLines(doc.contents, "", { lines, lineAt, text, problems });
  const value = problems.some((p) => p.code === "E_YAML" || p.code === "E_TOO_DEEP")
    ? undefined
    : toValue(doc, problems);
  return {
    value,
    problems,
    lineOf(pointer: string): number | undefined {
      for (let p = pointer; ; p = p.slice(0, p.lastIndexOf("/"))) {
        const line = lines.get(p);
        if (line !== undefined || p === "") return line;
      }
    },
  };
}

interface Indexing {
  readonly lines: Map<string, number>;
  readonly lineAt: (offset: number) => number;
  readonly text: string;
  readonly problems: Problem[];
}

/**
 * Records the line of every node by JSON pointer (a mapping entry takes its key's line) and reports
 * keys that are collections, which is what an unquoted `{{ template }}` becomes in YAML.
 */
function indexLines(node: unknown, pointer: string, ix: Indexing): void {
  if (!isNodeLike(node)) return;
  if (node.range && !ix.lines.has(pointer)) ix.lines.set(pointer, ix.lineAt(node.range[0]));
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      if (isMap(pair.key) || isSeq(pair.key)) {
        reportCollectionKey(node, pointer, ix);
        continue;
      }
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const child = `${pointer}/${escapePointer(key)}`;
      const keyRange = isNodeLike(pair.key) ? pair.key.range : undefined;
      if (keyRange) ix.lines.set(child, ix.lineAt(keyRange[0]));
      indexLines(pair.value, child, ix);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      indexLines(item, `${pointer}/${i}`, ix);
    });
  }
}

function reportCollectionKey(node: Node, pointer: string, ix: Indexing): void {
  const range = node.range ?? [0, 0];
  const source = ix.text.slice(range[0], range[1]).trim();
  const template = /^\{\{.*\}\}$/s.test(source);
  ix.problems.push({
    code: "E_YAML",
    severity: "error",
    path: pointer,
    message: template
      ? `YAML reads the unquoted template ${source} as a mapping`
      : `a mapping key is itself a list or mapping: ${source}`,
    ...(template ? { hint: `quote it: "${source}"` } : {}),
    line: ix.lineAt(range[0]),
  });
}

const isNodeLike = (value: unknown): value is Node =>
  isMap(value) || isSeq(value) || isScalar(value) || isAlias(value);

/** `toJS` throws on alias abuse (too many expansions): report it instead of crashing. */
function toValue(doc: ReturnType<typeof parseDocument>, problems: Problem[]): unknown {
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problems.push({
      code: "E_YAML",
      severity: "error",
      path: "",
      message: `YAML error: ${message}`,
      line: 1,
    });
    return undefined;
  }
}
