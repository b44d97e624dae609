/** `GET /health`: liveness plus each dependency's status (503 when one is down). */
import { consoleLogger, type Logger } from "../../logger.ts";
import type { ApiDeps, HealthCheck } from "../deps.ts";
import { json } from "../http.ts";
import { type Route, route } from "../router.ts";

/** A dependency slower than this counts as down. */
export const HEALTH_TIMEOUT_MS = 3000;

type DependencyStatus = { status: "ok" } | { status: "error"; detail: string };

export const healthRoutes: readonly Route<ApiDeps>[] = [
  route("GET", "/health", async ({ deps }) => {
    const results = await Promise.all(
      deps.healthChecks.map((check) => probe(check, deps.logger ?? consoleLogger)),
    );
    const dependencies: Record<string, DependencyStatus> = {
      catalogue: { status: "ok" },
      ...Object.fromEntries(results),
    };
    const healthy = Object.values(dependencies).every((d) => d.status === "ok");
    return json(healthy ? 200 : 503, {
      status: healthy ? "ok" : "degraded",
      workflows: deps.catalogue.list().length,
      dependencies,
    });
  }),
];

export async function probe(
  check: HealthCheck,
  logger: Logger = consoleLogger,
): Promise<[string, DependencyStatus]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)),
      HEALTH_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([check.check(), timeout]);
    return [check.name, { status: "ok" }];
  } catch (error) {
    const e = error as Error;
    // The message can name accounts, roles or resources: it goes to the log, not to the caller.
    logger.warn(`health: ${check.name} unavailable`, { error: `${e.name}: ${e.message}` });
    return [check.name, { status: "error", detail: `${e.name}: unavailable` }];
  } finally {
    clearTimeout(timer);
  }
}
