/**
 * The compensation chain starts at one dispatcher Choice (the latest step that is present) and
 * keeps a guard only where a step may be absent although a later one ran: these runs check that
 * exactly the steps that succeeded are undone, in reverse order, whichever way the chain is entered.
 */
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import type { ServiceCallRequest } from "../../lib/core/contract.ts";
import { runFlow, TaskError } from "../support/flow.ts";
import { call, sequential, workflow } from "../support/workflows.ts";

const TIMEOUT = 60_000;
const trace = (calls: ServiceCallRequest[]) =>
  calls.map((c) => `${c.mode === "call" ? "" : "undo "}${c.stepId}`);
const failAt =
  (id: string) =>
  (req: ServiceCallRequest): { body: unknown } => {
    if (req.mode === "call" && req.stepId === id) throw new TaskError("Baton.ClientError", "no");
    return { body: { id: `${req.stepId}-1` } };
  };

describe("compensation dispatcher", () => {
  it(
    "undoes only the steps that ran when one in the middle was skipped (when false)",
    async () => {
      // Prepare: b is skipped, d fails
      const asl = compileWorkflow(
        workflow(
          sequential([
            call("a", { compensate: {} }),
            call("b", { compensate: {}, when: "input.flag == true" }),
            call("c", { compensate: {} }),
            call("d", { compensate: {} }),
          ]),
        ),
      );

      // Act
      const result = await runFlow(asl, { flag: false }, { services: { svc: failAt("d") } });

      // Assess
      expect(result.status).toBe("FAILED");
      expect(trace(result.calls)).toEqual(["a", "c", "d", "undo c", "undo a"]);
    },
    TIMEOUT,
  );

  it(
    "compensate-only runs undo exactly the steps given, latest first",
    async () => {
      // Prepare
      const asl = compileWorkflow(
        workflow(
          sequential([
            call("a", { compensate: {} }),
            call("b", { compensate: {} }),
            call("c", { compensate: {} }),
          ]),
        ),
      );
      const run = (steps: Record<string, unknown>) =>
        runFlow(
          asl,
          {
            batonCompensate: {
              executionId: "e-1",
              input: {},
              steps,
              failure: { name: "Baton.Cancelled", message: "cancelled", step: "c" },
            },
          },
          { services: { svc: failAt("none") } },
        );

      // Act
      const none = await run({});
      const first = await run({ a: { body: {} } });
      const two = await run({ a: { body: {} }, b: { uncertain: true } });

      // Assess
      expect(trace(none.calls)).toEqual([]);
      expect(trace(first.calls)).toEqual(["undo a"]);
      expect(trace(two.calls)).toEqual(["undo b", "undo a"]);
    },
    TIMEOUT,
  );

  it(
    "guards a parallel sibling that may not have succeeded, and undoes the one that did",
    async () => {
      // Prepare: a, then b1 and b2 side by side (b2 fails), then j
      const asl = compileWorkflow(
        workflow([
          call("a", { compensate: {} }),
          call("b1", { compensate: {}, dependsOn: ["a"] }),
          call("b2", { compensate: {}, dependsOn: ["a"] }),
          call("j", { compensate: {}, dependsOn: ["b1", "b2"] }),
        ]),
      );

      // Act
      const result = await runFlow(asl, {}, { services: { svc: failAt("b2") } });

      // Assess
      expect(result.status).toBe("FAILED");
      const undos = trace(result.calls).filter((c) => c.startsWith("undo"));
      expect(undos).toEqual(["undo b1", "undo a"]);
    },
    TIMEOUT,
  );
});
