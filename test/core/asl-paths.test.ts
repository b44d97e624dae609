/**
 * No JSONPath Baton emits can raise the uncatchable States.Runtime: every read of a possibly
 * absent location is proven present first (see test/support/asl-paths.ts for the rules).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StateMachineDefinition } from "../../lib/core/asl.ts";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { caughtFailureReads, unsafeReads } from "../support/asl-paths.ts";
import { workflowFromYaml } from "../support/load-yaml.ts";

const ROOT = join(import.meta.dirname, "..", "..");

function compileYaml(text: string, file = "inline.yaml"): StateMachineDefinition {
  return compileWorkflow(workflowFromYaml(text, file));
}

/** Every step kind, reading templates from everywhere they are allowed, nested three deep. */
const EVERYTHING = `
workflow: everything
input: { type: object, properties: { lines: { type: array }, at: { type: string } } }
steps:
  - id: first
    call: svc POST /a/{{ input.id }}?x={{ input.q ?? 'q' }}
    with: { id: "{{ input.id }}", all: "{{ input }}", both: "{{ input.a }}-{{ input.b ?? 1 }}", list: ["{{ input.x }}", 1] }
    select: body.items
    compensate: { call: "svc DELETE /a/{{ steps.first.body.id }}", with: { why: "{{ error.message }}", step: "{{ error.step }}" } }
  - id: pick
    when: steps.first.body.ok == true and input.n > 2
    choice:
      cases:
        - when: "exists input.vip"
          steps: [ { id: vip, call: "svc POST /vip/{{ steps.first.body.id }}", compensate: "svc DELETE /vip/{{ steps.vip.body.id }}" } ]
      otherwise: [ { id: normal, call: svc POST /normal, idempotent: true } ]
  - id: fan
    parallel:
      - - id: left
          call: svc POST /left
          with: { from: "{{ steps.first.body.id }}", at: "{{ execution.startedAt }}" }
          compensate: { call: svc DELETE /left, with: { id: "{{ steps.left.body.id }}" } }
      - - id: right
          map:
            items: "{{ steps.first.body.lines }}"
            steps:
              - id: line
                call: "svc POST /lines/{{ item.sku }}"
                with: { index: "{{ index }}", outer: "{{ steps.first.body.id }}", w: "{{ workflow.name }}" }
                compensate: { call: "svc DELETE /lines/{{ steps.line.body.id ?? 'none' }}" }
              - id: nested
                map: { items: "{{ item.parts }}", steps: [ { id: part, call: "svc POST /parts/{{ item }}", compensate: svc DELETE /parts } ] }
  - id: pause
    wait: { until: "{{ input.at }}" }
  - id: pause_default
    wait: { until: "{{ input.at2 ?? '2030-01-01T00:00:00Z' }}" }
  - id: tell
    emit: { detailType: "Told {{ input.kind ?? 'x' }}", detail: { id: "{{ steps.first.body.id }}", c: "{{ input.c ?? null }}" } }
  - id: tell_value
    emit: { detailType: Told, detail: "{{ steps.left.body }}" }
  - id: ask
    await: { signal: approve }
  - id: child
    workflow: { name: everything-child, input: { id: "{{ steps.ask.ok }}", d: "{{ input.d ?? 3 }}" } }
  - id: child_value
    workflow: { name: everything-child, input: "{{ input.child }}" }
  - id: stop
    when: input.stop == true
    fail: { error: Order.Stopped, cause: stopped }
output: { id: "{{ steps.first.body.id }}", coupon: "{{ input.coupon ?? 'none' }}", child: "{{ steps.child }}" }
`;

/** Flow control: onError (continue, restricted, fallback), a loop with a compensable body, output. */
const FLOW_CONTROL = `
workflow: flow-control
input: { type: object, properties: { n: { type: number } } }
steps:
  - id: first
    call: svc POST /a
    output: { type: object, required: [id] }
    compensate: "svc DELETE /a/{{ steps.first.body.id }}"
    onError: { then: continue, when: [Baton.Timeout, Baton.ClientError] }
  - id: poll
    loop:
      maxIterations: 4
      until: steps.check.body.done == true or iteration >= 2
      steps:
        - id: book
          call: "svc POST /book/{{ iteration }}"
          with: { prev: "{{ steps.first.body.id ?? 'none' }}" }
          compensate: "svc DELETE /book/{{ steps.book.body.id }}"
        - id: check
          call: svc GET /check
          onError:
            steps:
              - id: check_again
                call: svc GET /check2
                with: { why: "{{ steps.check.error.name }}" }
    onError: continue
  - id: after
    call: svc POST /after
    with: { last: "{{ steps.book.body.id ?? 'none' }}", count: "{{ steps.poll.count ?? 0 }}" }
    compensate: svc DELETE /after
  - id: fan
    onError: { then: continue, when: [Baton.ClientError] }
    parallel:
      - - id: left
          call: svc POST /left
          compensate: "svc DELETE /left/{{ steps.left.body.id }}"
      - - id: right
          call: svc POST /right
          idempotent: true
output: { first: "{{ steps.first.error.name ?? 'ok' }}" }
`;

describe("unsafeReads", () => {
  it("fails when a payload, an intrinsic or a path field reads user data without a guard", () => {
    const asl: StateMachineDefinition = {
      StartAt: "a",
      States: {
        a: {
          Type: "Pass",
          Parameters: { "x.$": "$.input.coupon", "y.$": "States.Format('$5 {}', $.steps.b.id)" },
          Next: "b",
        },
        b: { Type: "Wait", TimestampPath: "$.input.at", End: true },
      },
    };

    expect(unsafeReads(asl)).toEqual([
      { state: "a", field: "Parameters", path: "$.input.coupon" },
      { state: "a", field: "Parameters", path: "$.steps.b.id" },
      { state: "b", field: "TimestampPath", path: "$.input.at" },
    ]);
  });

  it("fails when a guard covers only one of the ways into a state", () => {
    const asl: StateMachineDefinition = {
      StartAt: "g",
      States: {
        g: {
          Type: "Choice",
          Choices: [
            { Variable: "$.input.x", IsPresent: true, Next: "use" },
            { Variable: "$.input.y", IsPresent: true, Next: "use" },
          ],
          Default: "done",
        },
        use: { Type: "Pass", Parameters: { "x.$": "$.input.x" }, Next: "done" },
        done: { Type: "Succeed" },
      },
    };

    expect(unsafeReads(asl)).toEqual([{ state: "use", field: "Parameters", path: "$.input.x" }]);
  });

  it("accepts reads proven by IsPresent, by Not IsPresent on the Default, and by an And", () => {
    const asl: StateMachineDefinition = {
      StartAt: "g",
      States: {
        g: {
          Type: "Choice",
          Choices: [
            { Not: { Variable: "$.input.x", IsPresent: true }, Next: "done" },
            {
              And: [
                { Variable: "$.input.n", IsPresent: true },
                { Variable: "$.input.n", NumericGreaterThan: 1 },
              ],
              Next: "use",
            },
          ],
          Default: "use",
        },
        use: { Type: "Pass", Parameters: { "x.$": "$.input.x" }, Next: "done" },
        done: { Type: "Succeed" },
      },
    };

    expect(unsafeReads(asl)).toEqual([]);
  });

  it("fails when a Choice compares a value it did not test for presence first", () => {
    const asl: StateMachineDefinition = {
      StartAt: "g",
      States: {
        g: {
          Type: "Choice",
          Choices: [{ Variable: "$.input.n", NumericGreaterThan: 1, Next: "done" }],
          Default: "done",
        },
        done: { Type: "Succeed" },
      },
    };

    expect(unsafeReads(asl)).toEqual([{ state: "g", field: "Choices[0]", path: "$.input.n" }]);
  });
});

describe("compiled workflows read only present locations", () => {
  const files = [
    ...readdirSync(join(ROOT, "workflows"))
      .filter((f) => f.endsWith(".yaml") && !f.startsWith("services"))
      .map((f) => join(ROOT, "workflows", f)),
    ...readdirSync(join(ROOT, "test/local/fixtures/workflows")).map((f) =>
      join(ROOT, "test/local/fixtures/workflows", f),
    ),
  ];

  it.each(files)("%s", (file) => {
    const asl = compileYaml(readFileSync(file, "utf8"), file);
    expect(unsafeReads(asl)).toEqual([]);
    expect(caughtFailureReads(asl)).toEqual([]);
  });

  it("flow control: onError handlers, a loop and its compensation read only what is there", () => {
    expect(unsafeReads(compileYaml(FLOW_CONTROL))).toEqual([]);
    expect(caughtFailureReads(compileYaml(FLOW_CONTROL))).toEqual([]);
  });

  it("every step kind with templates everywhere, nested in branches and maps", () => {
    expect(unsafeReads(compileYaml(EVERYTHING))).toEqual([]);
    expect(caughtFailureReads(compileYaml(EVERYTHING))).toEqual([]);
  });

  it("a caught failure goes straight to the first undo or Fail, and nothing on the way reads more than Error and Cause", () => {
    const asl = compileYaml(`
workflow: caught
steps:
  - { id: a, call: svc POST /a, compensate: "svc DELETE /a" }
  - { id: b, call: svc POST /b, compensate: "svc DELETE /b" }
  - { id: c, call: svc POST /c, compensate: "svc DELETE /c" }
`);
    const targets = (name: string) =>
      (
        asl.States[name] as unknown as { Catch: { ResultPath?: string; Next: string }[] }
      ).Catch.filter((c) => c.ResultPath === "$.failure").map((c) => c.Next);
    expect(targets("a")).toEqual(["Failed"]);
    expect(targets("b")).toEqual(["a#undo"]);
    expect(targets("c")).toEqual(["b#undo"]);
    expect(caughtFailureReads(asl)).toEqual([]);
    // The checker itself: an event state reading the recorded fields after a caught failure fails.
    const broken = structuredClone(asl) as unknown as {
      States: Record<string, { Catch?: { ResultPath?: string; Next: string }[] }>;
    };
    for (const c of broken.States.b?.Catch ?? [])
      if (c.ResultPath === "$.failure") c.Next = "Compensation started";
    expect(caughtFailureReads(broken as unknown as StateMachineDefinition)).toContainEqual({
      state: "Compensation started",
      field: "Parameters",
      path: "$.failure.name",
    });
  });

  it("the express form of the same workflow (output published by the machine)", () => {
    const express = EVERYTHING.replace(
      "workflow: everything",
      "workflow: everything\ntype: express",
    )
      .replace(/ {2}- id: ask[\s\S]*?(?= {2}- id: stop)/, "")
      .replace(', child: "{{ steps.child }}"', "");
    expect(unsafeReads(compileYaml(express))).toEqual([]);
  });
});
