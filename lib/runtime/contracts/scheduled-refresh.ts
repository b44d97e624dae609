/**
 * The scheduled contract refresh (the health-check schedule in AWS, a timer in `baton dev`): every
 * registered service with a URL or inline contract is judged again, so stored drift follows both a
 * changed contract and changed workflows, and clears once fixed. A URL already judged against the
 * same workflows goes out with its ETag as `If-None-Match`: a `304` keeps the judgement (only
 * `checkedAt` moves). An inline contract judged against the same workflows is skipped. A contract
 * that cannot be read keeps its last judgement and is reported in the summary and the log.
 */
import { describeError, type Logger } from "../logger.ts";
import type { ServiceRecord } from "../registry/registry-model.ts";
import type { ContractRefreshDeps } from "./contract-refresh.ts";
import { ContractRefreshError, loadContract } from "./contract-refresh.ts";
import { fingerprintOf, judgeDrift, LOCAL_REGION } from "./drift-record.ts";

export interface ScheduledRefreshDeps extends Omit<ContractRefreshDeps, "registry"> {
  readonly registry: { listServices(): Promise<readonly ServiceRecord[]> };
  /** Where unreadable contracts are reported. @default not reported */
  readonly logger?: Logger;
  /** Contracts read at once. @default 4 */
  readonly concurrency?: number;
}

export interface ScheduledRefreshOutcome {
  readonly service: string;
  /**
   * `judged`: read and judged; `not-modified`: the URL answered 304, the judgement stands;
   * `unchanged`: an inline contract already judged against these workflows; `skipped`: a file
   * path, which only the CLI can read; `failed`: unreadable (the last judgement is kept).
   */
  readonly outcome: "judged" | "not-modified" | "unchanged" | "skipped" | "failed";
  /** Workflows the contract breaks, as judged now or kept. */
  readonly drifted?: number;
  readonly reason?: string;
}

export interface ScheduledRefreshSummary {
  readonly outcomes: readonly ScheduledRefreshOutcome[];
}

export async function refreshAllContracts(
  deps: ScheduledRefreshDeps,
): Promise<ScheduledRefreshSummary> {
  const services = (await deps.registry.listServices()).filter((s) => s.openapi !== undefined);
  const outcomes: ScheduledRefreshOutcome[] = new Array(services.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < services.length) {
      const index = next++;
      outcomes[index] = await refreshOne(services[index] as ServiceRecord, deps);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(deps.concurrency ?? 4, services.length) }, worker),
  );
  return { outcomes };
}

async function refreshOne(
  service: ServiceRecord,
  deps: ScheduledRefreshDeps,
): Promise<ScheduledRefreshOutcome> {
  const name = service.name;
  if (typeof service.openapi === "string" && !/^https?:\/\//i.test(service.openapi))
    return { service: name, outcome: "skipped", reason: "a file path: only the CLI reads it" };
  const region = deps.region ?? LOCAL_REGION;
  try {
    const stored = await deps.drift?.get(name, region);
    const same = stored?.fingerprint === fingerprintOf(service, deps.catalogue);
    if (same && stored !== undefined && typeof service.openapi !== "string")
      return { service: name, outcome: "unchanged", drifted: stored.drift.length };
    const loaded = await loadContract(service, deps, same ? stored?.etag : undefined);
    if (loaded.kind === "not-modified") {
      if (stored === undefined) throw new Error("304 without a stored judgement");
      const checkedAt = (deps.clock ?? (() => new Date()))().toISOString();
      await deps.drift?.put({ ...stored, checkedAt });
      return { service: name, outcome: "not-modified", drifted: stored.drift.length };
    }
    const judged = await judgeDrift(loaded, deps, "on-change");
    return { service: name, outcome: "judged", drifted: judged.drift.length };
  } catch (error) {
    const reason = error instanceof ContractRefreshError ? error.message : describeError(error);
    deps.logger?.warn(`contract of ${name} not refreshed`, { reason });
    return { service: name, outcome: "failed", reason };
  }
}
