import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROBLEM_CODES } from "../../lib/core/codes.ts";
import { formatProblem, formatProblems, type Problem } from "../../lib/core/problems.ts";

const cycle: Problem = {
  code: "E_CYCLE",
  severity: "error",
  path: "/steps/1",
  message: "a → b → a",
  line: 7,
  hint: "break it",
};

describe("formatProblem", () => {
  it("renders file:line: code message (hint)", () => {
    expect(formatProblem("flows/a.yaml", cycle)).toBe(
      "flows/a.yaml:7: E_CYCLE a → b → a (break it)",
    );
  });

  it("marks warnings after the code", () => {
    const warning: Problem = {
      code: "W_NO_COMPENSATION",
      severity: "warning",
      path: "/steps/0",
      message: "POST without compensate",
      line: 3,
    };
    expect(formatProblem("a.yaml", warning)).toBe(
      "a.yaml:3: W_NO_COMPENSATION warning: POST without compensate",
    );
  });

  it("fails when a problem without a line loses its location (the JSON pointer stands in)", () => {
    const problem: Problem = {
      code: "E_INPUT_SCHEMA",
      severity: "error",
      path: "/input",
      message: "no",
    };
    expect(formatProblem("a.json", problem)).toBe("a.json#/input: E_INPUT_SCHEMA no");
    expect(formatProblem("a.json", { ...problem, path: "" })).toBe("a.json: E_INPUT_SCHEMA no");
  });

  it("lists files in order and problems by line within each", () => {
    const late: Problem = { ...cycle, line: 9, message: "late" };
    const lines = formatProblems([
      { file: "b.yaml", problem: late },
      { file: "a.yaml", problem: cycle },
      { file: "b.yaml", problem: cycle },
    ]);
    expect(lines).toStrictEqual([
      "b.yaml:7: E_CYCLE a → b → a (break it)",
      "b.yaml:9: E_CYCLE late (break it)",
      "a.yaml:7: E_CYCLE a → b → a (break it)",
    ]);
  });
});

describe("problem codes", () => {
  /** Every TypeScript file under the source folders. */
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sources(path);
      return name.endsWith(".ts") ? [path] : [];
    });
  }

  it("fails when a code written anywhere in the source (even inside a message) is not in codes.ts", () => {
    // Prepare
    const files = ["lib", "functions", "bin"].flatMap(sources);
    // Act
    const unknown = files.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/\b[EW]_[A-Z][A-Z_]+\b/g)]
        .map((m) => m[0])
        .filter((code) => !Object.hasOwn(PROBLEM_CODES, code))
        .map((code) => `${file}: ${code}`),
    );
    // Assess
    expect(unknown).toStrictEqual([]);
  });
});
