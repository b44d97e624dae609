import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../lib/core/model.ts";
import { buildProject } from "../../lib/core/project/build.ts";
import { readTemplates } from "../../lib/core/project/templates.ts";
import { instantiateTemplate, type TemplateValues } from "../../lib/core/template-params.ts";

const TEMPLATES = join(import.meta.dirname, "../../templates");

const build = (text: string, values: TemplateValues | "refused" = {}) =>
  buildProject([{ file: "t.yaml", text }], {
    complete: false,
    ...(values === "refused" ? {} : { templates: values }),
  });
const found = (text: string, values?: TemplateValues | "refused") =>
  build(text, values).problems.map(({ problem: p }) => [p.code, p.path, p.line ?? null]);

const TINY = [
  "template: tiny",
  "parameters:",
  "  type: object",
  "  required: [service]",
  "  properties:",
  "    service: { type: string, pattern: '^[a-z]+$' }",
  "    attempts: { type: integer, minimum: 1, default: 2 }",
  "    tags: { type: array, default: [a, b] }",
  "steps:",
  "  - id: get",
  '    call: "{{ param.service }} GET /items/{{ input.id }}"',
  '    retry: { maxAttempts: "{{ param.attempts }}" }',
  '    with: { tags: "{{ param.tags }}", label: "n={{ param.attempts }}" }',
].join("\n");

describe("templates shipped in templates/", () => {
  const files = readdirSync(TEMPLATES).filter((f) => f.endsWith(".yaml"));

  it("ships the seeds' scenarios", () => {
    expect(files.sort()).toStrictEqual([
      "approval.yaml",
      "batch-fan-out.yaml",
      "data-pipeline.yaml",
      "saga.yaml",
      "voice-transcription.yaml",
    ]);
  });

  it.each(files)("%s creates a valid workflow from its example, with no warnings", (file) => {
    // Prepare
    const text = readFileSync(join(TEMPLATES, file), "utf8");
    // Act
    const project = buildProject([{ file, text }], { complete: false, templates: {} });
    // Assess
    expect(project.problems).toStrictEqual([]);
    expect(project.workflows[0]?.name).toBe(file.replace(".yaml", ""));
  });

  it.each(files)("%s refuses a value its schema does not allow", (file) => {
    const text = readFileSync(join(TEMPLATES, file), "utf8");
    const project = buildProject([{ file, text }], {
      complete: false,
      templates: { parameters: { notAParameter: 1 } },
    });
    expect(project.problems.map((p) => p.problem.code)).toContain("E_PARAMETER_VALUE");
    expect(project.workflows).toStrictEqual([]);
  });

  it("fills a saga with typed values: numbers stay numbers, lists stay lists", () => {
    const text = readFileSync(join(TEMPLATES, "saga.yaml"), "utf8");
    const project = buildProject([{ file: "saga.yaml", text }], {
      complete: false,
      templates: {
        name: "eu-orders",
        parameters: { paymentsService: "billing", chargeAttempts: 7, currencies: ["EUR", "CHF"] },
      },
    });
    const source = project.workflows[0]?.source as JsonObject;
    expect(source.workflow).toBe("eu-orders");
    expect(source.description).toBe("Reserve, charge and ship through billing; undo on failure");
    expect(JSON.stringify(source)).not.toContain("param.");
    const steps = source.steps as JsonObject[];
    expect(steps[1]?.retry).toStrictEqual({ maxAttempts: 7 });
    expect(steps[1]?.call).toBe("billing POST /charges");
    // Defaults apply to what was not given; run-time templates are left alone.
    expect(steps[0]?.call).toBe("inventory POST /reservations");
    expect((steps[0]?.compensate as JsonObject | undefined)?.call).toBe(
      "inventory DELETE /reservations/{{ steps.reserve.body.id }}",
    );
    const input = source.input as { properties: { currency: JsonObject } };
    expect(input.properties.currency.enum).toStrictEqual(["EUR", "CHF"]);
  });
});

describe("instantiateTemplate", () => {
  it("reads a document with no template name as a problem, not a crash", () => {
    expect(instantiateTemplate({ parameters: { type: "object" } }).problems[0]?.code).toBe(
      "E_TEMPLATE_NAME",
    );
  });

  it("substitutes whole values with their type and text parts as text", () => {
    const project = build(TINY, { parameters: { service: "shop" } });
    expect(project.problems).toStrictEqual([]);
    const step = (project.workflows[0]?.source as { steps: JsonObject[] } | undefined)?.steps[0];
    expect(step).toStrictEqual({
      id: "get",
      call: "shop GET /items/{{ input.id }}",
      retry: { maxAttempts: 2 },
      with: { tags: ["a", "b"], label: "n=2" },
    });
  });

  it("names the workflow from the values, else from the template", () => {
    expect(build(TINY, { parameters: { service: "s" }, name: "mine" }).workflows[0]?.name).toBe(
      "mine",
    );
    expect(build(TINY, { parameters: { service: "s" } }).workflows[0]?.name).toBe("tiny");
  });

  it("fails when a required parameter is missing and there is no example, at its declaration", () => {
    expect(found(TINY)).toStrictEqual([["E_PARAMETER_VALUE", "/parameters/service", 6]]);
  });

  it("fails when a value breaks the schema, naming the parameter", () => {
    const project = build(TINY, { parameters: { service: "UPPER", attempts: 0 } });
    expect(project.problems.map((p) => [p.problem.path, p.problem.message])).toStrictEqual([
      ["/parameters/service", 'parameter service must match pattern "^[a-z]+$"'],
      ["/parameters/attempts", "parameter attempts must be >= 1"],
    ]);
  });

  it("fails when the created workflow's name is not a workflow name, at the template line", () => {
    expect(found(TINY, { parameters: { service: "s" }, name: "Bad Name" })).toStrictEqual([
      ["E_WORKFLOW_NAME", "/template", 1],
    ]);
  });

  it("fails when a reference names an undeclared parameter, with its line and a hint", () => {
    const text = TINY.replace("{{ param.service }} GET", "{{ param.servise }} GET");
    const project = build(text, { parameters: { service: "s" } });
    const problem = project.problems.find((p) => p.problem.code === "E_UNKNOWN_PARAMETER");
    expect(problem?.problem).toMatchObject({ path: "/steps/0/call", line: 11 });
    expect(problem?.problem.hint).toContain("service");
    // The parameter no longer read is reported too.
    expect(project.problems.map((p) => p.problem.code)).toContain("W_UNUSED_PARAMETER");
  });

  it("fails when a reference has a path or a default, or sits in a key", () => {
    const text = `${TINY}\n    headers: { "x-{{ param.service }}": "{{ param.service.x }}", y: "{{ param.attempts ?? 3 }}" }`;
    expect(
      found(text, { parameters: { service: "s" } }).filter((p) => p[0] !== "W_UNUSED_PARAMETER"),
    ).toStrictEqual([
      ["E_PARAMETER_REFERENCE", "/steps/0/headers/x-{{ param.service }}", 14],
      ["E_PARAMETER_REFERENCE", "/steps/0/headers/x-{{ param.service }}", 14],
      ["E_PARAMETER_REFERENCE", "/steps/0/headers/y", 14],
    ]);
  });

  it("fails when a list or object value sits inside text", () => {
    const text = TINY.replace('label: "n={{ param.attempts }}"', 'label: "n={{ param.tags }}"');
    expect(found(text, { parameters: { service: "s" } })).toStrictEqual([
      ["E_PARAMETER_VALUE", "/steps/0/with/label", 13],
    ]);
  });

  it("fails when an optional parameter without default is read and not given", () => {
    const text = TINY.replace(
      "    tags: { type: array, default: [a, b] }",
      "    tags: { type: array }",
    );
    expect(found(text, { parameters: { service: "s" } })).toStrictEqual([
      ["E_PARAMETER_VALUE", "/steps/0/with/tags", 13],
    ]);
  });

  it("fails when parameters is missing, not an object schema, or not a JSON Schema", () => {
    const without = TINY.split("\n")
      .filter((_, i) => i === 0 || i > 7)
      .join("\n");
    expect(found(without)[0]).toStrictEqual(["E_TEMPLATE_PARAMETERS", "", 1]);
    expect(found("template: t\nparameters: { type: string }\nsteps: []")[0]).toStrictEqual([
      "E_TEMPLATE_PARAMETERS",
      "/parameters",
      2,
    ]);
    const typo =
      "template: t\nparameters:\n  type: object\n  properties: { a: { type: strin } }\nsteps: []";
    expect(found(typo).map((p) => p[0])).toContain("E_TEMPLATE_PARAMETERS");
    const badName =
      "template: t\nparameters:\n  type: object\n  properties: { a-b: { type: string } }\nsteps: []";
    expect(found(badName)[0]).toStrictEqual([
      "E_TEMPLATE_PARAMETERS",
      "/parameters/properties/a-b",
      4,
    ]);
  });

  it("fails when the template name is not a name", () => {
    expect(found(TINY.replace("template: tiny", "template: Tiny!"))[0]).toStrictEqual([
      "E_TEMPLATE_NAME",
      "/template",
      1,
    ]);
  });

  it("reports the created workflow's own problems at the template's lines", () => {
    const text = TINY.replace("    call:", "    cal:");
    const codes = found(text, { parameters: { service: "s" } });
    expect(codes).toContainEqual(["E_UNKNOWN_FIELD", "/steps/0/cal", 11]);
  });

  it("fails when a template is where workflows are deployed from", () => {
    expect(found(TINY, "refused")).toStrictEqual([["E_TEMPLATE_NOT_WORKFLOW", "/template", 1]]);
  });

  it("uses the first example when no values are given", () => {
    const text = TINY.replace(
      "  required: [service]",
      "  required: [service]\n  examples: [{ service: ex }]",
    );
    expect(build(text).workflows[0]?.workflow.name).toBe("tiny");
    expect(JSON.stringify(build(text).workflows[0]?.source)).toContain('"ex GET /items');
  });
});

describe("readTemplates", () => {
  const example = TINY.replace(
    "  required: [service]",
    "  required: [service]\n  examples: [{ service: ex }]",
  );
  const tiny = (name: string) => example.replace("template: tiny", `template: ${name}`);

  it("serves the templates without errors, by name, and reports the others", () => {
    const set = readTemplates([
      { file: "t/b.yaml", text: tiny("b") },
      { file: "t/a.yaml", text: tiny("a") },
      { file: "t/dup.yaml", text: tiny("a") },
      { file: "t/w.yaml", text: "workflow: w\nsteps: [{ id: a, call: s GET /a }]" },
      {
        file: "t/bad.yaml",
        text: example.replace("{{ param.service }} GET", "{{ param.nope }} GET"),
      },
    ]);
    expect(set.templates.map((t) => [t.info.name, t.file])).toStrictEqual([
      ["a", "t/a.yaml"],
      ["b", "t/b.yaml"],
    ]);
    expect(set.problems.map((p) => [p.file, p.problem.code, p.problem.line])).toStrictEqual([
      ["t/dup.yaml", "E_TEMPLATE_NAME", 1],
      ["t/w.yaml", "E_TEMPLATE_NAME", 1],
      ["t/bad.yaml", "E_UNKNOWN_PARAMETER", 12],
      ["t/bad.yaml", "W_UNUSED_PARAMETER", 7],
    ]);
  });
});
