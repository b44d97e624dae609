/** `#/workflows/{name}`: the workflow's graph, a start form and its executions. */

import type { JsonObject } from "../../../core/model.ts";
import { sampleInput } from "../../../core/schema-sample.ts";
import { api, describeError, type WorkflowDetail } from "../api.ts";
import { pretty } from "../format.ts";
import { workflowGraph } from "../graph.ts";
import { href, html } from "../html.ts";
import { find, report, setHtml } from "./dom.ts";
import { executionsTable, graph } from "./parts.ts";
import type { View } from "./view.ts";

export function workflowPage(root: HTMLElement, name: string): View {
  setHtml(
    root,
    html`<p><a href="#/">← all workflows and executions</a></p>
    <section class="panel" data-role="summary"><h2>${name}</h2><p class="muted">Loading…</p></section>
    <section class="panel">
      <h3>Start an execution</h3>
      <form data-role="start">
        <label for="start-input">Input (JSON)</label>
        <textarea id="start-input" name="input" rows="8" spellcheck="false"></textarea>
        <button type="submit" data-action="start">Start</button>
      </form>
      <p class="result" data-role="result" role="status"></p>
    </section>
    <section class="panel"><h3>Executions</h3><div data-role="executions"></div></section>`,
  );
  const form = find<HTMLFormElement>(root, "[data-role=start]");
  const input = find<HTMLTextAreaElement>(form, "textarea");
  let workflow: WorkflowDetail | undefined;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let body: unknown;
    try {
      body = input.value.trim() === "" ? {} : JSON.parse(input.value);
    } catch (error) {
      report(root, `The input is not JSON: ${(error as Error).message}`, false);
      return;
    }
    api.start(name, body).then(
      (execution) => {
        location.hash = href("executions", execution.id);
      },
      (error: unknown) => report(root, describeError(error), false),
    );
  });
  return {
    async refresh() {
      if (workflow === undefined) {
        workflow = await api.workflow(name);
        const schema = workflow.inputSchema as JsonObject | undefined;
        if (input.value === "") input.value = pretty(sampleInput(schema));
        setHtml(
          root.querySelector("[data-role=summary]"),
          html`<h2>${workflow.name} <span class="muted">v${workflow.version} · ${workflow.type}</span></h2>
          ${workflow.description === undefined ? "" : html`<p>${workflow.description}</p>`}
          ${workflow.tags.length === 0 ? "" : html`<p>${workflow.tags.map((t) => html`<span class="tag">${t}</span> `)}</p>`}
          ${graph(workflowGraph(workflow.definition))}
          <details><summary>Mermaid source</summary><pre>${workflow.mermaid}</pre></details>
          <details><summary>Definition</summary><pre>${pretty(workflow.definition)}</pre></details>`,
        );
      }
      const executions = await api.executions({ workflow: name, limit: 50 });
      setHtml(
        root.querySelector("[data-role=executions]"),
        executionsTable(executions.items, false),
      );
    },
  };
}
