/**
 * The DynamoDB tables: the service registry (services, instances, circuits, drift), the execution
 * records (documents, step records, events, idempotency keys) and the workflows, all on-demand with
 * point-in-time recovery. Key, index and TTL names are in `lib/core/wire.ts`, shared with the
 * handlers' DynamoDB stores. With peer Regions the registry is a global table (`TableV2` with a
 * replica per peer, each encrypted with its own Region's AWS managed key), created by the first
 * Region's stack and imported by name in the others; the other tables stay regional (docs/peers.md).
 */
import { RemovalPolicy } from "aws-cdk-lib";
import {
  AttributeType,
  Billing,
  BillingMode,
  type ITable,
  ProjectionType,
  Table,
  TableEncryption,
  TableEncryptionV2,
  TableV2,
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
  /**
   * Peer Regions sharing the registry. The stack of `regions[0]` creates it as a global table
   * with a replica in each other Region; the others import their Region's replica by name.
   * @default no peers: a regional table
   */
  readonly peers?: RegistryPeers;
}

/** What the stack uses of the registry, whichever kind of table it is. */
export type RegistryTable = Pick<ITable, "tableName" | "tableArn" | "grantReadWriteData" | "node">;

export interface RegistryPeers {
  /** Every peer Region; the first owns the global table. At least two. */
  readonly regions: readonly string[];
  /** The Region of the stack being built (one of `regions`). */
  readonly region: string;
}

export class BatonTables extends Construct {
  /** A `Table`; with peers the global `TableV2` (first Region) or the imported replica (others). */
  readonly registry: RegistryTable;
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
    const registryName = `${props.namePrefix}-registry`;
    this.registry =
      props.peers === undefined
        ? new Table(this, "Registry", { ...common, tableName: registryName })
        : globalRegistry(this, registryName, props.peers, removalPolicy);
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

/**
 * The registry as a global table. Only the first Region's stack creates it (a global table is one
 * CloudFormation resource owning every replica); the others, deployed after it, import their
 * Region's replica by name, so their IAM grants name only that replica's ARN.
 */
function globalRegistry(
  scope: Construct,
  tableName: string,
  peers: RegistryPeers,
  removalPolicy: RemovalPolicy,
): RegistryTable {
  const [owner, ...replicas] = peers.regions;
  if (owner === undefined || replicas.length === 0 || !peers.regions.includes(peers.region)) {
    throw new Error(
      `Registry peers ${JSON.stringify(peers.regions)} must list at least two Regions including this stack's Region ${peers.region}.`,
    );
  }
  if (peers.region !== owner) return TableV2.fromTableName(scope, "Registry", tableName);
  return new TableV2(scope, "Registry", {
    tableName,
    partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
    sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
    billing: Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy,
    deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    // Each replica is encrypted with the AWS managed key of its own Region: no key crosses Regions.
    encryption: TableEncryptionV2.awsManagedKey(),
    replicas: replicas.map((region) => ({ region })),
  });
}
