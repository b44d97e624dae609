/**
 * A cancel with compensation during a loop: the compensation-only run gets every iteration that
 * ran, the one in flight included, newest first, with what each finished and its calls in flight
 * marked uncertain; the compiled chain then undoes each iteration with its own undo keys.
 */
import { describe, expect, it } from "vitest";
import { buildProject } from "../../lib/core/project/build.ts";
import { catalogueEntry } from "../../lib/core/project/catalogue.ts";
import { compensationSteps } from "../../lib/runtime/compensation-plan.ts";
import type { ExecutionDocument } from "../../lib/runtime/records/document.ts";

const project = buildProject([
  {
    file: "looped.yaml",
    text: `
workflow: looped
steps:
  - id: first
    call: books POST /entries
    compensate: { call: books POST /entries/undo }
  - id: batches
    loop:
      maxIterations: 5
      until: iteration >= 3
      steps:
        - id: book
          call: books POST /entries
          compensate: { call: books POST /entries/undo }
        - id: check
          call: books POST /checks
          compensate: { call: books POST /checks/undo }
`,
  },
]);
const ready = project.workflows[0];
if (!ready) throw new Error(JSON.stringify(project.files));
const workflow = catalogueEntry(ready);
const execution = { id: "e-1", steps: [] } as unknown as ExecutionDocument;

describe("compensationSteps for a loop", () => {
  it("gives every iteration newest first, the one in flight with its call marked uncertain", () => {
    // Act
    const steps = compensationSteps(
      workflow,
      execution,
      {
        input: {},
        steps: { first: { status: 201 }, batches: { count: 1, done: false, iterations: [] } },
        items: {
          batches: {
            0: { book: { status: 201 }, check: { status: 201 } },
            1: { book: { status: 201 } },
          },
        },
      },
      [{ stepId: "check", mode: "call", outcome: "unknown" }],
    );
    // Assess
    expect(steps.batches).toStrictEqual({
      count: 2,
      done: false,
      iterations: [
        { iteration: 1, steps: { book: { status: 201 }, check: { uncertain: true } } },
        { iteration: 0, steps: { book: { status: 201 }, check: { status: 201 } } },
      ],
    });
    expect(steps.first).toStrictEqual({ status: 201 });
  });

  it("marks a step the record shows running in an iteration (AWS: no in-flight calls seen)", () => {
    // Act
    const steps = compensationSteps(
      workflow,
      {
        ...execution,
        steps: [{ id: "batches[0].check", status: "RUNNING" }],
      } as unknown as ExecutionDocument,
      { input: {}, steps: {}, items: { batches: { 0: { book: { status: 201 } } } } },
      [],
    );
    // Assess
    expect(steps.batches).toStrictEqual({
      count: 1,
      done: false,
      iterations: [{ iteration: 0, steps: { book: { status: 201 }, check: { uncertain: true } } }],
    });
  });
});
