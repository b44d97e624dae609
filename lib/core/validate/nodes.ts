/** The intermediate tree the step reader builds and the reference checks walk. */
import type { Condition } from "../condition.ts";
import type { CallStep, Json, Step, StepKind } from "../model.ts";
import type { Defaults } from "./call.ts";
import type { OnErrorNode } from "./on-error.ts";
import type { Report } from "./problem-report.ts";

/**
 * Where a template is evaluated: `compensate` may read its own step and `error`; `until` is a
 * loop's condition, evaluated after each iteration over that iteration's results.
 */
export type Area = "step" | "compensate";

export type Site =
  | { readonly kind: "value"; readonly pointer: string; readonly value: Json; readonly area: Area }
  | {
      readonly kind: "when";
      readonly pointer: string;
      readonly condition: Condition;
      /** A loop's `until`: it reads the loop body's steps (the iteration just finished). */
      readonly until?: boolean;
    };

/** The fields every step shares, as the normalized model has them. */
export type StepBase = Pick<
  CallStep,
  "id" | "description" | "dependsOn" | "explicitDependsOn" | "when" | "pointer" | "onError"
>;

export interface Dependency {
  readonly id: string;
  /** Pointer of the entry in `dependsOn`. */
  readonly pointer: string;
}

export interface StepList {
  readonly pointer: string;
  readonly nodes: readonly StepNode[];
}

export interface StepNode {
  /** Present when valid. */
  readonly id: string | undefined;
  readonly pointer: string;
  readonly kind: StepKind | undefined;
  /** As written (deduplicated); undefined means "after the previous step". */
  readonly dependsOn: readonly Dependency[] | undefined;
  readonly sites: readonly Site[];
  readonly children: readonly StepList[];
  /**
   * Parallel steps and loops: the steps inside are readable by the step's dependents (a loop's
   * read the last iteration).
   */
  readonly exportsChildren: boolean;
  /** Whether the children are a loop body (`iteration` is bound inside). */
  readonly loop?: boolean;
  /** `onError` other than `fail`, with its fallback list. */
  readonly onError?: OnErrorNode;
  /** Builds the normalized step; absent when the step's own fields had errors. */
  readonly make: ((base: StepBase, lists: readonly (readonly Step[])[]) => Step) | undefined;
}

export interface StepContext {
  readonly report: Report;
  readonly defaults: Defaults;
  readonly strict: boolean;
  readonly express: boolean;
  /** Reads a nested list of steps (passed in to keep the modules free of import cycles). */
  readonly readList: (value: unknown, pointer: string, allowEmpty?: boolean) => StepList;
}

/** What a kind reader returns; the common fields are added by the step reader. */
export interface KindResult {
  readonly sites: readonly Site[];
  readonly children?: readonly StepList[];
  readonly exportsChildren?: boolean;
  readonly loop?: boolean;
  readonly make: ((base: StepBase, lists: readonly (readonly Step[])[]) => Step) | undefined;
}
