import { describe, expect, it } from "vitest";
import {
  collectRefs,
  compileEntry,
  compilePayload,
  isTemplated,
  parseTemplate,
  refToJsonPath,
  singleRef,
  TemplateCompileError,
  type TemplateContext,
  templateIssues,
} from "../../lib/core/template.ts";

const ctx: TemplateContext = { workflowName: "order-fulfillment", workflowVersion: 3 };

describe("parseTemplate", () => {
  it("splits text and references", () => {
    // Prepare
    const text = "order {{ input.orderId }}: {{steps.reserve.body.items[0].id}}";

    // Act
    const result = parseTemplate(text);

    // Assess
    expect(result).toStrictEqual({
      parts: [
        { text: "order " },
        { ref: { root: "input", path: ["orderId"], source: "input.orderId" } },
        { text: ": " },
        {
          ref: {
            root: "steps",
            path: ["reserve", "body", "items", 0, "id"],
            source: "steps.reserve.body.items[0].id",
          },
        },
      ],
    });
  });

  it("returns one text part for a string without templates", () => {
    expect(parseTemplate("plain } text {")).toStrictEqual({ parts: [{ text: "plain } text {" }] });
    expect(parseTemplate("")).toStrictEqual({ parts: [{ text: "" }] });
  });

  it("reads quoted keys and hyphenated keys", () => {
    const result = parseTemplate("{{ input['order id'].line-items }}");
    expect(result).toStrictEqual({
      parts: [
        {
          ref: {
            root: "input",
            path: ["order id", "line-items"],
            source: "input['order id'].line-items",
          },
        },
      ],
    });
  });

  it.each([
    ["{{ }}", 'empty template "{{ }}" in "{{ }}"'],
    ["a {{ input.x", 'unclosed "{{" at offset 2 in "a {{ input.x"'],
    [
      "{{ inputs.x }}",
      'unknown root "inputs" in "inputs.x"; use one of input, steps, item, index, iteration, execution, workflow, error',
    ],
    ["{{ steps }}", '"steps" must name a step: steps.<id>…'],
    ["{{ steps[0] }}", '"steps[0]" must name a step: steps.<id>…'],
    ["{{ execution.arn }}", '"execution.arn" is not execution.id or execution.startedAt'],
    ["{{ workflow.id }}", '"workflow.id" is not workflow.name or workflow.version'],
    ["{{ index.x }}", '"index" is a number; "index.x" reads inside it'],
    ["{{ error.cause }}", '"error.cause" is not error, error.name, error.message or error.step'],
    [
      "{{ input.items.0 }}",
      'expected a key after "." (write array indexes as [0]) in "input.items.0"',
    ],
    [
      "{{ input.a b }}",
      `unexpected "b" after the path in "input.a b" (a default is written ?? 'text')`,
    ],
    [
      "{{ input['a(b'] }}",
      "expected [<index>] or ['<key>'] (a key may not hold quotes, \\, ( or )) in \"input['a(b']\"",
    ],
  ])("fails when the template is %s", (text, error) => {
    expect(parseTemplate(text)).toStrictEqual({ error });
  });
});

describe("references", () => {
  it("finds every reference in nested values, skipping unparsable strings", () => {
    const refs = collectRefs({
      a: ["{{ input.a }}", { b: "x {{ item.id }} {{ index }}" }],
      c: "{{ }}",
      d: 1,
    });
    expect(refs.map((r) => r.source)).toStrictEqual(["input.a", "item.id", "index"]);
  });

  it("tells templated values from literal ones", () => {
    expect(isTemplated({ a: [1, { b: "{{ input.x }}" }] })).toBe(true);
    expect(isTemplated({ a: [1, { b: "{ input.x }" }], "{{k}}": 2 })).toBe(false);
    expect(isTemplated(null)).toBe(false);
  });

  it("finds the single reference of an exact template only", () => {
    expect(singleRef("{{ input.items }}")?.source).toBe("input.items");
    expect(singleRef(" {{ input.items }}")).toBeUndefined();
    expect(singleRef("{{ input.a }}{{ input.b }}")).toBeUndefined();
  });

  it.each([
    ["input.orderId", "$.input.orderId"],
    ["input", "$.input"],
    ["steps.reserve.body.items[0].id", "$.steps.reserve.body.items[0].id"],
    ["input['order-id']", "$.input['order-id']"],
    ["input.line-items[2]['a b']", "$.input['line-items'][2]['a b']"],
    ["item", "$.item"],
    ["item.sku", "$.item.sku"],
    ["index", "$.index"],
    ["execution.id", "$.context.executionId"],
    ["execution.startedAt", "$.context.startedAt"],
    ["error", "$.failure"],
    ["error.name", "$.failure.name"],
  ])("maps %s to %s", (source, path) => {
    const ref = singleRef(`{{ ${source} }}`);
    expect(ref && refToJsonPath(ref)).toBe(path);
  });

  it("places step results under the root the context gives", () => {
    const ref = singleRef("{{ steps.reserve.body.id }}");
    const outer = { stepsRoot: (id: string) => (id === "reserve" ? "$.outer" : "$.steps") };
    expect(ref && refToJsonPath(ref, outer)).toBe("$.outer.reserve.body.id");
  });

  it("fails when asked for the path of a compile-time constant", () => {
    const ref = singleRef("{{ workflow.name }}");
    expect(() => ref && refToJsonPath(ref)).toThrow(
      "workflow.name is a compile-time constant, not a path",
    );
  });
});

describe("compileEntry", () => {
  it("keeps literals as they are", () => {
    expect(compileEntry("body", { a: [1, "x"], b: null }, ctx)).toStrictEqual([
      "body",
      { a: [1, "x"], b: null },
    ]);
    expect(compileEntry("n", 5, ctx)).toStrictEqual(["n", 5]);
  });

  it("turns exactly one template into a path that keeps the JSON type", () => {
    expect(compileEntry("amount", "{{ input.amount }}", ctx)).toStrictEqual([
      "amount.$",
      "$.input.amount",
    ]);
  });

  it("turns text mixed with templates into States.Format", () => {
    expect(
      compileEntry("path", "/reservations/{{ steps.reserve.body.id }}/lines/{{ index }}", ctx),
    ).toStrictEqual([
      "path.$",
      "States.Format('/reservations/{}/lines/{}', $.steps.reserve.body.id, $.index)",
    ]);
  });

  it("escapes quotes and braces in the format text", () => {
    expect(compileEntry("m", "it's {a} {{ input.x }}", ctx)).toStrictEqual([
      "m.$",
      "States.Format('it\\'s \\{a\\} {}', $.input.x)",
    ]);
  });

  it("inlines workflow.name and workflow.version as constants", () => {
    expect(compileEntry("v", "{{ workflow.version }}", ctx)).toStrictEqual(["v", 3]);
    expect(compileEntry("n", "{{ workflow.name }}@{{ workflow.version }}", ctx)).toStrictEqual([
      "n",
      "order-fulfillment@3",
    ]);
    expect(compileEntry("k", "{{ workflow.name }}-{{ input.id }}", ctx)).toStrictEqual([
      "k.$",
      "States.Format('order-fulfillment-{}', $.input.id)",
    ]);
    expect(compileEntry("a", ["{{ workflow.name }}", 1], ctx)).toStrictEqual([
      "a",
      ["order-fulfillment", 1],
    ]);
  });

  it("compiles objects key by key", () => {
    expect(
      compileEntry(
        "body",
        { id: "{{ input.id }}", meta: { by: "x {{ execution.id }}", n: 1 } },
        ctx,
      ),
    ).toStrictEqual([
      "body",
      {
        "id.$": "$.input.id",
        meta: { "by.$": "States.Format('x {}', $.context.executionId)", n: 1 },
      },
    ]);
  });

  it("keeps arrays of objects as payload templates", () => {
    expect(
      compileEntry("lines", [{ sku: "{{ item.sku }}", qty: 1 }, { sku: "fixed" }], ctx),
    ).toStrictEqual(["lines", [{ "sku.$": "$.item.sku", qty: 1 }, { sku: "fixed" }]]);
  });

  it("builds arrays holding templated strings with States.Array", () => {
    expect(
      compileEntry("a", ["{{ input.a }}", "id-{{ input.b }}", "lit", 7, -2, true, null, 2.5], ctx),
    ).toStrictEqual([
      "a.$",
      "States.Array($.input.a, States.Format('id-{}', $.input.b), 'lit', 7, -2, true, null, States.StringToJson('2.5'))",
    ]);
  });

  it("escapes literals and parses JSON literals inside States.Array", () => {
    expect(
      compileEntry("a", ["{{ input.a }}", "it's", { k: [1] }, [1, 2], ["{{ input.b }}"]], ctx),
    ).toStrictEqual([
      "a.$",
      "States.Array($.input.a, States.Format('it\\'s'), States.StringToJson(States.Format('\\{\"k\":[1]\\}')), States.StringToJson('[1,2]'), States.Array($.input.b))",
    ]);
  });

  it("fails when an array mixes templated strings and templated objects", () => {
    expect(() => compileEntry("a", ["{{ input.a }}", { b: "{{ input.b }}" }], ctx)).toThrow(
      TemplateCompileError,
    );
  });
});

describe("compilePayload", () => {
  it("compiles every entry", () => {
    expect(compilePayload({ a: "{{ input.a }}", b: "b", c: ["{{ item }}"] }, ctx)).toStrictEqual({
      "a.$": "$.input.a",
      b: "b",
      "c.$": "States.Array($.item)",
    });
  });
});

describe("templateIssues", () => {
  it("is empty for values that compile", () => {
    expect(
      templateIssues({
        a: ["{{ input.a }}", 1],
        b: [{ c: "{{ input.c }}" }],
        d: "x (y) {{ input.d }}",
      }),
    ).toStrictEqual([]);
  });

  it.each([
    [
      "a templated string holds a backslash",
      { p: "C:\\{{ input.dir }}" },
      {
        code: "E_TEMPLATE_UNSUPPORTED",
        pointer: "/p",
        message: "text mixed with templates may not contain a backslash",
      },
    ],
    [
      "a templated string has unbalanced parentheses",
      { p: "(:  {{ input.x }}" },
      {
        code: "E_TEMPLATE_UNSUPPORTED",
        pointer: "/p",
        message: "text mixed with templates may not contain unbalanced parentheses",
      },
    ],
    [
      "a key ends with .$",
      { nested: { "a.$": "x" } },
      {
        code: "E_RESERVED_KEY",
        pointer: "/nested/a.$",
        message: 'key "a.$" ends with ".$", which Step Functions reads as a path',
      },
    ],
    [
      "a key holds a template",
      { "{{ input.k }}": 1 },
      {
        code: "E_TEMPLATE_UNSUPPORTED",
        pointer: "/{{ input.k }}",
        message: 'templates are not allowed in keys ("{{ input.k }}")',
      },
    ],
    [
      "an array mixes templated strings and templated objects",
      { a: ["{{ input.a }}", { b: "{{ input.b }}" }] },
      {
        code: "E_TEMPLATE_UNSUPPORTED",
        pointer: "/a/1",
        message:
          "an array that holds templated strings cannot also hold objects with templates; build the object in its own field",
      },
    ],
    [
      "a literal beside a templated string holds a backslash",
      { a: ["{{ input.a }}", "x\\y"] },
      {
        code: "E_TEMPLATE_UNSUPPORTED",
        pointer: "/a/1",
        message: "text mixed with templates may not contain a backslash",
      },
    ],
  ])("fails when %s", (_name, value, issue) => {
    expect(templateIssues(value)).toStrictEqual([issue]);
  });
});
