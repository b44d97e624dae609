import { describe, expect, it } from "vitest";
import { parseSource } from "../../lib/core/parse.ts";
import { plainYamlError } from "../../lib/core/yaml-errors.ts";

/** The first problem of a broken file, as `line:column message`. */
function firstProblem(text: string): string {
  const [problem] = parseSource(text, "broken.yaml").problems;
  return `${problem?.line}:${problem?.column} ${problem?.message}`;
}

describe("YAML syntax errors in plain words", () => {
  it.each([
    [
      "a key indented one space short of its siblings",
      "workflow: w\nsteps:\n  - id: a\n   call: {}\n",
      "4:1 this line is indented like a list item but does not start with '- '",
    ],
    [
      "a tab used for indentation",
      "workflow: w\n\tsteps: []\n",
      "2:1 a tab is used for indentation; YAML indents with spaces only",
    ],
    [
      "an unclosed flow mapping",
      "workflow: w\nsteps:\n  - id: a\n    call: {service: s, method: GET\n",
      "4:34 a '[' or '{' on this line is not closed",
    ],
    [
      "an unclosed double quote",
      'workflow: w\nsteps:\n  - id: "a\n',
      "3:10 a quoted string is not closed: the quote opened here has no closing quote",
    ],
    [
      "list items at different columns",
      "workflow: w\nsteps:\n  - id: a\n   - id: b\n",
      "4:4 the items of this list do not start at the same column",
    ],
    [
      "a line with no colon among mapping keys",
      "workflow: w\ndescription\nsteps: []\n",
      "2:1 a key runs over more than one line, or the line above it has no ':'",
    ],
    [
      "a second document",
      "workflow: w\n---\nworkflow: v\n",
      "2:1 the file holds more than one YAML document (a second '---')",
    ],
  ])("explains %s at its line and column", (_name, text, expected) => {
    expect(firstProblem(text)).toBe(expected);
  });

  it("keeps the library's wording for a code it has no plain words for", () => {
    const plain = plainYamlError({
      code: "IMPOSSIBLE",
      message: "Map comment with trailing content\nmore",
    });

    expect(plain).toEqual({ message: "YAML syntax error: Map comment with trailing content" });
  });
});
