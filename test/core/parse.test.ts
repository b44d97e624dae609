import { describe, expect, it } from "vitest";
import { parseSource } from "../../lib/core/parse.ts";

describe("parseSource", () => {
  it("reads YAML and finds the line of every node", () => {
    // Prepare
    const text = [
      "workflow: demo",
      "steps:",
      "  - id: a",
      "    call: svc GET /x",
      "    with:",
      "      k: 1",
    ].join("\n");

    // Act
    const parsed = parseSource(text, "demo.yaml");

    // Assess
    expect(parsed.problems).toEqual([]);
    expect(parsed.value).toEqual({
      workflow: "demo",
      steps: [{ id: "a", call: "svc GET /x", with: { k: 1 } }],
    });
    expect(parsed.lineOf("")).toBe(1);
    expect(parsed.lineOf("/workflow")).toBe(1);
    expect(parsed.lineOf("/steps")).toBe(2);
    expect(parsed.lineOf("/steps/0")).toBe(3);
    expect(parsed.lineOf("/steps/0/call")).toBe(4);
    expect(parsed.lineOf("/steps/0/with/k")).toBe(6);
  });

  it("falls back to the nearest node that exists", () => {
    const parsed = parseSource("workflow: demo\nsteps:\n  - id: a\n", "demo.yaml");
    expect(parsed.lineOf("/steps/0/call/service")).toBe(3);
    expect(parsed.lineOf("/nothing/here")).toBe(1);
  });

  it("reads JSON with lines", () => {
    const parsed = parseSource(
      '{\n  "workflow": "demo",\n  "steps": [\n    {"id": "a"}\n  ]\n}',
      "demo.json",
    );
    expect(parsed.value).toEqual({ workflow: "demo", steps: [{ id: "a" }] });
    expect(parsed.lineOf("/steps/0/id")).toBe(4);
  });

  it("escapes keys in pointers", () => {
    const parsed = parseSource("a/b:\n  c~d: 1\n", "x.yaml");
    expect(parsed.lineOf("/a~1b/c~0d")).toBe(2);
  });

  it("resolves anchors and aliases", () => {
    const parsed = parseSource("defs: &retry {maxAttempts: 2}\nuse: *retry\n", "x.yaml");
    expect(parsed.problems).toEqual([]);
    expect(parsed.value).toEqual({ defs: { maxAttempts: 2 }, use: { maxAttempts: 2 } });
  });

  it("keeps merge keys as plain keys", () => {
    const parsed = parseSource("base: &b {x: 1}\nitem:\n  <<: *b\n", "x.yaml");
    expect(parsed.value).toEqual({ base: { x: 1 }, item: { "<<": { x: 1 } } });
  });

  it("reads an empty file as null", () => {
    expect(parseSource("", "x.yaml").value).toBeNull();
  });

  it("fails when the YAML is malformed", () => {
    const parsed = parseSource('workflow: demo\nsteps:\n  - id: "a\n', "x.yaml");
    expect(parsed.value).toBeUndefined();
    expect(parsed.problems).toEqual([
      {
        code: "E_YAML",
        severity: "error",
        path: "",
        message: "a quoted string is not closed: the quote opened here has no closing quote",
        hint: "add the closing quote",
        line: 3,
        column: 10,
      },
    ]);
  });

  it("fails when the file holds several documents", () => {
    const parsed = parseSource("a: 1\n---\nb: 2\n", "x.yaml");
    expect(parsed.problems.map((p) => [p.code, p.line])).toEqual([["E_YAML", 2]]);
  });

  it("fails when a mapping repeats a key", () => {
    const parsed = parseSource("workflow: demo\nsteps: []\nworkflow: other\n", "x.yaml");
    expect(parsed.problems).toEqual([
      {
        code: "E_DUPLICATE_KEY",
        severity: "error",
        path: "",
        message: "a key appears twice in the same mapping",
        line: 3,
      },
    ]);
  });

  it("fails when a template is not quoted", () => {
    const parsed = parseSource(
      "workflow: demo\nsteps:\n  - id: a\n    with:\n      n: {{ input.n }}\n",
      "x.yaml",
    );
    expect(parsed.value).toBeUndefined();
    expect(parsed.problems).toEqual([
      {
        code: "E_YAML",
        severity: "error",
        path: "/steps/0/with/n",
        message: "YAML reads the unquoted template {{ input.n }} as a mapping",
        hint: 'quote it: "{{ input.n }}"',
        line: 5,
      },
    ]);
  });

  it("fails when a mapping key is a collection", () => {
    const parsed = parseSource("a: { [1]: 2 }\n", "x.yaml");
    expect(parsed.problems.map((p) => [p.code, p.path, p.message])).toEqual([
      ["E_YAML", "/a", "a mapping key is itself a list or mapping: { [1]: 2 }"],
    ]);
  });

  it("fails when aliases expand too far", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
    ].join("\n");
    const parsed = parseSource(bomb, "x.yaml");
    expect(parsed.value).toBeUndefined();
    expect(parsed.problems.map((p) => p.code)).toEqual(["E_YAML"]);
  });
});
