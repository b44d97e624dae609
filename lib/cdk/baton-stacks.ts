/**
 * The stacks of one Baton configuration: one environment-agnostic stack by default, one stack in
 * the Region given by `baton:regions` when it names one, and with two or more one stack per Region,
 * peers sharing the registry (a DynamoDB global table owned by the first Region's stack, which the
 * others are deployed after). Everything else, executions included, stays in its Region
 * (docs/peers.md).
 */
import { Token } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { BatonStack, type BatonStackProps } from "./baton-stack.ts";
import type { BatonConfig } from "./config.ts";

export type BatonStacksProps = Omit<BatonStackProps, "config" | "env">;

/** `Baton-<stage>`, or `Baton-<stage>-<region>` for each peer. */
export function batonStackName(config: BatonConfig, region?: string): string {
  return region === undefined || config.regions.length < 2
    ? `Baton-${config.stage}`
    : `Baton-${config.stage}-${region}`;
}

export function createBatonStacks(
  scope: Construct,
  config: BatonConfig,
  props: BatonStacksProps = {},
): BatonStack[] {
  if (config.regions.length === 0) {
    return [new BatonStack(scope, batonStackName(config), { ...props, config })];
  }
  const stacks = config.regions.map(
    (region) =>
      new BatonStack(scope, batonStackName(config, region), {
        ...props,
        config,
        env: { region },
      }),
  );
  const [owner, ...peers] = stacks;
  for (const peer of peers)
    if (owner !== undefined)
      peer.addStackDependency(
        owner,
        "the registry global table is created by the first Region's stack",
      );
  for (const stack of stacks) {
    if (Token.isUnresolved(stack.region)) {
      throw new Error(`Stack ${stack.stackName} has no concrete Region; give baton:regions names.`);
    }
  }
  return stacks;
}
