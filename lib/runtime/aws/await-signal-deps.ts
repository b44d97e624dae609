/** The await task's dependencies in AWS, built once per container. */
import type { AwaitSignalDeps } from "../await-signal.ts";
import { retentionDaysFromEnv } from "../records/keys.ts";
import { getClients } from "./clients.ts";
import { DynamoSignalStore } from "./dynamo-signal-store.ts";
import { ENV, requireEnv } from "./env.ts";
import { SfnExecutionEngine } from "./sfn-engine.ts";

let deps: AwaitSignalDeps | undefined;

export function awaitSignalDeps(): AwaitSignalDeps {
  if (deps !== undefined) return deps;
  const clients = getClients();
  deps = {
    signals: new DynamoSignalStore({
      client: clients.dynamo,
      tableName: requireEnv(ENV.executionsTable),
      retentionDays: retentionDaysFromEnv(process.env[ENV.retentionDays]),
    }),
    // Task tokens need no execution lookup, so no state machine mapping is required here.
    engine: new SfnExecutionEngine({
      client: clients.sfn,
      stateMachineArn: () => undefined,
      locate: async () => undefined,
    }),
  };
  return deps;
}
