/**
 * `#/executions/{id}`: one execution while it runs: status and compensation, the graph coloured by
 * step status, a timeline of every attempt (calls, retries, compensations), the order the saga
 * undid its steps, its events, input and output; and the buttons of docs/api.md: signal, cancel
 * (with or without compensation), pause, resume, redrive.
 */
import type { ExecutionDocument, ExecutionEvent } from "../../../runtime/records/document.ts";
import { api, describeError } from "../api.ts";
import { badge, duration, pretty, time } from "../format.ts";
import { awaitedSignals, waitingAwaits, workflowGraph } from "../graph.ts";
import { type Html, href, html } from "../html.ts";
import { type Attempt, attemptsOf, barPosition, compensationOrder } from "../timeline.ts";
import { find, report, setHtml } from "./dom.ts";
import { graph } from "./parts.ts";
import type { View } from "./view.ts";

const ACTIVE = ["QUEUED", "RUNNING", "PAUSED"];
const REDRIVABLE = ["FAILED", "TIMED_OUT", "CANCELLED", "COMPENSATION_FAILED"];

/** Which buttons an execution in this status can use (the API has the last word). */
const ENABLED: Readonly<Record<string, (status: string) => boolean>> = {
  cancel: (s) => ACTIVE.includes(s),
  "cancel-compensate": (s) => ACTIVE.includes(s),
  pause: (s) => s === "RUNNING",
  resume: (s) => s === "PAUSED",
  redrive: (s) => REDRIVABLE.includes(s),
  signal: (s) => ACTIVE.includes(s),
};

export function executionPage(root: HTMLElement, id: string): View {
  setHtml(
    root,
    html`<p><a href="#/">← all workflows and executions</a></p>
    <section class="panel" data-role="summary"><h2 class="mono">${id}</h2><p class="muted">Loading…</p></section>
    <section class="panel actions" aria-label="Actions">
      <button type="button" data-action="cancel">Cancel</button>
      <button type="button" data-action="cancel-compensate">Cancel and compensate</button>
      <button type="button" data-action="pause">Pause</button>
      <button type="button" data-action="resume">Resume</button>
      <button type="button" data-action="redrive">Redrive</button>
      <form class="signal" data-role="signal">
        <label>Signal <input name="signal" list="signal-names" required size="14" autocomplete="off"></label>
        <datalist id="signal-names"></datalist>
        <label>Payload (JSON) <input name="payload" value="{}" size="24" spellcheck="false"></label>
        <button type="submit" data-action="signal">Send signal</button>
      </form>
      <p class="result" data-role="result" role="status"></p>
    </section>
    <section class="panel"><h3>Steps</h3><div data-role="graph"></div></section>
    <section class="panel"><h3>Timeline</h3><div data-role="timeline"></div><div data-role="compensation"></div></section>
    <section class="panel"><h3>Events</h3><div data-role="events"></div></section>
    <section class="panel io"><div><h3>Input</h3><pre data-role="input"></pre></div><div><h3>Output</h3><pre data-role="output"></pre></div></section>`,
  );
  /** The definition the execution ran; `null` when it could not be read (looked up once). */
  let definition: unknown;
  let current: ExecutionDocument | undefined;
  let busy = false;

  const act = async (action: string, run: () => Promise<string>): Promise<void> => {
    busy = true;
    setButtons(root, current?.status ?? "", true);
    try {
      report(root, `${action}: ${await run()}`, true);
    } catch (error) {
      report(root, `${action} refused: ${describeError(error)}`, false);
    } finally {
      busy = false;
      await refresh().catch(() => {});
    }
  };

  root.addEventListener("click", (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>("button[data-action]");
    const action = button?.dataset.action;
    if (action === undefined || action === "signal") return;
    const run = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (run !== undefined) void act(button?.textContent ?? action, () => run(id));
  });
  const signalForm = find<HTMLFormElement>(root, "[data-role=signal]");
  signalForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(signalForm);
    const name = String(form.get("signal") ?? "").trim();
    const text = String(form.get("payload") ?? "").trim();
    let payload: unknown;
    try {
      payload = text === "" ? null : JSON.parse(text);
    } catch (error) {
      report(root, `The payload is not JSON: ${(error as Error).message}`, false);
      return;
    }
    void act(`Signal ${name}`, async () => {
      const outcome = await api.signal(id, name, payload);
      return outcome.delivered
        ? `delivered${outcome.step === undefined ? "" : ` to step ${outcome.step}`}`
        : "accepted; kept until an await step asks for it";
    });
  });

  const refresh = async (): Promise<void> => {
    const [execution, events] = await Promise.all([api.execution(id), api.events(id)]);
    current = execution;
    if (definition === undefined) {
      definition = await api.definitionOf(execution.workflow, execution.version).catch(() => null);
      const names = definition === null ? [] : awaitedSignals(definition);
      setHtml(
        root.querySelector("#signal-names"),
        html`${names.map((n) => html`<option value="${n}"></option>`)}`,
      );
      const field = find<HTMLInputElement>(signalForm, "input[name=signal]");
      if (field.value === "" && names[0] !== undefined) field.value = names[0];
    }
    draw(root, execution, events, definition);
    if (!busy) setButtons(root, execution.status, false);
  };
  return { refresh };
}

const ACTIONS: Readonly<Record<string, (id: string) => Promise<string>>> = {
  cancel: async (id) => requested((await api.cancel(id, false)).execution),
  "cancel-compensate": async (id) => requested((await api.cancel(id, true)).execution),
  pause: async (id) => `execution ${(await api.pause(id)).execution.status}`,
  resume: async (id) => `execution ${(await api.resume(id)).execution.status}`,
  redrive: async (id) => `redriven at ${time((await api.redrive(id)).redriveDate)}`,
};

/** A cancel is accepted (202) and carried out after the answer; the page follows it. */
const requested = (e: ExecutionDocument): string =>
  `requested (execution ${e.status}, compensation ${e.compensation})`;

function setButtons(root: HTMLElement, status: string, busy: boolean): void {
  for (const button of root.querySelectorAll<HTMLButtonElement>("button[data-action]")) {
    const allowed = ENABLED[button.dataset.action ?? ""];
    button.disabled = busy || (allowed !== undefined && !allowed(status));
  }
}

function draw(
  root: HTMLElement,
  execution: ExecutionDocument,
  events: readonly ExecutionEvent[],
  definition: unknown,
): void {
  const attempts = attemptsOf(events);
  setHtml(root.querySelector("[data-role=summary]"), summary(execution));
  setHtml(
    root.querySelector("[data-role=graph]"),
    definition === null || definition === undefined
      ? html`<p class="muted">The definition of ${execution.workflow} v${execution.version} could not be read.</p>`
      : drawnGraph(definition, execution),
  );
  setHtml(root.querySelector("[data-role=timeline]"), timeline(execution, attempts));
  // Through the CSSOM: the content security policy refuses inline style attributes.
  for (const bar of root.querySelectorAll<HTMLElement>(".bar[data-left]")) {
    bar.style.left = `${bar.dataset.left}%`;
    bar.style.width = `${bar.dataset.width}%`;
  }
  setHtml(root.querySelector("[data-role=compensation]"), compensation(execution, events));
  setHtml(root.querySelector("[data-role=events]"), eventTable(events));
  find(root, "[data-role=input]").textContent = pretty(execution.input);
  find(root, "[data-role=output]").textContent =
    execution.output === null ? "(none yet)" : pretty(execution.output);
}

function drawnGraph(definition: unknown, execution: ExecutionDocument): Html {
  const nodes = workflowGraph(definition);
  return graph(nodes, execution.steps, waitingAwaits(nodes, execution.steps, execution.status));
}

function summary(e: ExecutionDocument): Html {
  return html`<h2 class="mono">${e.id}</h2>
    <dl class="facts">
      <dt>Status</dt><dd data-role="status">${badge(e.status)}</dd>
      <dt>Compensation</dt><dd data-role="compensation-status">${badge(e.compensation, "compensation")}</dd>
      <dt>Workflow</dt><dd><a href="${href("workflows", e.workflow)}">${e.workflow}</a> v${e.version}</dd>
      <dt>Steps done</dt><dd>${e.stepsCompleted}/${e.totalSteps}</dd>
      <dt>Started</dt><dd>${time(e.startedAt)}</dd>
      <dt>Stopped</dt><dd>${time(e.stoppedAt)}</dd>
      <dt>Duration</dt><dd>${duration(e.durationMs)}</dd>
      ${e.error === null ? "" : html`<dt>Error</dt><dd class="error" data-role="error">${e.error.name}${e.error.step === undefined ? "" : html` in step ${e.error.step}`}: ${e.error.message}</dd>`}
    </dl>`;
}

/** One row per step: its status, attempts, and a bar per attempt on the execution's time axis. */
function timeline(e: ExecutionDocument, attempts: readonly Attempt[]): Html {
  const ids = [...e.steps.map((s) => s.id)];
  for (const a of attempts) if (!ids.includes(a.stepId)) ids.push(a.stepId);
  const ends = attempts.map((a) => Date.parse(a.endedAt ?? a.startedAt));
  const axis = {
    start: Date.parse(e.startedAt),
    end: Math.max(e.stoppedAt === null ? Date.now() : Date.parse(e.stoppedAt), ...ends),
  };
  return html`<table class="timeline">
    <thead><tr><th>Step</th><th>Status</th><th>Attempts</th><th>Instance</th><th class="axis">${time(e.startedAt)} → ${e.stoppedAt === null ? "now" : time(e.stoppedAt)}</th></tr></thead>
    <tbody>${ids.map((stepId) => {
      const step = e.steps.find((s) => s.id === stepId);
      const mine = attempts.filter((a) => a.stepId === stepId);
      return html`<tr data-step="${stepId}">
        <td class="mono">${stepId}</td>
        <td>${step === undefined ? "" : badge(step.status)}</td>
        <td>${step?.attempts ?? mine.filter((a) => a.mode === "call").length}</td>
        <td>${step?.instance ?? ""}</td>
        <td class="axis"><div class="lane">${mine.map((a) => bar(a, axis))}</div>
          ${step?.error === undefined ? "" : html`<div class="error">${step.error.name}: ${step.error.message}</div>`}</td>
      </tr>`;
    })}</tbody>
  </table>`;
}

function bar(a: Attempt, axis: { start: number; end: number }): Html {
  const { left, width } = barPosition(a.startedAt, a.endedAt, axis);
  const what = a.mode === "compensate" ? "compensation" : "attempt";
  const title = `${a.stepId} ${what} ${a.attempt}: ${a.outcome}${a.httpStatus === undefined ? "" : ` (HTTP ${a.httpStatus})`}, ${time(a.startedAt)} → ${time(a.endedAt)}${a.error === undefined ? "" : ` — ${a.error}`}`;
  return html`<span class="bar ${a.mode} ${a.outcome}" data-left="${left.toFixed(2)}" data-width="${width.toFixed(2)}" title="${title}" data-mode="${a.mode}" data-outcome="${a.outcome}" data-attempt="${a.attempt}"></span>`;
}

function compensation(e: ExecutionDocument, events: readonly ExecutionEvent[]): Html {
  const order = compensationOrder(events);
  if (order.length === 0 && e.compensation === "NONE") return html``;
  return html`<p data-role="compensation-order">Compensation ${badge(e.compensation, "compensation")}${
    order.length === 0
      ? ""
      : html`: undone newest first: ${order.map((id, i) => html`${i === 0 ? "" : " → "}<span class="mono">${id}</span>`)}`
  }</p>`;
}

function eventTable(events: readonly ExecutionEvent[]): Html {
  if (events.length === 0) return html`<p class="empty">No events yet.</p>`;
  return html`<table class="events">
    <thead><tr><th>Time</th><th>Event</th><th>Step</th><th>Attempt</th><th>Detail</th></tr></thead>
    <tbody>${events.map(
      (ev) => html`<tr data-type="${ev.type}">
        <td>${time(ev.time)}</td><td>${ev.type}</td><td class="mono">${ev.stepId ?? ""}</td><td>${ev.attempt ?? ""}</td>
        <td><details><summary>${ev.source}</summary><pre>${pretty(ev.detail)}</pre></details></td>
      </tr>`,
    )}</tbody>
  </table>`;
}
