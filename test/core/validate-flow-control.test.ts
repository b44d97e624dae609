/**
 * The validator on flow control (WORKFLOWS.md v2): `onError`, `loop` and call `output` schemas.
 * Each problem is checked with its code, JSON pointer and line in the YAML file.
 */
import { describe, expect, it } from "vitest";
import { buildProject } from "../../lib/core/project/build.ts";

/** Every problem of one YAML file as [code, path, line]. */
const problems = (yaml: string) =>
  buildProject([{ file: "w.yaml", text: yaml }]).problems.map(({ problem }) => [
    problem.code,
    problem.path,
    problem.line,
  ]);

const steps = (body: string) => `workflow: w\nsteps:\n${body}`;

describe("onError", () => {
  it("accepts fail, continue, {then: continue, when} and a fallback list", () => {
    // Prepare
    const yaml = steps(`  - id: a
    call: svc GET /a
    onError: fail
  - id: b
    call: svc GET /b
    onError: continue
  - id: c
    call: svc GET /c
    onError: { then: continue, when: [Baton.ClientError, Baton.Retryable, OutOfStock] }
  - id: d
    call: svc GET /d
    onError:
      when: [Baton.Timeout]
      steps:
        - id: e
          call: svc GET /e
          with: { why: "{{ steps.d.error.message }}" }
`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([]);
  });

  it.each([
    ["an unknown word", "onError: retry", "/steps/0/onError", 5],
    ["then other than continue", "onError: { then: fail }", "/steps/0/onError/then", 5],
    ["both then and steps", "onError: { then: continue, steps: [] }", "/steps/0/onError", 5],
    ["an empty when", "onError: { then: continue, when: [] }", "/steps/0/onError/when", 5],
    [
      "an unknown Baton error",
      "onError: { then: continue, when: [Baton.Timout] }",
      "/steps/0/onError/when/0",
      5,
    ],
    [
      "States.ALL in when",
      "onError: { then: continue, when: [States.ALL] }",
      "/steps/0/onError/when/0",
      5,
    ],
  ])("fails with E_ON_ERROR for %s", (_name, line, path, lineNo) => {
    // Prepare
    const yaml = steps(`  - id: a\n    call: svc GET /a\n    ${line}\n`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([["E_ON_ERROR", path, lineNo]]);
  });

  it("fails with E_ON_ERROR on a map or a fail step", () => {
    // Prepare
    const yaml = steps(`  - id: p
    map:
      items: "{{ input.xs }}"
      steps:
        - id: a
          call: svc GET /a
    onError: continue
  - id: f
    fail: { error: Nope }
    onError: continue
`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([
      ["E_ON_ERROR", "/steps/0/onError", 9],
      ["E_ON_ERROR", "/steps/1/onError", 12],
    ]);
  });

  it("fails with E_ERROR_READ when a step without onError is read for its error", () => {
    // Prepare
    const yaml = steps(`  - id: a
    call: svc GET /a
  - id: b
    call: svc GET /b
    with: { e: "{{ steps.a.error.name }}" }
`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([["E_ERROR_READ", "/steps/1/with/e", 7]]);
  });

  it("warns W_FAILED_STEP_READ when a result that may be {error} is read without ??", () => {
    // Prepare: conditions, ?? and the error itself are fine.
    const yaml = steps(`  - id: a
    call: svc GET /a
    onError: continue
  - id: b
    call: svc GET /b
    when: steps.a.body.ok == true
    with:
      id: "{{ steps.a.body.id }}"
      safe: "{{ steps.a.body.id ?? 'none' }}"
      why: "{{ steps.a.error.name ?? 'ok' }}"
`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([["W_FAILED_STEP_READ", "/steps/1/with/id", 10]]);
  });

  it("keeps fallback steps unreadable after the step, like a choice case", () => {
    // Prepare
    const yaml = steps(`  - id: a
    call: svc GET /a
    onError:
      steps:
        - id: b
          call: svc GET /b
  - id: c
    call: svc GET /c
    with: { x: "{{ steps.b.body.id }}" }
`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([["E_STEP_NOT_FINISHED", "/steps/1/with/x", 11]]);
  });

  it("warns W_NO_COMPENSATION for a side effect in a fallback too", () => {
    // Prepare
    const yaml = steps(`  - id: a
    call: svc GET /a
    onError:
      steps:
        - id: b
          call: svc POST /b
`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([
      ["W_NO_COMPENSATION", "/steps/0/onError/steps/0/call", 8],
    ]);
  });
});

describe("loop", () => {
  it("accepts a loop whose steps read iteration and whose until reads its steps", () => {
    // Prepare
    const yaml = steps(`  - id: poll
    loop:
      maxIterations: 10
      until: steps.check.body.done == true and iteration >= 1
      steps:
        - id: check
          call: svc GET /status/{{ iteration }}
  - id: after
    call: svc GET /after/{{ steps.check.body.id }}
`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([]);
  });

  it.each([
    [
      "maxIterations is missing",
      "      until: iteration > 1",
      "E_LOOP",
      "/steps/0/loop/maxIterations",
      4,
    ],
    [
      "maxIterations is over 1000",
      "      until: iteration > 1\n      maxIterations: 1001",
      "E_LOOP",
      "/steps/0/loop/maxIterations",
      6,
    ],
    ["until is missing", "      maxIterations: 3", "E_LOOP", "/steps/0/loop/until", 4],
    [
      "until does not parse",
      "      until: iteration >\n      maxIterations: 3",
      "E_WHEN",
      "/steps/0/loop/until",
      5,
    ],
  ])("fails when %s", (_name, fields, code, path, line) => {
    // Prepare
    const yaml = steps(`  - id: poll
    loop:
${fields}
      steps:
        - id: check
          call: svc GET /status
`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([[code, path, line]]);
  });

  it("warns W_FAILED_STEP_READ for a body step read after a loop that onError may let go", () => {
    // Prepare: inside the loop and in its until the reads are fine.
    const yaml = steps(`  - id: poll
    onError: continue
    loop:
      maxIterations: 3
      until: steps.check.body.done == true
      steps:
        - id: check
          call: svc GET /check
        - id: use
          call: svc GET /use/{{ steps.check.body.id }}
  - id: after
    call: svc GET /after/{{ steps.check.body.id }}
`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([["W_FAILED_STEP_READ", "/steps/1/call", 14]]);
  });

  it("fails with E_TEMPLATE_SCOPE for iteration outside a loop", () => {
    // Prepare
    const yaml = steps(`  - id: a
    call: svc GET /a/{{ iteration }}
`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([["E_TEMPLATE_SCOPE", "/steps/0/call", 4]]);
  });
});

describe("output schemas", () => {
  it("fails with E_OUTPUT_SCHEMA when output is not a JSON Schema", () => {
    // Prepare
    const yaml = steps(`  - id: a
    call: svc GET /a
    output: { type: object, required: id }
`);
    // Act / Assess
    expect(problems(yaml)).toStrictEqual([["E_OUTPUT_SCHEMA", "/steps/0/output/required", 5]]);
  });
});
