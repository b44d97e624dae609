/** Pieces several pages draw: the executions table and the workflow graph. */
import type { ExecutionDocument, StepRecord } from "../../../runtime/records/document.ts";
import { badge, duration, time } from "../format.ts";
import type { GraphStep } from "../graph.ts";
import { type Html, href, html } from "../html.ts";

export function executionsTable(items: readonly ExecutionDocument[], showWorkflow = true): Html {
  if (items.length === 0) return html`<p class="empty">No executions yet.</p>`;
  return html`<table class="executions">
    <thead><tr><th>Execution</th>${showWorkflow ? html`<th>Workflow</th>` : ""}<th>Status</th><th>Compensation</th><th>Steps</th><th>Started</th><th>Duration</th></tr></thead>
    <tbody>${items.map(
      (e) => html`<tr data-execution="${e.id}">
        <td><a class="mono" href="${href("executions", e.id)}">${e.id}</a></td>
        ${showWorkflow ? html`<td><a href="${href("workflows", e.workflow)}">${e.workflow}</a> <span class="muted">v${e.version}</span></td>` : ""}
        <td>${badge(e.status)}</td>
        <td>${e.compensation === "NONE" ? "" : badge(e.compensation, "compensation")}</td>
        <td>${e.stepsCompleted}/${e.totalSteps}</td>
        <td>${time(e.startedAt)}</td>
        <td>${duration(e.durationMs)}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

/**
 * The top-level steps in columns by dependency depth, each box coloured by its status in
 * `steps` (a step of an execution) or neutral (the workflow page).
 */
export function graph(
  nodes: readonly GraphStep[],
  steps?: readonly StepRecord[],
  waiting: ReadonlySet<string> = new Set(),
): Html {
  if (nodes.length === 0) return html`<p class="empty">No steps.</p>`;
  const columns = Math.max(...nodes.map((n) => n.column)) + 1;
  const status = (id: string): string | undefined => steps?.find((s) => s.id === id)?.status;
  return html`<div class="graph" role="list" aria-label="Steps by dependency">${Array.from(
    { length: columns },
    (_, column) =>
      html`<div class="graph-column">${nodes
        .filter((n) => n.column === column)
        .map((n) => {
          const s = status(n.id);
          const slug = (s ?? "none").toLowerCase().replace(/[^a-z_]/g, "");
          const waits = waiting.has(n.id);
          return html`<div class="node status-${slug}${waits ? " waiting" : ""}" role="listitem" data-step="${n.id}" data-status="${s ?? ""}" data-waiting="${waits ? "true" : "false"}" title="${n.dependsOn.length === 0 ? "starts first" : `after ${n.dependsOn.join(", ")}`}">
          <div class="node-id">${n.id}</div>
          <div class="node-kind">${n.kind}${n.label === "" ? "" : html` · ${n.label}`}</div>
          ${s === undefined ? "" : html`<div class="node-status">${s}${waits ? " · waiting for its signal" : ""}</div>`}
        </div>`;
        })}</div>`,
  )}</div>`;
}
