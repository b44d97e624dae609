/** `#/`: the workflows and every workflow's executions, newest first, with filters. */
import { api, type WorkflowSummary } from "../api.ts";
import { href, html } from "../html.ts";
import { find, setHtml } from "./dom.ts";
import { executionsTable } from "./parts.ts";
import type { View } from "./view.ts";

const STATUSES = [
  "QUEUED",
  "RUNNING",
  "PAUSED",
  "SUCCEEDED",
  "FAILED",
  "COMPENSATION_FAILED",
  "CANCELLED",
  "TIMED_OUT",
];

export function overview(root: HTMLElement): View {
  setHtml(
    root,
    html`<section class="panel">
      <h2>Workflows</h2>
      <div data-role="workflows"><p class="muted">Loading…</p></div>
    </section>
    <section class="panel">
      <h2>Executions</h2>
      <form class="filters" data-role="filters">
        <label>Status <select name="status"><option value="">any</option>${STATUSES.map((s) => html`<option value="${s}">${s}</option>`)}</select></label>
        <label>Workflow <select name="workflow"><option value="">any</option></select></label>
        <label>Show <select name="limit"><option>20</option><option selected>50</option><option>100</option></select></label>
      </form>
      <p class="result" data-role="result" role="status"></p>
      <div data-role="executions"><p class="muted">Loading…</p></div>
    </section>`,
  );
  const filters = find<HTMLFormElement>(root, "[data-role=filters]");
  let known = "";
  const fillWorkflowFilter = (workflows: readonly WorkflowSummary[]): void => {
    const names = workflows.map((w) => w.name).join("\n");
    if (names === known) return;
    known = names;
    const select = find<HTMLSelectElement>(filters, "select[name=workflow]");
    const chosen = select.value;
    setHtml(
      select,
      html`<option value="">any</option>${workflows.map((w) => html`<option value="${w.name}">${w.name}</option>`)}`,
    );
    select.value = chosen;
  };
  let generation = 0;
  const refresh = async (): Promise<void> => {
    const mine = ++generation;
    const form = new FormData(filters);
    const [workflows, executions] = await Promise.all([
      api.workflows(),
      api.executions({
        status: String(form.get("status") ?? ""),
        workflow: String(form.get("workflow") ?? ""),
        limit: Number(form.get("limit") ?? 50),
      }),
    ]);
    if (mine !== generation) return; // a newer refresh (a filter change) already drew
    fillWorkflowFilter(workflows.items);
    setHtml(root.querySelector("[data-role=workflows]"), workflowList(workflows.items));
    setHtml(root.querySelector("[data-role=executions]"), executionsTable(executions.items));
  };
  filters.addEventListener("change", () => void refresh().catch(() => {}));
  return { refresh };
}

function workflowList(items: readonly WorkflowSummary[]) {
  if (items.length === 0) return html`<p class="empty">No workflows deployed.</p>`;
  return html`<ul class="workflows">${items.map(
    (w) => html`<li data-workflow="${w.name}">
      <a href="${href("workflows", w.name)}">${w.name}</a> <span class="muted">v${w.version} · ${w.type}</span>
      ${w.description === undefined ? "" : html`<div class="muted">${w.description}</div>`}
    </li>`,
  )}</ul>`;
}
