/**
 * Current drift as the API shows it (`GET /drift`, `GET /services/{name}`): the stored judgements
 * that found drift, of services still registered with the contract that was judged. A record of a
 * deregistered service, or of a contract since replaced by `PUT /services/{name}`, is stale and left
 * out until the next refresh judges the new one.
 */
import type { ServiceRecord } from "../registry/registry-model.ts";
import type { DriftedWorkflow } from "./drift-of.ts";
import { sourceHash } from "./drift-record.ts";
import type { ContractCheckRecord, DriftStore } from "./drift-store.ts";

export interface DriftReport {
  readonly service: string;
  readonly region: string;
  readonly source: string;
  readonly checkedAt: string;
  readonly driftSince: string;
  readonly workflows: readonly DriftedWorkflow[];
  readonly truncated?: boolean;
}

export async function currentDrift(
  services: readonly ServiceRecord[],
  store: DriftStore,
): Promise<DriftReport[]> {
  const hashes = new Map(services.map((s) => [s.name, sourceHash(s)]));
  const records = await store.list();
  return records
    .filter((r) => r.drift.length > 0 && hashes.get(r.service) === r.sourceHash)
    .map(reportOf);
}

function reportOf(record: ContractCheckRecord): DriftReport {
  return {
    service: record.service,
    region: record.region,
    source: record.source,
    checkedAt: record.checkedAt,
    driftSince: record.driftSince ?? record.checkedAt,
    workflows: record.drift,
    ...(record.truncated === true ? { truncated: true } : {}),
  };
}
