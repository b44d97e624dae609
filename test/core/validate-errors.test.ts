import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateWorkflow } from "../../lib/core/validate.ts";

/** A workflow around some steps; GET calls so no compensation warnings get in the way. */
const wf = (steps: unknown, extra: Record<string, unknown> = {}) => ({
  workflow: "demo",
  ...extra,
  steps,
});
const get = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  call: "svc GET /x",
  ...extra,
});

const found = (value: unknown, strict = false) =>
  validateWorkflow(value, { strict }).problems.map(({ code, path }) => ({ code, path }));

type Case = readonly [
  name: string,
  file: unknown,
  expected: readonly (readonly [code: string, path: string])[],
];

const check = (cases: readonly Case[]) =>
  it.each(cases)("fails when %s", (_name, file, expected) => {
    // Act
    const result = validateWorkflow(file);

    // Assess
    expect(result.workflow).toBeUndefined();
    expect(found(file)).toEqual(expected.map(([code, path]) => ({ code, path })));
  });

describe("file and workflow fields", () => {
  check([
    ["the root is a list", [1], [["E_ROOT", ""]]],
    ["the root is empty", null, [["E_ROOT", ""]]],
    ["the name is missing", { steps: [get("a")] }, [["E_REQUIRED", "/workflow"]]],
    [
      "the name has capitals",
      wf([get("a")], { workflow: "Demo" }),
      [["E_WORKFLOW_NAME", "/workflow"]],
    ],
    ["the name is a number", wf([get("a")], { workflow: 5 }), [["E_TYPE", "/workflow"]]],
    ["the version is zero", wf([get("a")], { version: 0 }), [["E_VERSION", "/version"]]],
    ["the version is a fraction", wf([get("a")], { version: 1.5 }), [["E_VERSION", "/version"]]],
    ["the version is a string", wf([get("a")], { version: "2" }), [["E_TYPE", "/version"]]],
    ["the type is unknown", wf([get("a")], { type: "batch" }), [["E_ENUM", "/type"]]],
    ["the timeout is zero", wf([get("a")], { timeout: 0 }), [["E_TIMEOUT", "/timeout"]]],
    ["the timeout is a fraction", wf([get("a")], { timeout: 1.5 }), [["E_TIMEOUT", "/timeout"]]],
    [
      "the timeout is over a year",
      wf([get("a")], { timeout: 31_536_001 }),
      [["E_TIMEOUT", "/timeout"]],
    ],
    [
      "an express workflow waits over 300 seconds",
      wf([{ id: "w", wait: { seconds: 301 } }], { type: "express" }),
      [["E_EXPRESS_TIMEOUT", "/steps/0/wait/seconds"]],
    ],
    [
      "an express timeout is over 300 seconds",
      wf([get("a")], { type: "express", timeout: 301 }),
      [["E_EXPRESS_TIMEOUT", "/timeout"]],
    ],
    [
      "the description is not a string",
      wf([get("a")], { description: 1 }),
      [["E_TYPE", "/description"]],
    ],
    [
      "an unknown root field is present",
      wf([get("a")], { stpes: [] }),
      [["E_UNKNOWN_FIELD", "/stpes"]],
    ],
    [
      "defaults hold an unknown field",
      wf([get("a")], { defaults: { retries: 1 } }),
      [["E_UNKNOWN_FIELD", "/defaults/retries"]],
    ],
    [
      "defaults.timeout is zero",
      wf([get("a")], { defaults: { timeout: 0 } }),
      [["E_TIMEOUT", "/defaults/timeout"]],
    ],
    [
      "defaults.retry is out of range",
      wf([get("a")], { defaults: { retry: { backoff: 0.5 } } }),
      [["E_RETRY", "/defaults/retry/backoff"]],
    ],
    ["output is not JSON", wf([get("a")], { output: Number.NaN }), [["E_TYPE", "/output"]]],
  ]);

  it("suggests the closest field name", () => {
    const [problem] = validateWorkflow(wf([get("a")], { descripton: "x" })).problems;
    expect(problem).toEqual({
      code: "E_UNKNOWN_FIELD",
      severity: "error",
      path: "/descripton",
      message: 'unknown field "descripton"',
      hint: 'did you mean "description"?',
    });
  });
});

describe("input schema", () => {
  check([
    ["input is not an object", wf([get("a")], { input: "string" }), [["E_TYPE", "/input"]]],
    [
      "input has a bad type keyword",
      wf([get("a")], { input: { type: "objet" } }),
      [["E_INPUT_SCHEMA", "/input/type"]],
    ],
    [
      "input has a misspelled keyword",
      wf([get("a")], { input: { type: "string", minLenght: 1 } }),
      [["E_INPUT_SCHEMA", "/input"]],
    ],
    [
      "input has an unresolvable $ref",
      wf([get("a")], { input: { $ref: "#/$defs/missing" } }),
      [["E_INPUT_SCHEMA", "/input"]],
    ],
    [
      "input uses an unknown format",
      wf([get("a")], { input: { type: "string", format: "emial" } }),
      [["E_INPUT_SCHEMA", "/input"]],
    ],
  ]);

  it("accepts formats and OpenAPI-style examples", () => {
    const file = wf([get("a")], { input: { type: "string", format: "email", example: "a@b.c" } });
    expect(found(file)).toEqual([]);
  });
});

describe("steps and ids", () => {
  check([
    ["steps are missing", { workflow: "demo" }, [["E_STEPS_EMPTY", "/steps"]]],
    ["steps are empty", wf([]), [["E_STEPS_EMPTY", "/steps"]]],
    ["steps are not a list", wf({ a: 1 }), [["E_TYPE", "/steps"]]],
    ["a step is not an object", wf(["a"]), [["E_TYPE", "/steps/0"]]],
    ["a step has no kind", wf([{ id: "a" }]), [["E_STEP_KIND", "/steps/0"]]],
    [
      "a step has two kinds",
      wf([{ id: "a", call: "svc GET /x", wait: { seconds: 1 } }]),
      [["E_STEP_KIND", "/steps/0"]],
    ],
    ["a step has no id", wf([{ call: "svc GET /x" }]), [["E_REQUIRED", "/steps/0/id"]]],
    ["a step id has capitals", wf([get("Reserve")]), [["E_STEP_ID", "/steps/0/id"]]],
    ["a step id has a hyphen", wf([get("re-serve")]), [["E_STEP_ID", "/steps/0/id"]]],
    ["a step id starts with a digit", wf([get("1a")]), [["E_STEP_ID", "/steps/0/id"]]],
    ["a step id is too long", wf([get(`a${"b".repeat(63)}`)]), [["E_STEP_ID", "/steps/0/id"]]],
    ["a step id is a number", wf([get("a", { id: 3 })]), [["E_TYPE", "/steps/0/id"]]],
    ["two steps share an id", wf([get("a"), get("a")]), [["E_DUPLICATE_ID", "/steps/1/id"]]],
    [
      "a nested step reuses an id",
      wf([get("a"), { id: "p", parallel: [[get("a")]] }]),
      [["E_DUPLICATE_ID", "/steps/1/parallel/0/0/id"]],
    ],
    [
      "a step has an unknown field",
      wf([get("a", { retires: 2 })]),
      [["E_UNKNOWN_FIELD", "/steps/0/retires"]],
    ],
    [
      "a wait step has call fields",
      wf([{ id: "a", wait: { seconds: 1 }, retry: false }]),
      [["E_UNKNOWN_FIELD", "/steps/0/retry"]],
    ],
    [
      "a step's description is not a string",
      wf([get("a", { description: [] })]),
      [["E_TYPE", "/steps/0/description"]],
    ],
  ]);

  it("says where a misplaced field belongs", () => {
    const [problem] = validateWorkflow(wf([{ id: "a", wait: {}, seconds: 5 }])).problems;
    expect(problem?.hint).toBe('"seconds" belongs inside "wait: { seconds: … }"');
  });
});

describe("dependencies", () => {
  check([
    [
      "dependsOn is a string",
      wf([get("a"), get("b", { dependsOn: "a" })]),
      [["E_TYPE", "/steps/1/dependsOn"]],
    ],
    [
      "dependsOn names an unknown step",
      wf([get("a"), get("b", { dependsOn: ["c"] })]),
      [["E_UNKNOWN_DEPENDENCY", "/steps/1/dependsOn/0"]],
    ],
    [
      "dependsOn names a step of another list",
      wf([{ id: "p", parallel: [[get("a")]] }, get("b", { dependsOn: ["a"] })]),
      [["E_UNKNOWN_DEPENDENCY", "/steps/1/dependsOn/0"]],
    ],
    [
      "a step depends on itself",
      wf([get("a", { dependsOn: ["a"] })]),
      [["E_SELF_DEPENDENCY", "/steps/0/dependsOn/0"]],
    ],
    [
      "steps form a cycle",
      wf([
        get("a", { dependsOn: ["c"] }),
        get("b", { dependsOn: ["a"] }),
        get("c", { dependsOn: ["b"] }),
      ]),
      [["E_CYCLE", "/steps/0/dependsOn"]],
    ],
  ]);

  it("names the cycle", () => {
    const file = wf([get("a", { dependsOn: ["b"] }), get("b")]);
    expect(validateWorkflow(file).problems).toEqual([
      {
        code: "E_CYCLE",
        severity: "error",
        path: "/steps/0/dependsOn",
        message: "steps depend on each other in a cycle: a → b → a",
        hint: "remove one of these dependsOn entries",
      },
    ]);
  });

  it("warns about a duplicate dependency", () => {
    const result = validateWorkflow(wf([get("a"), get("b", { dependsOn: ["a", "a"] })]));
    expect(result.workflow?.steps[1]?.dependsOn).toEqual(["a"]);
    expect(found(wf([get("a"), get("b", { dependsOn: ["a", "a"] })]))).toEqual([
      { code: "W_DUPLICATE_DEPENDENCY", path: "/steps/1/dependsOn/1" },
    ]);
  });

  it("warns about a step after a fail step", () => {
    const file = wf([{ id: "stop", fail: { error: "Stop" } }, get("after")]);
    expect(found(file)).toEqual([{ code: "W_UNREACHABLE_STEP", path: "/steps/1" }]);
  });

  it("does not warn about steps after a fail step that has a when", () => {
    const file = wf([
      { id: "stop", when: "input.bad == true", fail: { error: "Stop" } },
      get("after"),
    ]);
    expect(found(file)).toEqual([]);
  });

  it("suggests a close step id", () => {
    const [problem] = validateWorkflow(
      wf([get("reserve"), get("b", { dependsOn: ["reserv"] })]),
    ).problems;
    expect(problem?.hint).toBe('did you mean "reserve"?');
  });
});

describe("call steps", () => {
  check([
    [
      "a call string has two parts",
      wf([{ id: "a", call: "svc GET" }]),
      [["E_CALL", "/steps/0/call"]],
    ],
    [
      "a call service has capitals",
      wf([{ id: "a", call: "Svc GET /x" }]),
      [["E_SERVICE_NAME", "/steps/0/call"]],
    ],
    [
      "a call method is lowercase",
      wf([{ id: "a", call: "svc get /x" }]),
      [["E_METHOD", "/steps/0/call"]],
    ],
    [
      "a call method is unknown",
      wf([{ id: "a", call: "svc FETCH /x" }]),
      [["E_METHOD", "/steps/0/call"]],
    ],
    [
      "a call path is relative",
      wf([{ id: "a", call: "svc GET x" }]),
      [["E_CALL_PATH", "/steps/0/call"]],
    ],
    ["call is a number", wf([{ id: "a", call: 1 }]), [["E_TYPE", "/steps/0/call"]]],
    [
      "an object call misses fields",
      wf([{ id: "a", call: { service: "svc" } }]),
      [
        ["E_REQUIRED", "/steps/0/call/method"],
        ["E_REQUIRED", "/steps/0/call/path"],
      ],
    ],
    [
      "an object call has a bad method and path",
      wf([{ id: "a", call: { service: "svc", method: "GIT", path: "x" } }]),
      [
        ["E_METHOD", "/steps/0/call/method"],
        ["E_CALL_PATH", "/steps/0/call/path"],
      ],
    ],
    [
      "an object call has with",
      wf([{ id: "a", call: { service: "svc", method: "GET", path: "/x" }, with: {} }]),
      [["E_CALL_WITH", "/steps/0/with"]],
    ],
    [
      "an object call has an unknown field",
      wf([{ id: "a", call: { service: "svc", method: "GET", path: "/x", bdy: {} } }]),
      [["E_UNKNOWN_FIELD", "/steps/0/call/bdy"]],
    ],
    [
      "query is not an object",
      wf([{ id: "a", call: { service: "s", method: "GET", path: "/x", query: [] } }]),
      [["E_TYPE", "/steps/0/call/query"]],
    ],
    [
      "idempotent is a string",
      wf([get("a", { idempotent: "yes" })]),
      [["E_TYPE", "/steps/0/idempotent"]],
    ],
    ["timeout is zero", wf([get("a", { timeout: 0 })]), [["E_TIMEOUT", "/steps/0/timeout"]]],
    [
      "a call timeout is longer than its Lambda function can run",
      wf([get("a", { timeout: 891 })]),
      [["E_TIMEOUT", "/steps/0/timeout"]],
    ],
    ["timeout is a string", wf([get("a", { timeout: "10" })]), [["E_TYPE", "/steps/0/timeout"]]],
    [
      "select does not start at the response",
      wf([get("a", { select: "items" })]),
      [["E_SELECT", "/steps/0/select"]],
    ],
    [
      "select is not a path",
      wf([get("a", { select: "body..items" })]),
      [["E_SELECT", "/steps/0/select"]],
    ],
    ["select is a number", wf([get("a", { select: 1 })]), [["E_TYPE", "/steps/0/select"]]],
    [
      "compensate is a number",
      wf([get("a", { compensate: 1 })]),
      [["E_TYPE", "/steps/0/compensate"]],
    ],
    [
      "compensate has no call",
      wf([get("a", { compensate: { timeout: 5 } })]),
      [["E_REQUIRED", "/steps/0/compensate/call"]],
    ],
    [
      "compensate has a bad call",
      wf([get("a", { compensate: "svc UNDO /x" })]),
      [["E_METHOD", "/steps/0/compensate"]],
    ],
    [
      "compensate has an unknown field",
      wf([get("a", { compensate: { call: "s DELETE /x", body: {} } })]),
      [["E_UNKNOWN_FIELD", "/steps/0/compensate/body"]],
    ],
    [
      "compensate has a zero timeout",
      wf([get("a", { compensate: { call: "s DELETE /x", timeout: 0 } })]),
      [["E_TIMEOUT", "/steps/0/compensate/timeout"]],
    ],
    [
      "compensate retry is out of range",
      wf([get("a", { compensate: { call: "s DELETE /x", retry: { maxAttempts: 0 } } })]),
      [["E_RETRY", "/steps/0/compensate/retry/maxAttempts"]],
    ],
  ]);

  it("hints at uppercase methods", () => {
    const [problem] = validateWorkflow(
      wf([{ id: "a", call: "svc post /x", idempotent: true }]),
    ).problems;
    expect(problem?.hint).toBe('methods are uppercase: "POST"');
  });
});

describe("retry", () => {
  check([
    ["retry is true", wf([get("a", { retry: true })]), [["E_TYPE", "/steps/0/retry"]]],
    [
      "maxAttempts is zero",
      wf([get("a", { retry: { maxAttempts: 0 } })]),
      [["E_RETRY", "/steps/0/retry/maxAttempts"]],
    ],
    [
      "maxAttempts is a fraction",
      wf([get("a", { retry: { maxAttempts: 2.5 } })]),
      [["E_RETRY", "/steps/0/retry/maxAttempts"]],
    ],
    [
      "interval is zero",
      wf([get("a", { retry: { interval: 0 } })]),
      [["E_RETRY", "/steps/0/retry/interval"]],
    ],
    [
      "interval is a fraction",
      wf([get("a", { retry: { interval: 0.5 } })]),
      [["E_RETRY", "/steps/0/retry/interval"]],
    ],
    [
      "backoff is below 1",
      wf([get("a", { retry: { backoff: 0.9 } })]),
      [["E_RETRY", "/steps/0/retry/backoff"]],
    ],
    [
      "maxDelay is zero",
      wf([get("a", { retry: { maxDelay: 0 } })]),
      [["E_RETRY", "/steps/0/retry/maxDelay"]],
    ],
    [
      "jitter is unknown",
      wf([get("a", { retry: { jitter: "half" } })]),
      [["E_ENUM", "/steps/0/retry/jitter"]],
    ],
    ["on is empty", wf([get("a", { retry: { on: [] } })]), [["E_RETRY", "/steps/0/retry/on"]]],
    [
      "on holds an empty name",
      wf([get("a", { retry: { on: [""] } })]),
      [["E_TYPE", "/steps/0/retry/on/0"]],
    ],
    [
      "on names an unknown Baton error",
      wf([get("a", { retry: { on: ["Baton.Timeot"] } })]),
      [["E_RETRY_ERROR", "/steps/0/retry/on/0"]],
    ],
    [
      "on mixes States.ALL with others",
      wf([get("a", { retry: { on: ["States.ALL", "X"] } })]),
      [["E_RETRY_ERROR", "/steps/0/retry/on"]],
    ],
    [
      "retry has an unknown field",
      wf([get("a", { retry: { attempts: 2 } })]),
      [["E_UNKNOWN_FIELD", "/steps/0/retry/attempts"]],
    ],
  ]);

  it("suggests the closest Baton error", () => {
    const [problem] = validateWorkflow(
      wf([get("a", { retry: { on: ["Baton.Timeot"] } })]),
    ).problems;
    expect(problem?.hint).toBe('did you mean "Baton.Timeout"?');
  });
});

describe("other step kinds", () => {
  const items = "{{ input.items }}";
  check([
    [
      "parallel is empty",
      wf([{ id: "p", parallel: [] }]),
      [["E_STEPS_EMPTY", "/steps/0/parallel"]],
    ],
    [
      "parallel is an object",
      wf([{ id: "p", parallel: { a: 1 } }]),
      [["E_TYPE", "/steps/0/parallel"]],
    ],
    [
      "a parallel branch is empty",
      wf([{ id: "p", parallel: [[get("a")], []] }]),
      [["E_STEPS_EMPTY", "/steps/0/parallel/1"]],
    ],
    [
      "a branch object has an unknown field",
      wf([{ id: "p", parallel: [{ steps: [get("a")], name: "x" }] }]),
      [["E_UNKNOWN_FIELD", "/steps/0/parallel/0/name"]],
    ],
    ["choice is a list", wf([{ id: "c", choice: [] }]), [["E_TYPE", "/steps/0/choice"]]],
    [
      "choice has no cases",
      wf([{ id: "c", choice: { otherwise: [get("a")] } }]),
      [["E_REQUIRED", "/steps/0/choice/cases"]],
    ],
    [
      "choice cases are empty",
      wf([{ id: "c", choice: { cases: [] } }]),
      [["E_REQUIRED", "/steps/0/choice/cases"]],
    ],
    [
      "a case is not an object",
      wf([{ id: "c", choice: { cases: ["x"] } }]),
      [["E_TYPE", "/steps/0/choice/cases/0"]],
    ],
    [
      "a case has no when",
      wf([{ id: "c", choice: { cases: [{ steps: [get("a")] }] } }]),
      [["E_REQUIRED", "/steps/0/choice/cases/0/when"]],
    ],
    [
      "a case has no steps",
      wf([{ id: "c", choice: { cases: [{ when: "exists input.a" }] } }]),
      [["E_STEPS_EMPTY", "/steps/0/choice/cases/0/steps"]],
    ],
    [
      "a case when is unparsable",
      wf([{ id: "c", choice: { cases: [{ when: "input.a >", steps: [get("a")] }] } }]),
      [["E_WHEN", "/steps/0/choice/cases/0/when"]],
    ],
    [
      "otherwise is not a list",
      wf([
        {
          id: "c",
          choice: { cases: [{ when: "exists input.a", steps: [get("a")] }], otherwise: 1 },
        },
      ]),
      [["E_TYPE", "/steps/0/choice/otherwise"]],
    ],
    [
      "map has no items",
      wf([{ id: "m", map: { steps: [get("a")] } }]),
      [["E_REQUIRED", "/steps/0/map/items"]],
    ],
    [
      "map items is not a template",
      wf([{ id: "m", map: { items: "input.items", steps: [get("a")] } }]),
      [["E_MAP_ITEMS", "/steps/0/map/items"]],
    ],
    [
      "map items has text around the template",
      wf([{ id: "m", map: { items: "x{{ input.items }}", steps: [get("a")] } }]),
      [["E_MAP_ITEMS", "/steps/0/map/items"]],
    ],
    [
      "map items reads a constant",
      wf([{ id: "m", map: { items: "{{ workflow.name }}", steps: [get("a")] } }]),
      [["E_MAP_ITEMS", "/steps/0/map/items"]],
    ],
    [
      "map items is a list",
      wf([{ id: "m", map: { items: [1], steps: [get("a")] } }]),
      [["E_TYPE", "/steps/0/map/items"]],
    ],
    [
      "map has no steps",
      wf([{ id: "m", map: { items } }]),
      [["E_STEPS_EMPTY", "/steps/0/map/steps"]],
    ],
    [
      "maxConcurrency is negative",
      wf([{ id: "m", map: { items, maxConcurrency: -1, steps: [get("a")] } }]),
      [["E_RANGE", "/steps/0/map/maxConcurrency"]],
    ],
    [
      "wait has neither seconds nor until",
      wf([{ id: "w", wait: {} }]),
      [["E_WAIT", "/steps/0/wait"]],
    ],
    [
      "wait has both seconds and until",
      wf([{ id: "w", wait: { seconds: 1, until: "{{ input.t }}" } }]),
      [["E_WAIT", "/steps/0/wait"]],
    ],
    [
      "wait seconds is zero",
      wf([{ id: "w", wait: { seconds: 0 } }]),
      [["E_RANGE", "/steps/0/wait/seconds"]],
    ],
    ["wait is a number", wf([{ id: "w", wait: 5 }]), [["E_TYPE", "/steps/0/wait"]]],
    [
      "wait until is not a real date",
      wf([{ id: "w", wait: { until: "2030-13-45T00:00:00Z" } }]),
      [["E_WAIT", "/steps/0/wait/until"]],
    ],
    [
      "wait until is not a time",
      wf([{ id: "w", wait: { until: "tomorrow" } }]),
      [["E_WAIT", "/steps/0/wait/until"]],
    ],
    [
      "wait until mixes text and a template",
      wf([{ id: "w", wait: { until: "{{ input.day }}T00:00:00Z" } }]),
      [["E_WAIT", "/steps/0/wait/until"]],
    ],
    [
      "emit has no detailType",
      wf([{ id: "e", emit: { detail: {} } }]),
      [["E_REQUIRED", "/steps/0/emit/detailType"]],
    ],
    [
      "emit detailType is empty",
      wf([{ id: "e", emit: { detailType: "" } }]),
      [["E_REQUIRED", "/steps/0/emit/detailType"]],
    ],
    [
      "emit impersonates one of Baton's own events",
      wf([{ id: "e", emit: { detailType: "Execution Succeeded" } }]),
      [["E_RESERVED_DETAIL_TYPE", "/steps/0/emit/detailType"]],
    ],
    [
      "await has no signal",
      wf([{ id: "a", await: {} }]),
      [["E_REQUIRED", "/steps/0/await/signal"]],
    ],
    [
      "await signal has spaces",
      wf([{ id: "a", await: { signal: "my signal" } }]),
      [["E_SIGNAL_NAME", "/steps/0/await/signal"]],
    ],
    [
      "await timeout is zero",
      wf([{ id: "a", await: { signal: "ok", timeout: 0 } }]),
      [["E_TIMEOUT", "/steps/0/await/timeout"]],
    ],
    [
      "an await step is in an express workflow",
      wf([{ id: "a", await: { signal: "ok" } }], { type: "express" }),
      [["E_EXPRESS_STEP", "/steps/0/await"]],
    ],
    [
      "a nested workflow step is in an express workflow",
      wf([{ id: "p", parallel: [[{ id: "c", workflow: { name: "child" } }]] }], {
        type: "express",
      }),
      [["E_EXPRESS_STEP", "/steps/0/parallel/0/0/workflow"]],
    ],
    [
      "workflow has no name",
      wf([{ id: "c", workflow: {} }]),
      [["E_REQUIRED", "/steps/0/workflow/name"]],
    ],
    [
      "workflow name is invalid",
      wf([{ id: "c", workflow: { name: "Child" } }]),
      [["E_WORKFLOW_NAME", "/steps/0/workflow/name"]],
    ],
    ["fail has no error", wf([{ id: "f", fail: {} }]), [["E_REQUIRED", "/steps/0/fail/error"]]],
    [
      "fail error starts with States.",
      wf([{ id: "f", fail: { error: "States.Timeout" } }]),
      [["E_FAIL_ERROR", "/steps/0/fail/error"]],
    ],
    [
      "fail error starts with Baton.",
      wf([{ id: "f", fail: { error: "Baton.ClientError" } }]),
      [["E_FAIL_ERROR", "/steps/0/fail/error"]],
    ],
    [
      "fail error is templated",
      wf([{ id: "f", fail: { error: "{{ input.e }}" } }]),
      [["E_FAIL_ERROR", "/steps/0/fail/error"]],
    ],
    [
      "fail cause is a number",
      wf([{ id: "f", fail: { error: "E", cause: 1 } }]),
      [["E_TYPE", "/steps/0/fail/cause"]],
    ],
    [
      "succeed has settings",
      wf([{ id: "s", succeed: { now: true } }]),
      [["E_UNKNOWN_FIELD", "/steps/0/succeed/now"]],
    ],
    ["succeed is false", wf([{ id: "s", succeed: false }]), [["E_TYPE", "/steps/0/succeed"]]],
  ]);
});

describe("templates and conditions", () => {
  check([
    [
      "a template is empty",
      wf([get("a", { call: "svc GET /x/{{ }}" })]),
      [["E_TEMPLATE", "/steps/0/call"]],
    ],
    [
      "a template is unclosed",
      wf([get("a", { call: "svc POST /x", idempotent: true, with: { a: "{{ input.a" } })]),
      [["E_TEMPLATE", "/steps/0/with/a"]],
    ],
    [
      "a template has an unknown root",
      wf([get("a")], { output: { a: "{{ inputs.a }}" } }),
      [["E_TEMPLATE", "/output/a"]],
    ],
    [
      "a template reads an unknown step",
      wf([get("a")], { output: "{{ steps.b.body }}" }),
      [["E_UNKNOWN_STEP_REF", "/output"]],
    ],
    [
      "a template reads a later step",
      wf([get("a", { call: "svc GET /{{ steps.b.body.id }}" }), get("b")]),
      [["E_STEP_NOT_FINISHED", "/steps/0/call"]],
    ],
    [
      "a template reads a concurrent step",
      wf([get("a"), get("b", { dependsOn: [], call: "svc GET /{{ steps.a.body }}" })]),
      [["E_STEP_NOT_FINISHED", "/steps/1/call"]],
    ],
    [
      "a step reads itself",
      wf([get("a", { call: "svc GET /{{ steps.a.body }}" })]),
      [["E_STEP_NOT_FINISHED", "/steps/0/call"]],
    ],
    [
      "a step reads a sibling branch",
      wf([
        { id: "p", parallel: [[get("a")], [get("b", { call: "svc GET /{{ steps.a.status }}" })]] },
      ]),
      [["E_STEP_NOT_FINISHED", "/steps/0/parallel/1/0/call"]],
    ],
    [
      "a step reads inside a choice",
      wf([
        { id: "c", choice: { cases: [{ when: "exists input.a", steps: [get("a")] }] } },
        get("b", { call: "svc GET /{{ steps.a.body }}" }),
      ]),
      [["E_STEP_NOT_FINISHED", "/steps/1/call"]],
    ],
    [
      "a step reads inside a map",
      wf([{ id: "m", map: { items: "{{ input.xs }}", steps: [get("a")] } }], {
        output: "{{ steps.a }}",
      }),
      [["E_STEP_NOT_FINISHED", "/output"]],
    ],
    [
      "map items reads the map's own item",
      wf([{ id: "m", map: { items: "{{ item.xs }}", steps: [get("a")] } }]),
      [["E_TEMPLATE_SCOPE", "/steps/0/map/items"]],
    ],
    [
      "item is read outside a map",
      wf([get("a", { call: "svc GET /{{ item.id }}" })]),
      [["E_TEMPLATE_SCOPE", "/steps/0/call"]],
    ],
    [
      "index is read in a when outside a map",
      wf([get("a", { when: "index > 1" })]),
      [["E_TEMPLATE_SCOPE", "/steps/0/when"]],
    ],
    [
      "error is read outside compensate",
      wf([get("a")], { output: "{{ error.message }}" }),
      [["E_TEMPLATE_SCOPE", "/output"]],
    ],
    [
      "when reads a later step",
      wf([get("a", { when: "steps.b.status == 200" }), get("b")]),
      [["E_STEP_NOT_FINISHED", "/steps/0/when"]],
    ],
    ["when is unparsable", wf([get("a", { when: "input.a ==" })]), [["E_WHEN", "/steps/0/when"]]],
    ["when is a boolean", wf([get("a", { when: true })]), [["E_TYPE", "/steps/0/when"]]],
    [
      "when tests a constant",
      wf([get("a", { when: "workflow.version > 1" })]),
      [["E_WHEN", "/steps/0/when"]],
    ],
    [
      "a templated array mixes strings and objects",
      wf([
        {
          id: "e",
          emit: { detailType: "T", detail: { xs: ["{{ input.a }}", { b: "{{ input.b }}" }] } },
        },
      ]),
      [["E_TEMPLATE_UNSUPPORTED", "/steps/0/emit/detail/xs/1"]],
    ],
    [
      "a body key ends with .$",
      wf([get("a", { call: { service: "s", method: "GET", path: "/x", body: { "a.$": 1 } } })]),
      [["E_RESERVED_KEY", "/steps/0/call/body/a.$"]],
    ],
    [
      "a trigger input holds a template",
      wf([get("a")], { triggers: [{ schedule: "rate(1 hour)", input: { a: "{{ input.a }}" } }] }),
      [["E_TEMPLATE_SCOPE", "/triggers/0/input"]],
    ],
  ]);

  it("explains how to fix a read of a concurrent step", () => {
    const file = wf([get("a"), get("b", { dependsOn: [], call: "svc GET /{{ steps.a.body }}" })]);
    expect(validateWorkflow(file).problems).toEqual([
      {
        code: "E_STEP_NOT_FINISHED",
        severity: "error",
        path: "/steps/1/call",
        message: '"steps.a.body" reads step "a", which is not guaranteed to have finished here',
        hint: 'add "a" to this step\'s dependsOn',
      },
    ]);
  });

  it("reports the column of an unparsable when", () => {
    const [problem] = validateWorkflow(wf([get("a", { when: "input.a = 1" })])).problems;
    expect(problem?.message).toBe(
      'cannot parse "when" at column 9: unknown operator "="; use "=="',
    );
  });

  it("lets steps read what is guaranteed to have finished", () => {
    // Prepare: ancestors, enclosing steps' ancestors, parallel children, own compensation.
    const file = wf([
      get("a"),
      { id: "p", parallel: [[get("b", { call: "svc GET /{{ steps.a.body }}" })], [get("c")]] },
      {
        id: "m",
        map: {
          items: "{{ steps.b.body.items }}",
          steps: [
            get("d", { call: "svc GET /{{ item.id }}/{{ index }}/{{ steps.c.status }}" }),
            get("e", {
              when: "steps.d.status == 200 and exists steps.a",
              call: "svc GET /{{ steps.d.body }}",
            }),
          ],
        },
      },
      {
        id: "f",
        call: "svc POST /f/{{ steps.m }}",
        compensate: {
          call: "svc DELETE /f/{{ steps.f.body.id }}",
          with: { why: "{{ error.message }}" },
        },
      },
    ]);

    // Act / Assess
    expect(found(file)).toEqual([]);
  });
});

describe("triggers", () => {
  check([
    ["triggers is an object", wf([get("a")], { triggers: {} }), [["E_TYPE", "/triggers"]]],
    [
      "a trigger has neither event nor schedule",
      wf([get("a")], { triggers: [{ input: {} }] }),
      [["E_TRIGGER", "/triggers/0"]],
    ],
    [
      "a trigger has both event and schedule",
      wf([get("a")], { triggers: [{ event: { source: ["x"] }, schedule: "rate(1 hour)" }] }),
      [["E_TRIGGER", "/triggers/0"]],
    ],
    [
      "an event pattern is empty",
      wf([get("a")], { triggers: [{ event: {} }] }),
      [["E_EVENT_PATTERN", "/triggers/0/event"]],
    ],
    [
      "an event pattern value is not a list",
      wf([get("a")], { triggers: [{ event: { source: "shop" } }] }),
      [["E_EVENT_PATTERN", "/triggers/0/event/source"]],
    ],
    [
      "an event pattern field is unknown",
      wf([get("a")], { triggers: [{ event: { sources: ["shop"] } }] }),
      [["E_UNKNOWN_FIELD", "/triggers/0/event/sources"]],
    ],
    [
      "an event pattern has both spellings",
      wf([get("a")], { triggers: [{ event: { detailType: ["a"], "detail-type": ["a"] } }] }),
      [["E_EVENT_PATTERN", "/triggers/0/event"]],
    ],
    [
      "a detail leaf is not a list",
      wf([get("a")], { triggers: [{ event: { detail: { a: { b: 1 } } } }] }),
      [["E_EVENT_PATTERN", "/triggers/0/event/detail/a/b"]],
    ],
    [
      "a schedule is free text",
      wf([get("a")], { triggers: [{ schedule: "every hour" }] }),
      [["E_SCHEDULE", "/triggers/0/schedule"]],
    ],
    [
      "a rate uses a plural for 1",
      wf([get("a")], { triggers: [{ schedule: "rate(1 hours)" }] }),
      [["E_SCHEDULE", "/triggers/0/schedule"]],
    ],
    [
      "a rate uses a singular for 5",
      wf([get("a")], { triggers: [{ schedule: "rate(5 minute)" }] }),
      [["E_SCHEDULE", "/triggers/0/schedule"]],
    ],
    [
      "a rate is zero",
      wf([get("a")], { triggers: [{ schedule: "rate(0 minutes)" }] }),
      [["E_SCHEDULE", "/triggers/0/schedule"]],
    ],
    [
      "a cron has five fields",
      wf([get("a")], { triggers: [{ schedule: "cron(0 12 * * ?)" }] }),
      [["E_SCHEDULE", "/triggers/0/schedule"]],
    ],
    [
      "a cron sets both day fields",
      wf([get("a")], { triggers: [{ schedule: "cron(0 12 1 * MON *)" }] }),
      [["E_SCHEDULE", "/triggers/0/schedule"]],
    ],
    [
      "a cron hour is out of range",
      wf([get("a")], { triggers: [{ schedule: "cron(0 25 * * ? *)" }] }),
      [["E_SCHEDULE", "/triggers/0/schedule"]],
    ],
    [
      "a cron month name is unknown",
      wf([get("a")], { triggers: [{ schedule: "cron(0 12 * FOO ? *)" }] }),
      [["E_SCHEDULE", "/triggers/0/schedule"]],
    ],
    [
      "a cron nth weekday is past the fifth",
      wf([get("a")], { triggers: [{ schedule: "cron(0 12 ? * MON#6 *)" }] }),
      [["E_SCHEDULE", "/triggers/0/schedule"]],
    ],
    [
      "an event pattern uses an unknown operator",
      wf([get("a")], { triggers: [{ event: { detail: { amount: [{ regex: "x" }] } } }] }),
      [["E_EVENT_PATTERN", "/triggers/0/event/detail/amount/0/regex"]],
    ],
    [
      "an event pattern range runs backwards",
      wf([get("a")], {
        triggers: [{ event: { detail: { amount: [{ numeric: [">", 10, "<", 1] }] } } }],
      }),
      [["E_EVENT_PATTERN", "/triggers/0/event/detail/amount/0/numeric"]],
    ],
    [
      "an event pattern cidr is not a block",
      wf([get("a")], { triggers: [{ event: { detail: { ip: [{ cidr: "10.0.0.0/40" }] } } }] }),
      [["E_EVENT_PATTERN", "/triggers/0/event/detail/ip/0/cidr"]],
    ],
    [
      "an event pattern operator in a camelCase field is misspelled",
      wf([get("a")], { triggers: [{ event: { detailType: [{ prefixx: "Order" }] } }] }),
      [["E_EVENT_PATTERN", "/triggers/0/event/detailType/0/prefixx"]],
    ],
    [
      "a trigger has an unknown field",
      wf([get("a")], { triggers: [{ schedule: "rate(1 hour)", when: "x" }] }),
      [["E_UNKNOWN_FIELD", "/triggers/0/when"]],
    ],
  ]);

  it("hints at the rate unit", () => {
    const [problem] = validateWorkflow(
      wf([get("a")], { triggers: [{ schedule: "rate(1 hours)" }] }),
    ).problems;
    expect(problem?.hint).toBe("write rate(1 hour)");
  });
});

describe("every problem at once", () => {
  it("reports all problems of a broken file", () => {
    const file = {
      workflow: "Bad Name",
      version: -1,
      extra: 1,
      steps: [
        { id: "A", call: "svc get x" },
        { id: "b", dependsOn: ["zz"], wait: { seconds: 0 } },
        { id: "b", map: { items: "{{ input.xs }}", steps: [] } },
      ],
    };
    expect(found(file)).toEqual([
      { code: "E_UNKNOWN_FIELD", path: "/extra" },
      { code: "E_WORKFLOW_NAME", path: "/workflow" },
      { code: "E_VERSION", path: "/version" },
      { code: "E_STEP_ID", path: "/steps/0/id" },
      { code: "E_METHOD", path: "/steps/0/call" },
      { code: "E_CALL_PATH", path: "/steps/0/call" },
      { code: "E_RANGE", path: "/steps/1/wait/seconds" },
      { code: "E_STEPS_EMPTY", path: "/steps/2/map/steps" },
      { code: "E_DUPLICATE_ID", path: "/steps/2/id" },
      { code: "E_UNKNOWN_DEPENDENCY", path: "/steps/1/dependsOn/0" },
    ]);
  });
});

describe("bad input never crashes", () => {
  const key = fc.constantFrom(
    ...[
      "workflow",
      "steps",
      "id",
      "call",
      "with",
      "dependsOn",
      "when",
      "parallel",
      "choice",
      "cases",
    ],
    ...[
      "map",
      "items",
      "wait",
      "emit",
      "await",
      "fail",
      "succeed",
      "retry",
      "compensate",
      "output",
      "x",
    ],
  );
  const text = fc.constantFrom(
    "{{ input.a }}",
    "{{ steps.a.body }}",
    "svc GET /x",
    "a",
    "{{",
    "exists input.a",
    "",
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -1, max: 400 }),
      text,
      fc.array(tie("value"), { maxLength: 3 }),
      fc.dictionary(key, tie("value"), { maxKeys: 4 }),
    ),
  }));

  it("returns problems instead of throwing for any shape", () => {
    fc.assert(
      fc.property(fc.oneof(value, fc.jsonValue()), (file) => {
        const result = validateWorkflow(file);
        expect(result.workflow !== undefined || result.problems.length > 0).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
