import { describe, expect, it } from "vitest";
import { escapeLabel, nodeId, toMermaid } from "../../lib/core/mermaid.ts";
import {
  type CallStep,
  type Compensation,
  DEFAULT_RETRY,
  type Step,
  type Workflow,
} from "../../lib/core/model.ts";

function call(id: string, extra: Partial<CallStep> = {}, dependsOn: string[] = []): CallStep {
  return {
    id,
    kind: "call",
    call: { service: "inventory", method: "POST", path: `/${id}` },
    timeout: 10,
    retry: DEFAULT_RETRY,
    idempotent: true,
    dependsOn,
    explicitDependsOn: false,
    pointer: "",
    ...extra,
  };
}

const undo = (path: string): Compensation => ({
  call: { service: "inventory", method: "DELETE", path },
  timeout: 10,
  retry: DEFAULT_RETRY,
});

const workflow = (steps: Step[]): Workflow => ({
  name: "wf",
  version: 1,
  type: "standard",
  triggers: [],
  steps,
});

const lines = (text: string): string[] => text.trimEnd().split("\n");

describe("toMermaid", () => {
  it("draws a sequence from start to end with a node per step", () => {
    // Prepare
    const wf = workflow([call("reserve"), call("charge", {}, ["reserve"])]);

    // Act
    const chart = toMermaid(wf);

    // Assess
    expect(lines(chart)).toStrictEqual([
      "flowchart TD",
      '  start_(("start"))',
      '  end_(("end"))',
      '  s_reserve["reserve<br/>POST inventory /reserve"]',
      '  s_charge["charge<br/>POST inventory /charge"]',
      "  s_reserve --> s_charge",
      "  start_ --> s_reserve",
      "  s_charge --> end_",
    ]);
  });

  it("labels the edges into a step with its when condition, escaped", () => {
    // Prepare
    const wf = workflow([
      call("a"),
      call("b", { when: "input.amount < 10 and input.note == 'say \"hi\"'" }, ["a"]),
    ]);

    // Act
    const chart = lines(toMermaid(wf));

    // Assess
    expect(chart).toContain(
      `  s_a -->|"input.amount #lt; 10 and input.note == 'say #quot;hi#quot;'"| s_b`,
    );
  });

  it("fans independent steps out from start and back in to their dependent", () => {
    // Prepare: a and b start together; c waits for both
    const wf = workflow([call("a"), call("b"), call("c", {}, ["a", "b"])]);

    // Act
    const chart = lines(toMermaid(wf));

    // Assess
    expect(chart.filter((l) => l.includes("-->"))).toStrictEqual([
      "  s_a --> s_c",
      "  s_b --> s_c",
      "  start_ --> s_a",
      "  start_ --> s_b",
      "  s_c --> end_",
    ]);
  });

  it("puts parallel branches, choice cases and map bodies in subgraphs", () => {
    // Prepare
    const wf = workflow([
      {
        id: "fan",
        kind: "parallel",
        dependsOn: [],
        explicitDependsOn: false,
        pointer: "",
        branches: [[call("a")], [call("b")]],
      },
      {
        id: "pick",
        kind: "choice",
        dependsOn: ["fan"],
        explicitDependsOn: false,
        pointer: "",
        cases: [{ when: "input.kind == 'x'", steps: [call("x")] }],
        otherwise: [],
      },
      {
        id: "each",
        kind: "map",
        items: "{{ input.items }}",
        maxConcurrency: 0,
        dependsOn: ["pick"],
        explicitDependsOn: false,
        pointer: "",
        steps: [call("item")],
      },
    ]);

    // Act
    const chart = lines(toMermaid(wf));

    // Assess
    expect(chart.slice(3)).toStrictEqual([
      '  subgraph s_fan["fan<br/>parallel"]',
      '    subgraph s_fan__branch1["branch 1"]',
      "      direction TB",
      '      s_a["a<br/>POST inventory /a"]',
      "    end",
      '    subgraph s_fan__branch2["branch 2"]',
      "      direction TB",
      '      s_b["b<br/>POST inventory /b"]',
      "    end",
      "  end",
      '  subgraph s_pick["pick<br/>choice"]',
      '    s_pick__decide{"pick?"}',
      '    s_x["x<br/>POST inventory /x"]',
      `    s_pick__decide -->|"input.kind == 'x'"| s_x`,
      '    s_pick__skip2(["skip"])',
      '    s_pick__decide -->|"otherwise"| s_pick__skip2',
      "  end",
      '  subgraph s_each["each<br/>map over {{ input.items }}"]',
      '    s_item["item<br/>POST inventory /item"]',
      "  end",
      "  s_fan --> s_pick",
      "  s_pick --> s_each",
      "  start_ --> s_fan",
      "  s_each --> end_",
    ]);
  });

  it("marks compensation edges and chains compensations in reverse order, dashed", () => {
    // Prepare
    const wf = workflow([
      call("reserve", { compensate: undo("/reservations/{{ steps.reserve.body.id }}") }),
      call("charge", { compensate: undo("/charges") }, ["reserve"]),
      call("ship", {}, ["charge"]),
    ]);

    // Act
    const chart = lines(toMermaid(wf));

    // Assess
    const start = chart.indexOf(
      '  subgraph compensation_["compensation, on failure, in reverse order"]',
    );
    expect(chart.slice(start)).toStrictEqual([
      '  subgraph compensation_["compensation, on failure, in reverse order"]',
      '    c_reserve["undo reserve<br/>DELETE inventory /reservations/{{ steps.reserve.body.id }}"]',
      '    c_charge["undo charge<br/>DELETE inventory /charges"]',
      "  end",
      "  s_reserve -.->|compensate| c_reserve",
      "  s_charge -.->|compensate| c_charge",
      "  c_charge -.-> c_reserve",
      "  classDef compensation stroke-dasharray: 5 5",
      "  class c_reserve,c_charge compensation",
    ]);
  });

  it("gives every step kind its own shape and ends fail steps without an edge to end", () => {
    // Prepare
    const base = { explicitDependsOn: false, pointer: "" } as const;
    const wf = workflow([
      { ...base, id: "pause", kind: "wait", seconds: 5, dependsOn: [] },
      {
        ...base,
        id: "tell",
        kind: "emit",
        detailType: "Order Shipped",
        detail: {},
        dependsOn: ["pause"],
      },
      {
        ...base,
        id: "approve",
        kind: "await",
        signal: "approval",
        timeout: 60,
        dependsOn: ["tell"],
      },
      {
        ...base,
        id: "child",
        kind: "workflow",
        name: "billing",
        input: {},
        dependsOn: ["approve"],
      },
      { ...base, id: "stop", kind: "fail", error: "Rejected", dependsOn: ["child"] },
    ]);

    // Act
    const chart = lines(toMermaid(wf));

    // Assess
    expect(chart.slice(3, 8)).toStrictEqual([
      '  s_pause("pause<br/>wait 5s")',
      '  s_tell>"tell<br/>emit Order Shipped"]',
      '  s_approve[/"approve<br/>await signal approval (timeout 60s)"/]',
      '  s_child[["child<br/>workflow billing"]]',
      '  s_stop{{"stop<br/>fail Rejected"}}',
    ]);
    expect(chart.some((l) => l.includes("--> end_"))).toBe(false);
  });
});

describe("escaping", () => {
  it("keeps Mermaid keywords and odd characters out of node ids", () => {
    // Prepare / Act / Assess
    expect(nodeId("end")).toBe("s_end");
    expect(nodeId("a-b.c")).toBe("s_a_2d_b_2e_c");
  });

  it("encodes characters that would end a label", () => {
    // Prepare / Act / Assess
    expect(escapeLabel('a "b" | <c> #d `e` {f}\nnext')).toBe(
      "a #quot;b#quot; #124; #lt;c#gt; #35;d #96;e#96; {f} next",
    );
  });
});
