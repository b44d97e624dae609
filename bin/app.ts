#!/usr/bin/env node
/**
 * The CDK app: the Baton stacks (one, or one per peer Region of `baton:regions`), configured from
 * CDK context, checked by cdk-nag on every synth.
 */
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { createBatonStacks } from "../lib/cdk/baton-stacks.ts";
import { WorkflowLoadError } from "../lib/cdk/compiled-workflows.ts";
import { BatonConfigError, readBatonConfig } from "../lib/cdk/config.ts";
import { RegistrySeedError } from "../lib/cdk/registry-seed.ts";

const app = new App();
try {
  const config = readBatonConfig(app.node);
  // Synth needs no credentials or lookups: without baton:regions the stack is environment-agnostic
  // (the deploy target decides); with it, each stack names its Region and no account.
  createBatonStacks(app, config);
} catch (error) {
  // Bad configuration or workflows are the user's to fix: their message, not a stack trace.
  if (
    !(
      error instanceof BatonConfigError ||
      error instanceof WorkflowLoadError ||
      error instanceof RegistrySeedError
    )
  )
    throw error;
  console.error(error.message);
  process.exit(1);
}
// cdk-nag v3 is a policy-validation plugin (it replaced the v2 Aspect).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
