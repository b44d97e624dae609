/**
 * Shared set-up for the CDK tests: fixture workflow folders, a config, and one synthesized stack
 * per test file. Bundling is skipped unless asked for (`aws:cdk:bundling-stacks: []`), so only the
 * synth test runs esbuild; CloudFormation template validation is off (`CDK_VALIDATION=false`).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { App, type AppProps, type CfnElement } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { BatonStack } from "../../lib/cdk/baton-stack.ts";
import { type BatonConfig, readBatonConfig } from "../../lib/cdk/config.ts";
import { tempDir } from "../support/tmp.ts";

process.env.CDK_VALIDATION = "false";

/** Four workflows that between them use every kind of task the compiler emits. */
export const FIXTURE_WORKFLOWS: Readonly<Record<string, string>> = {
  "parent.yaml": `workflow: parent
version: 2
description: Calls, emits, waits for a signal and runs a child
timeout: 600
triggers:
  - event: { source: [shop.orders], detailType: [Order Placed] }
  - schedule: rate(1 hour)
    input: { orderId: nightly }
steps:
  - id: reserve
    call: inventory POST /reservations
    with: { orderId: "{{ input.orderId }}" }
    timeout: 45
    compensate:
      call: inventory DELETE /reservations/{{ steps.reserve.body.id }}
  - id: announce
    emit: { detailType: Order Reserved, detail: { orderId: "{{ input.orderId }}" } }
  - id: approval
    await: { signal: approved, timeout: 3600 }
  - id: ship
    workflow: { name: child, input: { orderId: "{{ input.orderId }}" } }
`,
  "child.yaml": `workflow: child
steps:
  - id: label
    call: shipping GET /labels
`,
  "quick.yaml": `workflow: quick
type: express
timeout: 60
steps:
  - id: ping
    call: inventory GET /ping
`,
  "idle.yaml": `workflow: idle
steps:
  - id: pause
    wait: { seconds: 5 }
`,
};

/** Writes files into a fresh temporary folder (removed after the test file) and returns its path. */
export function fixtureDir(files: Readonly<Record<string, string>>): string {
  const dir = tempDir("baton-cdk-test-");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export interface SynthOptions {
  readonly context?: Readonly<Record<string, unknown>>;
  /** Run esbuild for the handlers. @default false */
  readonly bundle?: boolean;
}

export interface Synthesized {
  readonly app: App;
  readonly stack: BatonStack;
  readonly config: BatonConfig;
  readonly template: Template;
}

/**
 * An App whose cloud assembly goes to a temporary folder removed after the test file (an App
 * without `outdir` synthesizes into a fresh `cdk.out*` folder in the OS temp folder, left there).
 */
export function testApp(props: Omit<AppProps, "outdir"> = {}): App {
  return new App({ ...props, outdir: tempDir("cdk.out-") });
}

/** Builds and synthesizes one Baton stack from CDK context, as bin/app.ts does. */
export function synthBaton(options: SynthOptions = {}): Synthesized {
  const app = testApp({
    context: {
      ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }),
      ...options.context,
    },
  });
  const config = readBatonConfig(app.node);
  const stack = new BatonStack(app, "Baton-test", { config });
  return { app, stack, config, template: Template.fromStack(stack) };
}

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} named ${prefix}*, found ${ids.join(", ") || "none"}`);
  return ids[0] as string;
}

/** `arn:${Partition}:<service>:${Region}:${AccountId}:<rest>` as `Stack.formatArn` renders it. */
export const accountArn = (service: string, rest: string): unknown => ({
  "Fn::Join": [
    "",
    [
      "arn:",
      { Ref: "AWS::Partition" },
      `:${service}:`,
      { Ref: "AWS::Region" },
      ":",
      { Ref: "AWS::AccountId" },
      `:${rest}`,
    ],
  ],
});

export const getAtt = (id: string, attribute = "Arn"): unknown => ({
  "Fn::GetAtt": [id, attribute],
});

type Statement = { readonly Action: unknown; readonly Resource: unknown; readonly Effect: string };

/** The statements of the default policy attached to the role whose logical id starts with `rolePrefix`. */
export function policyStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = Object.values(template.findResources("AWS::IAM::Policy")) as {
    Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
  }[];
  const policy = policies.find((p) => p.Properties.Roles.some((r) => r.Ref.startsWith(rolePrefix)));
  if (policy === undefined) throw new Error(`no policy for role ${rolePrefix}*`);
  return policy.Properties.PolicyDocument.Statement;
}

export interface WorkflowStackView {
  readonly template: Template;
  /** Replaces references to the nested stack's parameters by what the parent passes in. */
  readonly resolve: (value: unknown) => unknown;
}

/** The nested stack of one workflow, with its parameters resolvable to the parent's values. */
export function workflowStack(built: Synthesized, name: string): WorkflowStackView {
  const nested = built.stack.workflows[name];
  if (nested === undefined) throw new Error(`no workflow ${name}`);
  const resourceId = built.stack.getLogicalId(nested.nestedStackResource as CfnElement);
  const parameters = (built.template.toJSON().Resources[resourceId]?.Properties?.Parameters ??
    {}) as Record<string, unknown>;
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== "object") return value;
    const ref = (value as { Ref?: unknown }).Ref;
    if (typeof ref === "string" && ref in parameters) return parameters[ref];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  };
  return { template: Template.fromStack(nested), resolve };
}
