/**
 * A small router: `METHOD /path/{param}` patterns, decoded path parameters, 404 for unknown paths
 * and 405 (with `Allow`) for known paths with another method.
 */
import { type ApiResponse, badRequest, HttpProblem, type HttpRequest, notFound } from "./http.ts";

export interface RouteContext<D> {
  readonly request: HttpRequest;
  readonly params: { readonly [name: string]: string };
  readonly deps: D;
}

export type RouteHandler<D> = (context: RouteContext<D>) => Promise<ApiResponse>;

export interface Route<D> {
  readonly method: string;
  /** e.g. `/workflows/{name}/executions`. */
  readonly pattern: string;
  readonly handler: RouteHandler<D>;
}

export const route = <D>(method: string, pattern: string, handler: RouteHandler<D>): Route<D> => ({
  method,
  pattern,
  handler,
});

interface Compiled<D> extends Route<D> {
  readonly segments: readonly string[];
}

export class Router<D> {
  readonly #routes: readonly Compiled<D>[];

  constructor(routes: readonly Route<D>[]) {
    this.#routes = routes.map((r) => ({ ...r, segments: split(r.pattern) }));
  }

  get routes(): readonly Route<D>[] {
    return this.#routes;
  }

  /** Whether a route of this router answers `method` on `path` (as `handle` would pick it). */
  matches(method: string, path: string): boolean {
    const segments = split(path);
    return this.#routes.some(
      (r) => r.method === method && match(r.segments, segments) !== undefined,
    );
  }

  async handle(request: HttpRequest, deps: D): Promise<ApiResponse> {
    const segments = split(request.path);
    const allowed: string[] = [];
    for (const r of this.#routes) {
      const params = match(r.segments, segments);
      if (params === undefined) continue;
      if (r.method !== request.method) {
        allowed.push(r.method);
        continue;
      }
      return r.handler({ request, params, deps });
    }
    if (allowed.length > 0) {
      throw new HttpProblem(
        405,
        "method-not-allowed",
        "Method not allowed",
        `${request.method} is not supported on ${request.path}; use ${allowed.join(", ")}.`,
        { headers: { allow: allowed.join(", ") } },
      );
    }
    throw notFound(`No route for ${request.method} ${request.path}.`);
  }
}

const split = (path: string): string[] => path.split("/").filter((s) => s !== "");

function match(
  pattern: readonly string[],
  actual: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? "";
    const a = actual[i] ?? "";
    if (p.startsWith("{") && p.endsWith("}")) {
      params[p.slice(1, -1)] = decode(a);
    } else if (p !== a) {
      return undefined;
    }
  }
  return params;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`The path segment "${segment}" is not valid percent-encoding.`);
  }
}
