/**
 * The console's only way to Baton: the documented HTTP API (docs/api.md), relative to where the
 * console was loaded from, so the same assets work under `baton dev` (`/`) and under an API
 * Gateway stage (`/v1/`). A bearer token (for `jwt` auth) is kept in sessionStorage, never in the
 * assets.
 */
import type { ExecutionDocument, ExecutionEvent } from "../../runtime/records/document.ts";

const TOKEN_KEY = "baton.console.token";

/** The API root: the folder above `console/app.js`. */
const API_ROOT = new URL("../", import.meta.url);

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  readonly title: string;
  constructor(status: number, title: string, detail: string) {
    super(detail);
    this.status = status;
    this.title = title;
  }
}

/** One line for the page: `409 Conflict: <the problem's detail>`, or the error's message. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.status} ${error.title}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export interface PageOf<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

export interface WorkflowSummary {
  readonly name: string;
  readonly version: number;
  readonly type: string;
  readonly description?: string;
  readonly tags: readonly string[];
}

export interface WorkflowDetail extends WorkflowSummary {
  readonly inputSchema?: unknown;
  readonly definition: unknown;
  readonly mermaid: string;
  readonly steps: readonly { readonly id: string; readonly kind: string }[];
}

export const token = {
  get: (): string => sessionStorage.getItem(TOKEN_KEY) ?? "",
  set: (value: string): void => {
    if (value === "") sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, value);
  },
};

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const bearer = token.get();
  if (bearer !== "") headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(new URL(path.replace(/^\//, ""), API_ROOT), {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed = parse(text);
  if (!response.ok) {
    const problem = (parsed ?? {}) as { title?: string; detail?: string; message?: string };
    throw new ApiError(
      response.status,
      problem.title ?? response.statusText,
      problem.detail ?? problem.message ?? (text.slice(0, 300) || `HTTP ${response.status}`),
    );
  }
  return parsed as T;
}

function parse(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const q = (params: Record<string, string | undefined>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== "") search.set(key, value);
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
};
const seg = encodeURIComponent;

export const api = {
  workflows: () => call<PageOf<WorkflowSummary>>("GET", `/workflows${q({ limit: "500" })}`),
  workflow: (name: string) => call<WorkflowDetail>("GET", `/workflows/${seg(name)}`),
  /** The definition an execution ran: its version's, else (no version history) the live one. */
  async definitionOf(name: string, version: number): Promise<unknown> {
    try {
      const v = await call<{ definition: unknown }>(
        "GET",
        `/workflows/${seg(name)}/versions/${version}`,
      );
      return v.definition;
    } catch {
      return (await call<WorkflowDetail>("GET", `/workflows/${seg(name)}`)).definition;
    }
  },
  executions: (filter: { status?: string; workflow?: string; cursor?: string; limit?: number }) =>
    call<PageOf<ExecutionDocument>>(
      "GET",
      `/executions${q({ ...filter, limit: String(filter.limit ?? 50) })}`,
    ),
  execution: (id: string) => call<ExecutionDocument>("GET", `/executions/${seg(id)}`),
  /** Every event of an execution, following the cursor (at most 20 pages of 500). */
  async events(id: string): Promise<ExecutionEvent[]> {
    const all: ExecutionEvent[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const result = await call<PageOf<ExecutionEvent>>(
        "GET",
        `/executions/${seg(id)}/events${q({ limit: "500", cursor })}`,
      );
      all.push(...result.items);
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    return all;
  },
  start: (workflow: string, input: unknown) =>
    call<ExecutionDocument>("POST", `/workflows/${seg(workflow)}/executions`, input),
  cancel: (id: string, compensate: boolean) =>
    call<{ execution: ExecutionDocument; compensation: unknown }>(
      "POST",
      `/executions/${seg(id)}/cancel`,
      { compensate, reason: "cancelled from the console" },
    ),
  pause: (id: string) =>
    call<{ execution: ExecutionDocument }>("POST", `/executions/${seg(id)}/pause`),
  resume: (id: string) =>
    call<{ execution: ExecutionDocument }>("POST", `/executions/${seg(id)}/resume`),
  redrive: (id: string) => call<{ redriveDate: string }>("POST", `/executions/${seg(id)}/redrive`),
  signal: (id: string, name: string, payload: unknown, item?: string) =>
    call<{ delivered: boolean; pending?: boolean; step?: string }>(
      "POST",
      `/executions/${seg(id)}/signals/${seg(name)}${q({ item })}`,
      payload,
    ),
};
