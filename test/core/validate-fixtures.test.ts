/**
 * Invalid workflow files in test/core/fixtures/invalid. Each YAML file states what it tests in its
 * first comment line and what it must report as `# expect: <code> <pointer> <line>` lines.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProject } from "../../lib/core/project/build.ts";

/** One file through the Project, as `baton compile <file>` loads it. */
function loadWorkflow(text: string, file: string, options: { strict?: boolean } = {}) {
  const [loaded] = buildProject([{ file, text }], { ...options, complete: false }).files;
  return {
    workflow: loaded?.ready === true ? loaded.workflow : undefined,
    problems: loaded?.problems ?? [],
  };
}

const dir = join(import.meta.dirname, "fixtures/invalid");

interface Fixture {
  readonly file: string;
  readonly title: string;
  readonly text: string;
  readonly expected: { code: string; path: string; line: number }[];
}

function readFixture(file: string): Fixture {
  const text = readFileSync(join(dir, file), "utf8");
  const lines = text.split("\n");
  const title = (lines[0] ?? "").replace(/^#\s*/, "");
  const expected = lines.flatMap((line) => {
    const match = /^# expect: (\S+) (\S*) (\d+)$/.exec(line);
    return match ? [{ code: match[1] ?? "", path: match[2] ?? "", line: Number(match[3]) }] : [];
  });
  return { file, title, text, expected };
}

const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map(readFixture);

describe("invalid fixtures", () => {
  it("has fixtures that state their expectations", () => {
    expect(fixtures.length).toBeGreaterThan(20);
    for (const fixture of fixtures) expect(fixture.expected, fixture.file).not.toEqual([]);
  });

  it.each(fixtures.map((f) => [f.title, f] as const))("%s", (_title, fixture) => {
    // Act
    const result = loadWorkflow(fixture.text, fixture.file);

    // Assess
    expect(result.workflow === undefined).toBe(
      fixture.expected.some((e) => e.code.startsWith("E_")),
    );
    expect(result.problems.map(({ code, path, line }) => ({ code, path, line }))).toEqual(
      fixture.expected,
    );
  });

  it("fails when a JSON file has an unknown jitter, with its line", () => {
    const text = readFileSync(join(dir, "json-file.json"), "utf8");
    expect(loadWorkflow(text, "json-file.json").problems).toEqual([
      {
        code: "E_ENUM",
        severity: "error",
        path: "/steps/0/retry/jitter",
        message: 'retry.jitter must be "full" or "none", got "some"',
        line: 3,
      },
    ]);
  });

  it("fails under strict when a side-effecting call has no compensation", () => {
    const text = readFileSync(join(dir, "no-compensation.yaml"), "utf8");
    const result = loadWorkflow(text, "no-compensation.yaml", { strict: true });
    expect(result.workflow).toBeUndefined();
    expect(result.problems.map((p) => [p.code, p.severity, p.line])).toEqual([
      ["W_NO_COMPENSATION", "error", 6],
    ]);
  });
});
