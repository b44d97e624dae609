/**
 * AWS SDK v3 clients, created once per container and reused across invocations, each call an X-Ray
 * subsegment (`xray.ts`). Tests and the local runtime replace them through `setClients` (or
 * `aws-sdk-client-mock`, which patches `send`).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SQSClient } from "@aws-sdk/client-sqs";
import { traceSdkClient, XRayEmitter } from "./xray.ts";

export interface Clients {
  readonly dynamo: DynamoDBClient;
  readonly events: EventBridgeClient;
  readonly sfn: SFNClient;
  readonly sqs: SQSClient;
}

let clients: Clients | undefined;

/** The container's X-Ray emitter: SDK calls and service calls become subsegments of the invocation. */
export const xrayEmitter = new XRayEmitter();

export function getClients(): Clients {
  clients ??= {
    dynamo: traceSdkClient(new DynamoDBClient({}), xrayEmitter),
    events: traceSdkClient(new EventBridgeClient({}), xrayEmitter),
    sfn: traceSdkClient(new SFNClient({}), xrayEmitter),
    sqs: traceSdkClient(new SQSClient({}), xrayEmitter),
  };
  return clients;
}

export function setClients(next: Partial<Clients>): void {
  clients = { ...getClients(), ...next };
}
