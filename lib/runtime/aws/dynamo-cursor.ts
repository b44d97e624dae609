/**
 * Opaque pagination cursors: base64url JSON of a DynamoDB key with string attributes only. A cursor
 * is checked on the way back in (shape and the partition it belongs to) so a forged or foreign one
 * is a 400, never a DynamoDB error.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { InvalidCursorError } from "../records/execution-store.ts";

export function encodeCursor(key: Record<string, AttributeValue> | undefined): string | undefined {
  if (key === undefined) return undefined;
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(key)) {
    if (value.S === undefined) return undefined;
    plain[name] = value.S;
  }
  return Buffer.from(JSON.stringify(plain), "utf8").toString("base64url");
}

/**
 * Decodes a cursor into an ExclusiveStartKey with exactly `attributes`; `check` vets the values
 * (e.g. that the partition is the one being listed).
 */
export function decodeCursor(
  cursor: string,
  attributes: readonly string[],
  check: (key: Readonly<Record<string, string>>) => boolean,
): Record<string, AttributeValue> {
  const invalid = (): InvalidCursorError =>
    new InvalidCursorError("The cursor is not one this listing returned; start again without it.");
  if (cursor.length === 0 || cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor))
    throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length !== attributes.length) throw invalid();
  const plain: Record<string, string> = {};
  for (const name of attributes) {
    const value = (parsed as Record<string, unknown>)[name];
    if (typeof value !== "string" || value.length === 0) throw invalid();
    plain[name] = value;
  }
  if (!check(plain)) throw invalid();
  return Object.fromEntries(Object.entries(plain).map(([name, value]) => [name, { S: value }]));
}
