/**
 * Judging a contract once it is read, for the refresh route and the scheduled refresh alike: the
 * drift it causes (`drift-of.ts`), stored per (service, Region) so `GET /drift` answers without
 * fetching, and announced on the bus. `Contract Drift Detected` goes out on every requested refresh
 * that finds drift, and from the schedule only when the set of problems changed (so a lasting
 * break is one event, not one a minute); `Contract Drift Cleared` when drift that was stored is gone.
 */
import { createHash } from "node:crypto";
import type { ServiceContract } from "../../core/contract-openapi.ts";
import { DetailType } from "../../core/wire.ts";
import type { EventPublisher } from "../events.ts";
import type { ServiceRecord } from "../registry/registry-model.ts";
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import { type DriftedWorkflow, driftOf } from "./drift-of.ts";
import type { ContractCheckRecord, DriftStore } from "./drift-store.ts";

/** The drift record's Region where none is configured (`baton dev`, tests). */
export const LOCAL_REGION = "local";

export interface DriftRecordDeps {
  readonly catalogue: WorkflowCatalogue;
  readonly events?: EventPublisher;
  readonly drift?: DriftStore;
  /** @default `LOCAL_REGION` */
  readonly region?: string;
  /** @default the system clock */
  readonly clock?: () => Date;
}

export interface ReadContract {
  readonly service: ServiceRecord;
  /** The URL, or `inline`. */
  readonly source: string;
  readonly contract: ServiceContract;
  readonly etag?: string;
}

export interface DriftJudgement {
  readonly record: ContractCheckRecord;
  readonly drift: readonly DriftedWorkflow[];
  /** What went on the bus. */
  readonly announced: "detected" | "cleared" | "nothing";
}

/** `always`: a requested refresh reports any drift; `on-change`: the schedule reports news only. */
export type Announce = "always" | "on-change";

export async function judgeDrift(
  read: ReadContract,
  deps: DriftRecordDeps,
  announce: Announce,
): Promise<DriftJudgement> {
  const name = read.service.name;
  const region = deps.region ?? LOCAL_REGION;
  const now = (deps.clock ?? (() => new Date()))().toISOString();
  const drift = driftOf(read.contract, deps.catalogue);
  const previous = await deps.drift?.get(name, region);
  const before = previous?.drift ?? [];
  const changed = driftKey(drift) !== driftKey(before);
  const record: ContractCheckRecord = {
    service: name,
    region,
    source: read.source,
    sourceHash: sourceHash(read.service),
    fingerprint: fingerprintOf(read.service, deps.catalogue),
    ...(read.etag === undefined ? {} : { etag: read.etag }),
    checkedAt: now,
    ...(drift.length === 0
      ? {}
      : { driftSince: (before.length > 0 ? previous?.driftSince : undefined) ?? now }),
    drift,
  };
  await deps.drift?.put(record);
  let announced: DriftJudgement["announced"] = "nothing";
  if (drift.length > 0 && (announce === "always" || changed)) {
    await deps.events?.publish([
      {
        detailType: DetailType.ContractDriftDetected,
        detail: { service: name, source: read.source, region, workflows: drift },
      },
    ]);
    announced = "detected";
  } else if (drift.length === 0 && before.length > 0) {
    await deps.events?.publish([
      {
        detailType: DetailType.ContractDriftCleared,
        detail: { service: name, source: read.source, region, since: previous?.driftSince ?? null },
      },
    ]);
    announced = "cleared";
  }
  return { record, drift, announced };
}

/** Identity of a drift: its problems by workflow version, code and place, in order. */
function driftKey(drift: readonly DriftedWorkflow[]): string {
  return drift
    .flatMap((w) => w.problems.map((p) => `${w.workflow}@${w.version} ${p.code} ${p.path}`))
    .sort()
    .join("\n");
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** Hash of the registered `openapi` value (a URL or path string, or the inline document). */
export function sourceHash(service: Pick<ServiceRecord, "openapi">): string {
  return sha256(JSON.stringify(service.openapi ?? null));
}

/**
 * What a judgement depends on besides the fetched document: the registered source and the
 * deployed workflows' names and versions. Equal fingerprints and an unchanged document (`304`)
 * mean the stored judgement still holds.
 */
export function fingerprintOf(
  service: Pick<ServiceRecord, "openapi">,
  catalogue: WorkflowCatalogue,
): string {
  const workflows = catalogue
    .list()
    .map((entry) => `${entry.name}@${entry.version}`)
    .sort();
  return sha256(JSON.stringify([service.openapi ?? null, workflows]));
}
