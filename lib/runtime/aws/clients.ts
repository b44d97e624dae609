/**
 * AWS SDK v3 clients, created once per container and reused across invocations. Tests and the local
 * runtime replace them through `setClients` (or `aws-sdk-client-mock`, which patches `send`).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SQSClient } from "@aws-sdk/client-sqs";

export interface Clients {
  readonly dynamo: DynamoDBClient;
  readonly events: EventBridgeClient;
  readonly sfn: SFNClient;
  readonly sqs: SQSClient;
}

let clients: Clients | undefined;

export function getClients(): Clients {
  clients ??= {
    dynamo: new DynamoDBClient({}),
    events: new EventBridgeClient({}),
    sfn: new SFNClient({}),
    sqs: new SQSClient({}),
  };
  return clients;
}

export function setClients(next: Partial<Clients>): void {
  clients = { ...getClients(), ...next };
}
