import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Condition,
  compileCondition,
  conditionRefs,
  parseCondition,
} from "../../lib/core/condition.ts";
import { singleRef, type TemplateRef } from "../../lib/core/template.ts";

const ref = (source: string): TemplateRef => {
  const r = singleRef(`{{ ${source} }}`);
  if (!r) throw new Error(source);
  return r;
};

const parse = (src: string): Condition => {
  const result = parseCondition(src);
  if ("error" in result) throw new Error(`${result.error} at ${result.column}`);
  return result.condition;
};

describe("parseCondition", () => {
  it("parses a comparison with a string literal", () => {
    expect(parse("steps.charge.body.status == 'approved'")).toStrictEqual({
      op: "compare",
      ref: ref("steps.charge.body.status"),
      cmp: "==",
      value: "approved",
    });
  });

  it.each<[string, string | number | boolean | null]>([
    ["input.x > -1.5e2", -150],
    ["input.x == 'it\\'s'", "it's"],
    ["input.x == 'a\\\\b'", "a\\b"],
    ["input.x == true", true],
    ["input.x != false", false],
    ["input.x == null", null],
  ])("reads the literal of %s", (src, value) => {
    const c = parse(src);
    expect(c.op === "compare" && c.value).toStrictEqual(value);
  });

  it("flips a literal on the left", () => {
    expect(parse("5 < input.x")).toStrictEqual({
      op: "compare",
      ref: ref("input.x"),
      cmp: ">",
      value: 5,
    });
    expect(parse("'a' >= input.x")).toStrictEqual({
      op: "compare",
      ref: ref("input.x"),
      cmp: "<=",
      value: "a",
    });
  });

  it("gives not precedence over and, and and over or", () => {
    const a = { op: "exists", ref: ref("input.a") } as const;
    const b = { op: "exists", ref: ref("input.b") } as const;
    const c = { op: "exists", ref: ref("input.c") } as const;
    expect(parse("not exists input.a and exists input.b or exists input.c")).toStrictEqual({
      op: "or",
      operands: [{ op: "and", operands: [{ op: "not", operand: a }, b] }, c],
    });
    expect(parse("exists input.a and (exists input.b or exists input.c)")).toStrictEqual({
      op: "and",
      operands: [a, { op: "or", operands: [b, c] }],
    });
  });

  it("accepts paths written as templates", () => {
    expect(parse("{{ input.amount }} > 100")).toStrictEqual({
      op: "compare",
      ref: ref("input.amount"),
      cmp: ">",
      value: 100,
    });
  });

  it.each([
    ["input.amount >", "expected a path or a literal but found the end", 15],
    [
      "input.amount",
      'expected a comparison operator but found the end (to test presence write "exists input.amount")',
      13,
    ],
    ["input.a = 1", 'unknown operator "="; use "=="', 9],
    ["input.a == 1 && input.b == 2", 'unknown operator "&&"; use "and"', 14],
    ["input.a == 1 AND input.b == 2", 'keywords are lowercase: write "and"', 14],
    ['input.a == "x"', "strings are single-quoted: 'text'", 12],
    ["input.a == 'x", "unclosed string", 12],
    ["input.a == input.b", "cannot compare two paths: compare a path with a literal", 1],
    ["1 == 2", "cannot compare two literals: compare a path with a literal", 1],
    ["input.a > true", "true can only be compared with == or !=", 9],
    ["input.a < null", "null can only be compared with == or !=", 9],
    ["(input.a == 1", 'expected ")" but found the end', 14],
    ["input.a == 1)", 'unexpected ")"', 13],
    ["exists 5", 'expected a path after "exists"', 8],
    [
      "inputs.a == 1",
      'unknown root "inputs" in "inputs.a"; use one of input, steps, item, index, iteration, execution, workflow, error',
      1,
    ],
    ["input.a == 1 and", "expected a comparison but found the end", 17],
    ["{{ input.a == 1", 'unclosed "{{"', 1],
    ["input.a == 1 input.b", 'unexpected "input.b"', 14],
    ["", "expected a comparison but found the end", 1],
  ])("fails when the condition is %s", (src, error, column) => {
    expect(parseCondition(src)).toStrictEqual({ error, column });
  });
});

describe("conditionRefs", () => {
  it("lists every path read", () => {
    const c = parse("input.a == 1 or not (exists steps.b.body and item.c < 'x')");
    expect(conditionRefs(c).map((r) => r.source)).toStrictEqual([
      "input.a",
      "steps.b.body",
      "item.c",
    ]);
  });
});

describe("compileCondition", () => {
  it("guards numeric comparisons", () => {
    expect(compileCondition(parse("input.amount < 100"))).toStrictEqual({
      And: [
        { Variable: "$.input.amount", IsPresent: true },
        { Variable: "$.input.amount", IsNumeric: true },
        { Variable: "$.input.amount", NumericLessThan: 100 },
      ],
    });
  });

  it.each([
    ["==", "NumericEquals"],
    ["<=", "NumericLessThanEquals"],
    [">", "NumericGreaterThan"],
    [">=", "NumericGreaterThanEquals"],
  ])("maps %s on numbers to %s", (cmp, operator) => {
    const rule = compileCondition(parse(`input.n ${cmp} 1`));
    expect(rule).toStrictEqual({
      And: [
        { Variable: "$.input.n", IsPresent: true },
        { Variable: "$.input.n", IsNumeric: true },
        { Variable: "$.input.n", [operator]: 1 },
      ],
    });
  });

  it("guards string comparisons", () => {
    expect(compileCondition(parse("steps.charge.body.status >= 'b'"))).toStrictEqual({
      And: [
        { Variable: "$.steps.charge.body.status", IsPresent: true },
        { Variable: "$.steps.charge.body.status", IsString: true },
        { Variable: "$.steps.charge.body.status", StringGreaterThanEquals: "b" },
      ],
    });
  });

  it("compiles != as the negation of the guarded equality", () => {
    expect(compileCondition(parse("input.flag != true"))).toStrictEqual({
      Not: {
        And: [
          { Variable: "$.input.flag", IsPresent: true },
          { Variable: "$.input.flag", IsBoolean: true },
          { Variable: "$.input.flag", BooleanEquals: true },
        ],
      },
    });
  });

  it("treats a missing value as null", () => {
    expect(compileCondition(parse("input.x == null"))).toStrictEqual({
      Or: [
        { Not: { Variable: "$.input.x", IsPresent: true } },
        { Variable: "$.input.x", IsNull: true },
      ],
    });
  });

  it("compiles exists as present and not null", () => {
    expect(compileCondition(parse("exists steps.charge"))).toStrictEqual({
      And: [
        { Variable: "$.steps.charge", IsPresent: true },
        { Not: { Variable: "$.steps.charge", IsNull: true } },
      ],
    });
  });

  it("compiles not, and, or", () => {
    const present = (v: string) => ({
      And: [{ Variable: v, IsPresent: true }, { Not: { Variable: v, IsNull: true } }],
    });
    expect(
      compileCondition(parse("not exists input.a and exists input.b or exists index")),
    ).toStrictEqual({
      Or: [{ And: [{ Not: present("$.input.a") }, present("$.input.b")] }, present("$.index")],
    });
  });

  it("places step results under the root the context gives", () => {
    expect(compileCondition(parse("exists steps.a"), { stepsRoot: () => "$.outer" })).toStrictEqual(
      {
        And: [
          { Variable: "$.outer.a", IsPresent: true },
          { Not: { Variable: "$.outer.a", IsNull: true } },
        ],
      },
    );
  });
});

describe("parseCondition on any text", () => {
  it("returns a condition or an error with a column inside the text", () => {
    fc.assert(
      fc.property(fc.string(), (src) => {
        const result = parseCondition(src);
        if ("error" in result) expect(result.column).toBeGreaterThanOrEqual(1);
        if ("error" in result) expect(result.column).toBeLessThanOrEqual(src.length + 1);
      }),
      { numRuns: 1000 },
    );
  });
});
