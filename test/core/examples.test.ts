import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { estimateCost } from "../../lib/core/cost.ts";
import { toMermaid } from "../../lib/core/mermaid.ts";
import { loadProject } from "../../lib/core/project/load.ts";
import { placeholdersIn } from "../../lib/core/wire.ts";

interface AslValidation {
  readonly isValid: boolean;
  readonly errors: readonly { readonly "Error code": string; readonly Message: string }[];
}
type AslValidator = (
  definition: unknown,
  options?: { checkPaths: boolean; checkArn: boolean },
) => AslValidation;

// asl-validator is CommonJS without type declarations.
const aslValidator = createRequire(import.meta.url)("asl-validator") as AslValidator;

const DIR = join(import.meta.dirname, "../../workflows");
const EXAMPLES = [
  "data-pipeline.yaml",
  "document-analysis.yaml",
  "order-fulfillment.yaml",
  "user-registration.yaml",
  "voice-transcription.yaml",
];

/** What CDK substitutes for the placeholders, so the ARN checks see real-looking values. */
function substituted(asl: string): string {
  return placeholdersIn(asl).reduce((text, key) => {
    const value = key.startsWith("ChildWorkflow_")
      ? `arn:aws:states:us-east-1:123456789012:stateMachine:${key}`
      : key === "BatonEventBus"
        ? "baton-orchestration"
        : `arn:aws:lambda:us-east-1:123456789012:function:${key}`;
    return text.replaceAll(`\${${key}}`, value);
  }, asl);
}

const loaded = loadProject(EXAMPLES.map((name) => join(DIR, name)));

describe("example workflows", () => {
  it("are exactly the files in workflows/ besides the service registry", () => {
    // Prepare / Act
    const files = readdirSync(DIR).filter(
      (name) => /\.(ya?ml|json)$/.test(name) && !name.startsWith("services."),
    );

    // Assess
    expect(files.sort()).toEqual(EXAMPLES);
  });

  it("load without errors or warnings", () => {
    // Prepare / Act / Assess
    expect(loaded.problems).toEqual([]);
    expect(loaded.workflows.map((w) => w.workflow.name).sort()).toEqual([
      "data-pipeline",
      "document-analysis",
      "order-fulfillment",
      "user-registration",
      "voice-transcription",
    ]);
  });

  for (const name of EXAMPLES) {
    it(`${name} compiles to ASL that asl-validator accepts`, () => {
      // Prepare
      const entry = loaded.workflows.find((w) => w.file.endsWith(name));
      if (!entry) throw new Error(`${name} did not load`);

      // Act
      const asl = compileWorkflow(entry.workflow);
      const result = aslValidator(JSON.parse(substituted(JSON.stringify(asl))), {
        checkPaths: true,
        checkArn: true,
      });

      // Assess
      expect(result.errors).toEqual([]);
      expect(result.isValid).toBe(true);
    });

    it(`${name} renders a graph and a cost estimate`, () => {
      // Prepare
      const entry = loaded.workflows.find((w) => w.file.endsWith(name));
      if (!entry) throw new Error(`${name} did not load`);

      // Act
      const chart = toMermaid(entry.workflow);
      const report = estimateCost(entry.workflow, compileWorkflow(entry.workflow));

      // Assess: every step appears, and the happy path costs the least
      for (const step of entry.workflow.steps) expect(chart).toContain(`s_${step.id}`);
      expect(report.best.failureRate).toBe(0);
      expect(report.best.transitions).toBeLessThan(report.expected.transitions);
      expect(report.expected.transitions).toBeLessThan(report.worst.transitions);
    });
  }

  it("exercise the language: saga, when, triggers, express, choice, fan-out and map", () => {
    // Prepare
    const byName = new Map(loaded.workflows.map((w) => [w.workflow.name, w.workflow]));
    const kinds = (name: string) => JSON.stringify(byName.get(name)?.steps);

    // Act / Assess
    expect(byName.get("order-fulfillment")?.triggers.map((t) => t.kind)).toEqual(["event"]);
    expect(byName.get("data-pipeline")?.triggers.map((t) => t.kind)).toEqual(["schedule"]);
    expect(byName.get("user-registration")?.type).toBe("express");
    expect(kinds("order-fulfillment")).toContain('"compensate"');
    expect(kinds("order-fulfillment")).toContain('"when"');
    expect(kinds("data-pipeline")).toContain('"kind":"choice"');
    expect(kinds("document-analysis")).toContain('"kind":"map"');
    const analysis = byName.get("document-analysis")?.steps ?? [];
    expect(
      analysis
        .filter((s) => s.dependsOn.length === 1 && s.dependsOn[0] === "fetch")
        .map((s) => s.id),
    ).toEqual(["entities", "summary", "classify", "pages"]);
  });
});
