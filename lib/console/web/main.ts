/**
 * The Baton web console: a hash router over three pages, each refreshed every 1.5 s while shown
 * (live updates by polling the API; no server push needed in AWS or `baton dev`).
 */
import { ApiError, token } from "./api.ts";
import { find } from "./views/dom.ts";
import { executionPage } from "./views/execution.ts";
import { overview } from "./views/overview.ts";
import type { View } from "./views/view.ts";
import { workflowPage } from "./views/workflow.ts";

const REFRESH_MS = 1500;

const main = find(document, "main");
const problem = find(document, "[data-role=problem]");
let view: View | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;

function route(): void {
  view?.dispose?.();
  if (timer !== undefined) clearTimeout(timer);
  const [page, param] = location.hash
    .replace(/^#\/?/, "")
    .split("/")
    .map((s) => decodeURIComponent(s));
  const root = document.createElement("div");
  main.replaceChildren(root);
  view =
    page === "executions" && param !== undefined
      ? executionPage(root, param)
      : page === "workflows" && param !== undefined
        ? workflowPage(root, param)
        : overview(root);
  void tick(view);
}

async function tick(current: View): Promise<void> {
  try {
    await current.refresh();
    problem.hidden = true;
  } catch (error) {
    problem.hidden = false;
    problem.textContent =
      error instanceof ApiError
        ? `${error.status} ${error.title}: ${error.message}${error.status === 401 || error.status === 403 ? " (set an API token above)" : ""}`
        : `The API did not answer: ${(error as Error).message}`;
  }
  if (current === view) timer = setTimeout(() => void tick(current), REFRESH_MS);
}

const tokenForm = find<HTMLFormElement>(document, "[data-role=token]");
const tokenField = find<HTMLInputElement>(tokenForm, "input");
tokenField.value = token.get();
tokenForm.addEventListener("submit", (event) => {
  event.preventDefault();
  token.set(tokenField.value.trim());
  route();
});

window.addEventListener("hashchange", route);
route();
