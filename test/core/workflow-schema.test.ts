/**
 * The editor schema of workflow files (schemas/workflow.schema.json) against the validator: it
 * accepts every example and fixture the validator accepts, rejects every file the validator
 * refuses with a problem the schema can see (SCHEMA_CHECKED_CODES), and is the file `baton schema
 * workflow` prints.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildProject } from "../../lib/core/project/build.ts";
import { SCHEMA_CHECKED_CODES, workflowJsonSchema } from "../../lib/core/schema/workflow-schema.ts";

const STALE = "schemas/ is out of date: run `npm run schemas` and commit the result";
const ROOT = join(import.meta.dirname, "../..");
const SCHEMA_FILE = join(ROOT, "schemas/workflow.schema.json");
/** Every folder holding workflow files; a new one must be listed here (checked below). */
const FOLDERS = [
  "workflows",
  "test/cli/fixtures",
  "test/core/fixtures/invalid",
  "test/integration/workflows",
  "test/local/fixtures/workflows",
];

const isWorkflowFile = (name: string) =>
  /\.(ya?ml|json)$/.test(name) && !/^services\.(ya?ml|json)$/.test(name);

function workflowFiles(): string[] {
  return FOLDERS.flatMap((folder) =>
    readdirSync(join(ROOT, folder))
      .filter(isWorkflowFile)
      .map((name) => `${folder}/${name}`),
  );
}

function schemaValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  formats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")));
}

/** What an editor sees: the parsed document, or a parse failure (duplicate keys included). */
function parseForEditor(text: string, file: string): { value: unknown } | { error: string } {
  try {
    return { value: file.endsWith(".json") ? JSON.parse(text) : parse(text) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function validatorVerdict(text: string, file: string) {
  const [loaded] = buildProject([{ file, text }], { complete: false }).files;
  const errors = (loaded?.problems ?? []).filter((p) => p.severity === "error");
  return { errors, schemaVisible: errors.filter((e) => SCHEMA_CHECKED_CODES.includes(e.code)) };
}

describe("workflow JSON Schema", () => {
  const validate = schemaValidator();
  const files = workflowFiles();

  it("is the document `baton schema workflow` prints", () => {
    expect(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")), STALE).toStrictEqual(
      workflowJsonSchema(),
    );
  });

  it("walks every folder that holds workflow files", () => {
    const found = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith("."))
          walk(`${dir}/${entry.name}`);
        else if (entry.isFile() && /\.ya?ml$/.test(entry.name) && isWorkflowFile(entry.name))
          found.add(dir);
      }
    };
    for (const dir of ["workflows", "test", "bench"]) walk(dir);
    expect([...found].sort()).toEqual([...FOLDERS].sort());
    expect(files.length).toBeGreaterThan(40);
  });

  it.each(workflowFiles())("agrees with the validator on %s", (file) => {
    // Prepare
    const text = readFileSync(join(ROOT, file), "utf8");

    // Act
    const verdict = validatorVerdict(text, file);
    const parsed = parseForEditor(text, file);
    const accepted = "value" in parsed && validate(parsed.value) === true;

    // Assess
    if (verdict.errors.length === 0) {
      expect(accepted, `${file}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    } else if (verdict.schemaVisible.length > 0) {
      expect(accepted, `${file} has ${verdict.schemaVisible.map((e) => e.code)}`).toBe(false);
    }
  });

  it("rejects the broken fixtures whose problems are about shape", () => {
    const dir = "test/core/fixtures/invalid";
    const rejected = files
      .filter((f) => f.startsWith(dir))
      .filter((file) => {
        const parsed = parseForEditor(readFileSync(join(ROOT, file), "utf8"), file);
        return !("value" in parsed) || validate(parsed.value) !== true;
      })
      .map((f) => relative(dir, f))
      .sort();
    // The rest (cycles, dependsOn, templates, conditions, express limits, schedules, the
    // W_NO_COMPENSATION warning) need the whole workflow: only the validator reports them.
    expect(rejected).toEqual([
      "call-object-with.yaml",
      "call-string.yaml",
      "duplicate-key.yaml",
      "emit-await.yaml",
      "fail-error.yaml",
      "input-schema.yaml",
      "json-file.json",
      "map-items.yaml",
      "merge-key.yaml",
      "retry.yaml",
      "root-list.yaml",
      "select.yaml",
      "step-id.yaml",
      "step-kind.yaml",
      "timeouts.yaml",
      "triggers.yaml",
      "unknown-field.yaml",
      "wait.yaml",
      "workflow-name.yaml",
    ]);
  });

  it("accepts a $schema key, as the validator does", () => {
    const text = [
      "$schema: ../node_modules/baton/schemas/workflow.schema.json",
      "workflow: with-schema",
      "steps: [ { id: pause, wait: { seconds: 1 } } ]",
    ].join("\n");
    expect(validatorVerdict(text, "with-schema.yaml").errors).toEqual([]);
    expect(validate(parse(text))).toBe(true);
  });

  it("fails when $schema is not a string, as the validator does", () => {
    const text = "$schema: 3\nworkflow: w\nsteps: [ { id: pause, wait: { seconds: 1 } } ]";
    expect(validatorVerdict(text, "w.yaml").errors.map((e) => [e.code, e.path])).toEqual([
      ["E_TYPE", "/$schema"],
    ]);
    expect(validate(parse(text))).toBe(false);
  });
});
