/**
 * Hand mapping between registry records and DynamoDB attribute values (no marshalling library, to
 * keep bundles small). Readers are lenient: a missing or mistyped attribute yields the fallback.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export type Item = Record<string, AttributeValue>;

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });
export const BOOL = (value: boolean): AttributeValue => ({ BOOL: value });
export const NULL: AttributeValue = { NULL: true };
export const nullableN = (value: number | null): AttributeValue =>
  value === null ? NULL : N(value);
export const nullableS = (value: string | null): AttributeValue =>
  value === null ? NULL : S(value);
export const stringMap = (value: { readonly [key: string]: string }): AttributeValue => ({
  M: Object.fromEntries(Object.entries(value).map(([key, v]) => [key, S(v)])),
});
export const numberMap = (value: { readonly [key: string]: number }): AttributeValue => ({
  M: Object.fromEntries(Object.entries(value).map(([key, v]) => [key, N(v)])),
});

export function readS(item: Item | undefined, key: string, fallback: string): string {
  const value = item?.[key];
  return value !== undefined && "S" in value && value.S !== undefined ? value.S : fallback;
}

export function readNullableS(item: Item | undefined, key: string): string | null {
  const value = item?.[key];
  return value !== undefined && "S" in value && value.S !== undefined ? value.S : null;
}

export function readN(item: Item | undefined, key: string, fallback: number): number {
  return readNullableN(item, key) ?? fallback;
}

export function readNullableN(item: Item | undefined, key: string): number | null {
  const value = item?.[key];
  if (value === undefined || !("N" in value) || value.N === undefined) return null;
  const parsed = Number(value.N);
  return Number.isFinite(parsed) ? parsed : null;
}

export function readBool(item: Item | undefined, key: string, fallback: boolean): boolean {
  const value = item?.[key];
  return value !== undefined && "BOOL" in value && value.BOOL !== undefined ? value.BOOL : fallback;
}

export function readMap(item: Item | undefined, key: string): Item | undefined {
  const value = item?.[key];
  return value !== undefined && "M" in value && value.M !== undefined ? value.M : undefined;
}

export function readStringMap(item: Item | undefined, key: string): Record<string, string> {
  const map = readMap(item, key) ?? {};
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(map)) {
    if ("S" in value && value.S !== undefined) result[name] = value.S;
  }
  return result;
}

export function readNumberList(item: Item | undefined, key: string): number[] {
  const value = item?.[key];
  if (value === undefined || !("L" in value) || value.L === undefined) return [];
  return value.L.flatMap((entry) => {
    const parsed = "N" in entry && entry.N !== undefined ? Number(entry.N) : Number.NaN;
    return Number.isFinite(parsed) ? [parsed] : [];
  });
}
