/**
 * Renders a workflow as a Mermaid flowchart: one node per step, edges from dependencies, subgraphs
 * for parallel branches, choice cases and map bodies, and the compensation chain drawn dashed.
 * Node ids are derived from step ids with a prefix so no step id can clash with a Mermaid keyword
 * (`end`, `subgraph`, …); every label is quoted and escaped.
 */
import { topologicalOrder } from "./graph.ts";
import { type CallSpec, type ChoiceStep, childLists, type Step, type Workflow } from "./model.ts";

const START = "start_";
const END = "end_";

/** What a rendered step list exposes to its surroundings. */
interface Rendered {
  readonly lines: string[];
  /** Refs (node or subgraph ids) of steps with no dependency in the list. */
  readonly heads: readonly { readonly ref: string; readonly step: Step }[];
  /** Refs of steps nothing else in the list depends on, fail steps excepted (they end the run). */
  readonly tails: readonly string[];
}

export function toMermaid(workflow: Workflow): string {
  const lines = ["flowchart TD", `  ${START}(("start"))`, `  ${END}(("end"))`];
  const body = renderList(workflow.steps, "  ", true);
  lines.push(...body.lines);
  for (const head of body.heads) lines.push(`  ${edge(START, head.ref, head.step.when)}`);
  for (const tail of body.tails) lines.push(`  ${tail} --> ${END}`);
  lines.push(...renderCompensation(workflow.steps));
  return `${lines.join("\n")}\n`;
}

/**
 * Escapes text for a quoted Mermaid label: entity codes for what would end the string or the edge
 * label (`"`, `|`), open a markdown string (`` ` ``) or be read as HTML (`<`, `>`). Brackets and
 * braces are plain text inside quotes, so templates stay readable.
 */
export function escapeLabel(text: string): string {
  return text
    .replace(/#/g, "#35;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/\|/g, "#124;")
    .replace(/`/g, "#96;")
    .replace(/\s+/g, " ");
}

/** A Mermaid-safe node id for a step (prefixed; characters outside `[A-Za-z0-9_]` hex-encoded). */
export function nodeId(stepId: string, prefix = "s_"): string {
  return prefix + stepId.replace(/[^A-Za-z0-9_]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`);
}

const quoted = (...parts: string[]): string => `"${parts.map(escapeLabel).join("<br/>")}"`;

function edge(from: string, to: string, label?: string, dashed = false): string {
  const arrow = dashed ? "-.->" : "-->";
  return label === undefined
    ? `${from} ${arrow} ${to}`
    : `${from} ${arrow}|${quoted(label)}| ${to}`;
}

/**
 * Renders a step list and the edges between its steps. `headsGetEdges` says whether the caller
 * draws an edge into each head (which then carries its `when`); otherwise the label shows it.
 */
function renderList(steps: readonly Step[], indent: string, headsGetEdges: boolean): Rendered {
  const lines: string[] = [];
  const refs = new Map<string, string>();
  for (const step of steps) {
    const whenInLabel = !headsGetEdges && step.dependsOn.length === 0 && step.when !== undefined;
    const rendered = renderStep(step, indent, whenInLabel ? [`when ${step.when}`] : []);
    lines.push(...rendered.lines);
    refs.set(step.id, rendered.ref);
  }
  const ref = (id: string): string => refs.get(id) ?? nodeId(id);
  const depended = new Set(steps.flatMap((s) => s.dependsOn));
  for (const step of steps) {
    for (const dep of step.dependsOn)
      lines.push(`${indent}${edge(ref(dep), ref(step.id), step.when)}`);
  }
  return {
    lines,
    heads: steps
      .filter((s) => s.dependsOn.length === 0)
      .map((step) => ({ ref: ref(step.id), step })),
    tails: steps.filter((s) => !depended.has(s.id) && s.kind !== "fail").map((s) => ref(s.id)),
  };
}

/** Renders one step; `ref` is what edges from and to the step attach to. */
function renderStep(
  step: Step,
  indent: string,
  whenLine: readonly string[],
): { lines: string[]; ref: string } {
  const id = nodeId(step.id);
  switch (step.kind) {
    case "call":
      return {
        lines: [`${indent}${id}[${quoted(step.id, describeCall(step.call), ...whenLine)}]`],
        ref: id,
      };
    case "wait": {
      const what =
        step.seconds !== undefined ? `wait ${step.seconds}s` : `wait until ${step.until}`;
      return { lines: [`${indent}${id}(${quoted(step.id, what, ...whenLine)})`], ref: id };
    }
    case "emit":
      return {
        lines: [`${indent}${id}>${quoted(step.id, `emit ${step.detailType}`, ...whenLine)}]`],
        ref: id,
      };
    case "await": {
      const what = `await signal ${step.signal} (timeout ${step.timeout}s)`;
      return { lines: [`${indent}${id}[/${quoted(step.id, what, ...whenLine)}/]`], ref: id };
    }
    case "workflow":
      return {
        lines: [`${indent}${id}[[${quoted(step.id, `workflow ${step.name}`, ...whenLine)}]]`],
        ref: id,
      };
    case "fail": {
      const what = `fail ${step.error}`;
      return { lines: [`${indent}${id}{{${quoted(step.id, what, ...whenLine)}}}`], ref: id };
    }
    case "succeed":
      return { lines: [`${indent}${id}([${quoted(step.id, "succeed", ...whenLine)}])`], ref: id };
    case "parallel":
      return renderGroup(step, id, indent, [`parallel`, ...whenLine], (inner) =>
        step.branches.flatMap((branch, index) =>
          renderSubgraph(
            nodeId(`${step.id}__branch${index + 1}`),
            `branch ${index + 1}`,
            branch,
            inner,
          ),
        ),
      );
    case "map": {
      const concurrency = step.maxConcurrency > 0 ? `, at most ${step.maxConcurrency} at once` : "";
      const what = `map over ${step.items}${concurrency}`;
      return renderGroup(
        step,
        id,
        indent,
        [what, ...whenLine],
        (inner) => renderList(step.steps, inner, false).lines,
      );
    }
    case "choice":
      return renderGroup(step, id, indent, ["choice", ...whenLine], (inner) =>
        renderChoice(step, id, inner),
      );
    case "loop": {
      const what = `loop until ${step.until}, at most ${step.maxIterations} times`;
      return renderGroup(
        step,
        id,
        indent,
        [what, ...whenLine],
        (inner) => renderList(step.steps, inner, false).lines,
      );
    }
  }
}

/** A composite step: a subgraph whose title names the step, edges attach to the subgraph. */
function renderGroup(
  step: Step,
  id: string,
  indent: string,
  title: readonly string[],
  body: (inner: string) => string[],
): { lines: string[]; ref: string } {
  const inner = `${indent}  `;
  return {
    lines: [
      `${indent}subgraph ${id}[${quoted(step.id, ...title)}]`,
      ...body(inner),
      `${indent}end`,
    ],
    ref: id,
  };
}

function renderSubgraph(
  id: string,
  title: string,
  steps: readonly Step[],
  indent: string,
): string[] {
  const inner = `${indent}  `;
  const body =
    steps.length > 0
      ? renderList(steps, inner, false).lines
      : [`${inner}${id}_empty(["(no steps)"])`];
  return [
    `${indent}subgraph ${id}[${quoted(title)}]`,
    `${inner}direction TB`,
    ...body,
    `${indent}end`,
  ];
}

function renderChoice(step: ChoiceStep, id: string, indent: string): string[] {
  const decision = `${id}__decide`;
  const lines = [`${indent}${decision}{${quoted(`${step.id}?`)}}`];
  const options = [
    ...step.cases.map((c) => ({ label: c.when, steps: c.steps })),
    { label: "otherwise", steps: step.otherwise },
  ];
  options.forEach((option, index) => {
    if (option.steps.length === 0) {
      const skip = `${id}__skip${index + 1}`;
      lines.push(`${indent}${skip}(["skip"])`, `${indent}${edge(decision, skip, option.label)}`);
      return;
    }
    const rendered = renderList(option.steps, indent, true);
    lines.push(...rendered.lines);
    for (const head of rendered.heads) {
      const label =
        head.step.when === undefined
          ? option.label
          : `${option.label}, then when ${head.step.when}`;
      lines.push(`${indent}${edge(decision, head.ref, label)}`);
    }
  });
  return lines;
}

function describeCall(call: CallSpec): string {
  return `${call.method} ${call.service} ${call.path}`;
}

/** Steps in completion order: dependencies first, nested lists right after their parent starts. */
function completionOrder(steps: readonly Step[]): Step[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  return topologicalOrder(steps).flatMap((id) => {
    const step = byId.get(id);
    if (!step) return [];
    const nested = childLists(step).flatMap((list) => completionOrder(list));
    return [...nested, step];
  });
}

function renderCompensation(steps: readonly Step[]): string[] {
  const compensable = completionOrder(steps).filter(
    (s): s is Extract<Step, { kind: "call" }> => s.kind === "call" && s.compensate !== undefined,
  );
  if (compensable.length === 0) return [];
  const lines = ['  subgraph compensation_["compensation, on failure, in reverse order"]'];
  for (const step of compensable) {
    if (!step.compensate) continue;
    lines.push(
      `    ${nodeId(step.id, "c_")}[${quoted(`undo ${step.id}`, describeCall(step.compensate.call))}]`,
    );
  }
  lines.push("  end");
  for (const step of compensable) {
    lines.push(`  ${nodeId(step.id)} -.->|compensate| ${nodeId(step.id, "c_")}`);
  }
  const reversed = [...compensable].reverse();
  for (let i = 1; i < reversed.length; i++) {
    const from = reversed[i - 1];
    const to = reversed[i];
    if (from && to)
      lines.push(`  ${edge(nodeId(from.id, "c_"), nodeId(to.id, "c_"), undefined, true)}`);
  }
  lines.push("  classDef compensation stroke-dasharray: 5 5");
  lines.push(`  class ${compensable.map((s) => nodeId(s.id, "c_")).join(",")} compensation`);
  return lines;
}
