/**
 * Keys that name one effect of an execution, the same in AWS and `baton dev` because they are built
 * only from the Task payload the compiled ASL sends (never from attempt numbers or the name of a
 * redrive or compensation run, which carry the original execution id).
 */

/** What identifies one call: the execution, the step, the map item it runs in, and its mode. */
export interface EffectRef {
  readonly executionId: string;
  readonly stepId: string;
  /** `<mapId>[<index>]`, joined by `.` through nested maps; absent outside maps. */
  readonly itemPath?: string | undefined;
  readonly mode: "call" | "compensate";
}

/**
 * The `Idempotency-Key` of a call: `<execution>:<step>` at the top level,
 * `<execution>:<mapId>[<i>].<step>` in a map item, and `:undo` appended for the compensation.
 * Every attempt of one call, in every redrive, sends the same key.
 */
export function idempotencyKey(ref: EffectRef): string {
  const item = ref.itemPath === undefined || ref.itemPath === "" ? "" : `${ref.itemPath}.`;
  return `${ref.executionId}:${item}${ref.stepId}${ref.mode === "compensate" ? ":undo" : ""}`;
}

const ITEM_INDEX = /\[(\d+)\]/g;
/** An item address as the signals API takes it: indices joined by `.` (`2`, `0.1`). */
export const ITEM_ADDRESS = /^\d{1,9}(\.\d{1,9}){0,31}$/;

/**
 * The address of a map item in the signals API: its indices through every enclosing map, joined
 * by `.` (`lines[2]` → `2`, `orders[0].lines[1]` → `0.1`); undefined outside maps.
 */
export function itemAddress(itemPath: string | undefined): string | undefined {
  if (itemPath === undefined || itemPath === "") return undefined;
  return [...itemPath.matchAll(ITEM_INDEX)].map((match) => match[1]).join(".");
}

/**
 * The waiter an `await` parks under: the signal name, plus `#<item address>` inside a map, so each
 * item waits on its own (`approve#2`). Signal names cannot contain `#` (the validator's pattern),
 * so the two kinds never collide.
 */
export const waiterKey = (signal: string, address?: string): string =>
  address === undefined ? signal : `${signal}#${address}`;
