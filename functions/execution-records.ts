/**
 * EventBridge target keeping execution records: Step Functions status changes (default bus) and
 * Baton orchestration events. A thin middy wrapper around `applyEvent`; a thrown error makes
 * EventBridge retry the event, which the updater tolerates (idempotent, order-independent).
 */
import middy from "@middy/core";
import { getCatalogue } from "./commons/catalogue.ts";
import { getClients } from "./commons/clients.ts";
import { ENV, requireEnv } from "./commons/config.ts";
import { getDefaultEventPublisher } from "./commons/events.ts";
import { DynamoExecutionStore } from "./commons/records/execution-store.ts";
import { retentionDaysFromEnv } from "./commons/records/keys.ts";
import { type ApplyResult, applyEvent, type UpdaterDeps } from "./commons/records/updater.ts";

export { applyEvent };

let defaults: Promise<UpdaterDeps> | undefined;

export function getDefaultUpdaterDeps(): Promise<UpdaterDeps> {
  if (defaults === undefined) {
    defaults = (async () => {
      const catalogue = await getCatalogue();
      return {
        catalogue,
        store: new DynamoExecutionStore({
          client: getClients().dynamo,
          tableName: requireEnv(ENV.executionsTable),
          catalogue,
          retentionDays: retentionDaysFromEnv(process.env[ENV.retentionDays]),
        }),
        publisher: getDefaultEventPublisher(),
      };
    })();
    defaults.catch(() => {
      defaults = undefined;
    });
  }
  return defaults;
}

export async function recordEvent(event: unknown, deps?: UpdaterDeps): Promise<ApplyResult> {
  const result = await applyEvent(event, deps ?? (await getDefaultUpdaterDeps()));
  if (result.outcome === "ignored") {
    console.warn(
      JSON.stringify({ level: "WARN", message: "event ignored", reason: result.reason }),
    );
  }
  return result;
}

export const handler = middy<unknown, ApplyResult>().handler((event) => recordEvent(event));
