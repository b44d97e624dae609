/** Drawing a workflow: columns by dependency depth, labels, and the signals awaited. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { awaitedSignals, waitingAwaits, workflowGraph } from "../../lib/console/web/graph.ts";

const example = (name: string): unknown =>
  parse(readFileSync(join(import.meta.dirname, "../../workflows", name), "utf8"));

describe("workflowGraph", () => {
  it("puts steps without dependsOn one after the other, in file order", () => {
    const graph = workflowGraph(example("order-fulfillment.yaml"));

    expect(graph.map((s) => [s.id, s.kind, s.column, s.dependsOn])).toEqual([
      ["reserve", "call", 0, []],
      ["charge", "call", 1, ["reserve"]],
      ["ship", "call", 2, ["charge"]],
      ["announce", "emit", 3, ["ship"]],
    ]);
    expect(graph[1]?.label).toBe("payments POST /charges");
    expect(graph[0]?.label).toBe("inventory POST /reservations");
  });

  it("puts independent steps in one column and a fan-in after the deepest", () => {
    const graph = workflowGraph({
      steps: [
        { id: "a", call: "s POST /a" },
        { id: "b", dependsOn: [], call: "s POST /b" },
        { id: "c", dependsOn: ["a"], wait: { seconds: 3 } },
        { id: "d", dependsOn: ["b", "c"], await: { signal: "go" } },
      ],
    });

    expect(graph.map((s) => [s.id, s.column, s.label])).toEqual([
      ["a", 0, "s POST /a"],
      ["b", 0, "s POST /b"],
      ["c", 1, "3 s"],
      ["d", 2, "signal go"],
    ]);
  });

  it("survives a cycle or a definition that is not a workflow", () => {
    expect(
      workflowGraph({
        steps: [
          { id: "a", dependsOn: ["b"], succeed: {} },
          { id: "b", dependsOn: ["a"], succeed: {} },
        ],
      }).map((s) => s.id),
    ).toEqual(["a", "b"]);
    expect(workflowGraph("nope")).toEqual([]);
    expect(workflowGraph({ steps: [1, null] })).toEqual([]);
  });
});

describe("awaitedSignals", () => {
  it("finds await steps at any depth, once each, sorted", () => {
    const definition = {
      steps: [
        { id: "x", await: { signal: "zeta" } },
        {
          id: "p",
          parallel: [
            [{ id: "y", await: { signal: "alpha" } }],
            [{ id: "z", await: { signal: "zeta" } }],
          ],
        },
      ],
    };

    expect(awaitedSignals(definition)).toEqual(["alpha", "zeta"]);
    expect(awaitedSignals(example("order-fulfillment.yaml"))).toEqual([]);
  });
});

describe("waitingAwaits", () => {
  const nodes = workflowGraph({
    steps: [
      { id: "reserve", call: "inventory POST /reservations" },
      { id: "approve", await: { signal: "approval" } },
      { id: "charge", call: "payments POST /charges" },
      { id: "audit", dependsOn: [], await: { signal: "audit" } },
    ],
  });
  const records = (reserve: string) => [
    { id: "reserve", status: reserve },
    { id: "approve", status: "PENDING" },
    { id: "charge", status: "PENDING" },
    { id: "audit", status: "PENDING" },
  ];

  it("names the await steps whose predecessors are done while the execution runs or is paused", () => {
    expect([...waitingAwaits(nodes, records("SUCCEEDED"), "RUNNING")]).toEqual([
      "approve",
      "audit",
    ]);
    expect([...waitingAwaits(nodes, records("SUCCEEDED"), "PAUSED")]).toEqual(["approve", "audit"]);
  });

  it("names none before their predecessors are done, nor once the execution ended", () => {
    expect([...waitingAwaits(nodes, records("RUNNING"), "RUNNING")]).toEqual(["audit"]);
    expect([...waitingAwaits(nodes, records("SUCCEEDED"), "CANCELLED")]).toEqual([]);
  });
});
