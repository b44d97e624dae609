/**
 * Size and depth limits on what Baton accepts, so bad input is refused with a clear error instead
 * of exhausting the stack or memory of whatever reads it next (the API, the journal of `baton dev`,
 * the validator, compiler and analyses). Each limit is far above what real workflows and requests
 * need; the README lists them.
 */
import { escapePointer } from "./template.ts";

export const LIMITS = {
  /** Step Functions' maximum state machine definition, in bytes (after ARN substitution). */
  definitionBytes: 1_048_576,
  /**
   * Bytes assumed for each `${Placeholder}` once CDK substitutes it: the longest ARN a Lambda
   * function or state machine gets (`arn:aws-us-gov:states:…:stateMachine:` + an 80-character name).
   */
  substitutedArnBytes: 140,
  /** Nesting of a workflow file (mappings and lists inside each other). */
  definitionDepth: 128,
  /** Steps inside steps (parallel branches, choice cases, map bodies inside each other). */
  stepNesting: 24,
  /** Nesting of a JSON request body (objects and arrays inside each other). */
  bodyDepth: 64,
} as const;

/**
 * The nesting depth of JSON text (`1` for `[]` or `{}`, `0` for a scalar), counted without parsing
 * and without recursion, so it is safe on any input. Counting stops once `limit` is exceeded.
 * Brackets inside strings do not count; invalid JSON is the parser's to report.
 */
export function jsonTextDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

/** Where a value first nests deeper than a limit: the JSON pointer of the first container too deep. */
export function tooDeepAt(value: unknown, limit: number): string | undefined {
  const pending: { value: unknown; pointer: string; depth: number }[] = [
    { value, pointer: "", depth: 0 },
  ];
  while (pending.length > 0) {
    const node = pending.pop() as { value: unknown; pointer: string; depth: number };
    if (typeof node.value !== "object" || node.value === null) continue;
    const depth = node.depth + 1;
    if (depth > limit) return node.pointer;
    const entries = Array.isArray(node.value)
      ? node.value.map((v, i) => [String(i), v] as const)
      : Object.entries(node.value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as readonly [string, unknown];
      pending.push({ value: child, pointer: `${node.pointer}/${escapePointer(key)}`, depth });
    }
  }
  return undefined;
}

/** The size Step Functions sees for a compiled definition once placeholders become ARNs. */
export function deployedDefinitionBytes(aslText: string): number {
  const placeholders = aslText.match(/\$\{[A-Za-z0-9_]+\}/g) ?? [];
  const placeholderBytes = placeholders.reduce((total, p) => total + p.length, 0);
  return (
    Buffer.byteLength(aslText) - placeholderBytes + placeholders.length * LIMITS.substitutedArnBytes
  );
}
