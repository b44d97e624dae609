/**
 * The two DynamoDB tables: the service registry (services, instances, circuits) and the execution
 * records (documents, step records, events, idempotency keys), both on-demand with point-in-time
 * recovery. Key, index and TTL names are in `lib/core/wire.ts`, shared with the handlers' DynamoDB stores.
 */
import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { BY_WORKFLOW_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from "../core/wire.ts";

export interface BatonTablesProps {
  /** Physical names are `<prefix>-registry` and `<prefix>-executions`. */
  readonly namePrefix: string;
  /** @default RemovalPolicy.DESTROY (RETAIN also turns on deletion protection) */
  readonly removalPolicy?: RemovalPolicy;
  /** Customer managed key for both tables. @default the AWS managed key `aws/dynamodb` */
  readonly encryptionKey?: IKey;
}

export class BatonTables extends Construct {
  readonly registry: Table;
  readonly executions: Table;
  /** Workflows and every version of each (`lib/runtime/aws/dynamo-workflow-store.ts`). */
  readonly workflows: Table;
  /** The bus history, one item per event, expiring (`lib/runtime/aws/dynamo-event-history.ts`). */
  readonly events: Table;

  constructor(scope: Construct, id: string, props: BatonTablesProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const common = {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      ...(props.encryptionKey === undefined
        ? { encryption: TableEncryption.AWS_MANAGED }
        : { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }),
    };
    this.registry = new Table(this, "Registry", {
      ...common,
      tableName: `${props.namePrefix}-registry`,
    });
    this.executions = new Table(this, "Executions", {
      ...common,
      tableName: `${props.namePrefix}-executions`,
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
    this.workflows = new Table(this, "Workflows", {
      ...common,
      tableName: `${props.namePrefix}-workflows`,
    });
    this.events = new Table(this, "Events", {
      ...common,
      tableName: `${props.namePrefix}-events`,
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
    this.executions.addGlobalSecondaryIndex({
      indexName: BY_WORKFLOW_INDEX.name,
      partitionKey: { name: BY_WORKFLOW_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: BY_WORKFLOW_INDEX.sortKey, type: AttributeType.STRING },
      // Listing reads keys and filters on status (documents come from the table): a status
      // change is the only later index write, and index items stay tiny.
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...BY_WORKFLOW_INDEX.projected],
    });
  }
}
