/**
 * cdk-nag v3 acknowledgements. v3 reads CDK's native `Validations.of(scope).acknowledge()` and
 * matches rule ids exactly, one finding at a time (`AwsSolutions-IAM5[Resource::…]`), so each
 * acknowledgement names the finding it covers and says why; an acknowledgement on a construct
 * covers everything below it.
 */
import { type CfnElement, Stack, Token, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/** Acknowledges `rule` on `scope`, for the listed findings only when any are given. */
export function acknowledge(
  scope: IConstruct,
  rule: string,
  reason: string,
  findings: readonly string[] = [],
): void {
  // A stack deployed to a given Region (peer Regions, docs/peers.md) renders ARNs with the Region
  // itself where an environment-agnostic one has `<AWS::Region>`.
  const region = Stack.of(scope).region;
  const concrete = (finding: string): string =>
    Token.isUnresolved(region) ? finding : finding.replaceAll("<AWS::Region>", region);
  const ids =
    findings.length === 0 ? [rule] : findings.map((finding) => `${rule}[${concrete(finding)}]`);
  Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason })));
}

/** How cdk-nag renders `Fn::GetAtt` of a resource in a finding: `<LogicalId.Attr>`. */
export const attributeRef = (element: CfnElement, attribute: string): string =>
  `<${Stack.of(element).getLogicalId(element)}.${attribute}>`;

/** A finding on a resource ARN built with `Stack.formatArn` in the stack's own account. */
export const accountArn = (service: string, rest: string): string =>
  `Resource::arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${rest}`;
