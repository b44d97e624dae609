/**
 * What `GET /peers` needs (docs/peers.md): the API's own URL for the heartbeat the health check
 * writes every minute and for the API's answer; with peer Regions, the Region list and the right
 * to read the registry table's `ReplicationLatency` metric in this Region. One Region gets the URL
 * only: it has no peer and no metric to read.
 */
import { Stack } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { ENV } from "../runtime/aws/env.ts";
import { API_STAGE_NAME } from "./baton-api.ts";
import type { BatonFunction } from "./baton-function.ts";
import { acknowledge } from "./nag.ts";

/** CloudWatch actions that take no resource: the Region condition is the only scope there is. */
export const METRIC_READ_ACTIONS = ["cloudwatch:GetMetricData"] as const;

export interface PeerDirectoryProps {
  readonly api: RestApi;
  /** Serves `GET /peers`. */
  readonly apiFunction: BatonFunction;
  /** Writes this Region's heartbeat on its schedule. */
  readonly healthCheck: BatonFunction;
  /** `baton:regions`; fewer than two: no peers. */
  readonly regions: readonly string[];
}

export class PeerDirectory extends Construct {
  /** The API base URL the heartbeat announces. */
  readonly apiUrl: string;

  constructor(scope: Construct, id: string, props: PeerDirectoryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Built from the API's id rather than `api.url`: the URL token names the stage, whose
    // deployment depends on the API function, which would then depend on itself.
    this.apiUrl = `https://${props.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${API_STAGE_NAME}`;
    for (const fn of [props.apiFunction, props.healthCheck])
      fn.function.addEnvironment(ENV.apiUrl, this.apiUrl);
    if (props.regions.length < 2) return;
    props.apiFunction.function.addEnvironment(ENV.peerRegions, props.regions.join(","));
    props.apiFunction.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...METRIC_READ_ACTIONS],
        resources: ["*"],
        conditions: { StringEquals: { "aws:RequestedRegion": stack.region } },
      }),
    );
    acknowledge(
      props.apiFunction.role,
      "AwsSolutions-IAM5",
      "cloudwatch:GetMetricData supports no resource-level permissions; it is limited to this Region (aws:RequestedRegion) and reads the registry table's ReplicationLatency for GET /peers.",
      ["Resource::*"],
    );
  }
}
