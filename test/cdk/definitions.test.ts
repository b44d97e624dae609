/**
 * The definition CloudFormation deploys for each example workflow in workflows/ must be exactly
 * what the compiler produces, once the placeholders are replaced by what they should point at.
 */
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { loadProject } from "../../lib/core/project/load.ts";
import { childWorkflowSubstitution, SUBSTITUTION_KEYS } from "../../lib/core/wire.ts";
import {
  FIXTURE_WORKFLOWS,
  fixtureDir,
  logicalId,
  type Synthesized,
  synthBaton,
  workflowStack,
} from "./helpers.ts";

const EXAMPLES = resolve(import.meta.dirname, "../../workflows");

/** Renders CloudFormation intrinsics as `${Ref}` / `${Id.Attr}` text, as a deploy would fill them. */
function render(value: unknown): string {
  if (typeof value === "string") return value;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === "string") return `\${${v.Ref}}`;
  const att = v["Fn::GetAtt"];
  if (Array.isArray(att)) return `\${${att.join(".")}}`;
  const join = v["Fn::Join"];
  if (Array.isArray(join)) return (join[1] as unknown[]).map(render).join(join[0] as string);
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** CloudFormation's DefinitionSubstitutions step: `${key}` → the substitution's value. */
function deployedDefinition(built: Synthesized, name: string): unknown {
  const nested = workflowStack(built, name);
  const machines = Object.values(nested.template.findResources("AWS::StepFunctions::StateMachine"));
  const props = nested.resolve(machines[0]?.Properties) as Record<string, unknown> | undefined;
  if (props?.StateMachineName !== `baton-dev-${name}`)
    throw new Error(`no state machine for ${name}`);
  let text = render(props.DefinitionString);
  for (const [key, value] of Object.entries(
    (props.DefinitionSubstitutions ?? {}) as Record<string, unknown>,
  )) {
    text = text.replaceAll(`\${${key}}`, render(value));
  }
  return JSON.parse(text);
}

const SETS = [
  ["the example workflows", EXAMPLES],
  ["the fixture workflows (every placeholder kind)", fixtureDir(FIXTURE_WORKFLOWS)],
] as const;

for (const [label, dir] of SETS) {
  describe(`deployed definitions of ${label}`, () => {
    let built: Synthesized;
    beforeAll(() => {
      built = synthBaton({ context: { "baton:workflowsDir": dir } });
    });
    const loaded = loadProject(dir);

    it("covers every workflow", () => {
      expect(loaded.workflows.length).toBeGreaterThan(0);
      expect(loaded.problems.filter((p) => p.problem.severity === "error")).toStrictEqual([]);
      expect(Object.keys(built.stack.workflows).sort()).toStrictEqual(
        loaded.workflows.map((w) => w.workflow.name).sort(),
      );
    });

    for (const { workflow } of loaded.workflows) {
      it(`deploys ${workflow.name} exactly as compiled`, () => {
        // Prepare: what each placeholder must become
        const fn = (prefix: string) =>
          `\${${logicalId(built.template, "AWS::Lambda::Function", prefix)}.Arn}`;
        const expected: Record<string, string> = {
          [SUBSTITUTION_KEYS.ServiceCall]: fn("HandlersServiceCallFunction"),
          [SUBSTITUTION_KEYS.AwaitSignal]: fn("HandlersAwaitSignalFunction"),
          [SUBSTITUTION_KEYS.StartExecution]: fn("HandlersStartExecutionFunction"),
          [SUBSTITUTION_KEYS.EventBus]: `\${${logicalId(built.template, "AWS::Events::EventBus", "OrchestrationBus")}}`,
        };
        let compiled = JSON.stringify(compileWorkflow(workflow));
        for (const match of compiled.matchAll(/\$\{ChildWorkflow_([a-z0-9_]+)\}/g)) {
          const child = (match[1] ?? "").replace(/_/g, "-");
          expected[childWorkflowSubstitution(child)] =
            `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:baton-dev-${child}`;
        }
        for (const [key, value] of Object.entries(expected))
          compiled = compiled.replaceAll(`\${${key}}`, value);
        // Act
        const deployed = deployedDefinition(built, workflow.name);
        // Assess
        expect(deployed).toStrictEqual(JSON.parse(compiled));
        expect(JSON.stringify(deployed)).not.toMatch(/\$\{Baton|\$\{ChildWorkflow_/);
      });
    }
  });
}
