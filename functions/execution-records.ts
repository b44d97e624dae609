/**
 * EventBridge target keeping execution records: Step Functions status changes (default bus) and
 * Baton orchestration events. A thin middy wrapper around `applyEvent`; a thrown error makes
 * EventBridge retry the event, which the updater tolerates (idempotent, order-independent).
 */
import middy from "@middy/core";
import { getCatalogue } from "../lib/runtime/aws/catalogue-from-env.ts";
import { getClients } from "../lib/runtime/aws/clients.ts";
import { DynamoExecutionStore } from "../lib/runtime/aws/dynamo-execution-store.ts";
import { ENV, requireEnv } from "../lib/runtime/aws/env.ts";
import { getDefaultEventPublisher } from "../lib/runtime/aws/event-bridge-publisher.ts";
import { retentionDaysFromEnv } from "../lib/runtime/records/keys.ts";
import { type ApplyResult, applyEvent, type UpdaterDeps } from "../lib/runtime/records/updater.ts";

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
