/** The one validator of EventBridge patterns (CLI, CDK and baton dev all use it). */
import { describe, expect, it } from "vitest";
import { validatePattern } from "../../lib/core/event-pattern.ts";

describe("event pattern validation", () => {
  it("fails when a field value is a bare string", () => {
    // Act
    const problems = validatePattern({ source: "aws.ec2" });
    // Assess
    expect(problems).toEqual([
      {
        path: "/source",
        message:
          'a field\'s value must be an array of matchers or a nested object; got the string "aws.ec2" (write ["aws.ec2"])',
      },
    ]);
  });

  it("reports every problem at once", () => {
    // Act
    const problems = validatePattern({
      a: [{ numeric: ["<", 10, ">", 1] }],
      b: [{ regex: "x" }],
      $or: [{ c: ["x"] }],
    });
    // Assess
    expect(problems.map((p) => p.path)).toEqual(["/a/0/numeric", "/b/0/regex", "/$or"]);
  });
});
