/**
 * The orchestration bus: a custom EventBridge bus encrypted with a customer managed key, archived so
 * events can be replayed, with a dead-letter queue for events the bus itself cannot deliver.
 */
import { Duration, Stack } from "aws-cdk-lib";
import { Archive, EventBus } from "aws-cdk-lib/aws-events";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface OrchestrationBusProps {
  readonly eventBusName: string;
  /** Encrypts the bus and its archive (EventBridge needs a customer managed key for either). */
  readonly encryptionKey: IKey;
  /** Receives events the bus fails to process (for example a KMS error). */
  readonly deadLetterQueue: IQueue;
  /** @default Duration.days(30) */
  readonly archiveRetention?: Duration;
  /** Keep a replayable archive of every event. @default true */
  readonly archive?: boolean;
}

export class OrchestrationBus extends Construct {
  readonly bus: EventBus;
  readonly archive?: Archive;

  constructor(scope: Construct, id: string, props: OrchestrationBusProps) {
    super(scope, id);
    this.bus = new EventBus(this, "Bus", {
      eventBusName: props.eventBusName,
      description: "Baton orchestration events (source baton) and workflow trigger events",
      kmsKey: props.encryptionKey,
      deadLetterQueue: props.deadLetterQueue,
    });
    if (props.archive === false) return;
    // The archive's key policy names the bus ARN; built from the name it creates no Key <-> Bus cycle.
    const busArn = Stack.of(this).formatArn({
      service: "events",
      resource: "event-bus",
      resourceName: props.eventBusName,
    });
    this.archive = new Archive(this, "Archive", {
      sourceEventBus: EventBus.fromEventBusArn(this, "BusByArn", busArn),
      description: `Replayable copy of every event on ${props.eventBusName}`,
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.archiveRetention ?? Duration.days(30),
      kmsKey: props.encryptionKey,
    });
    this.archive.node.addDependency(this.bus);
  }
}
