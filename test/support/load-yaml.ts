/** A workflow from YAML text, parsed and validated as the project loader does; throws on errors. */
import type { Workflow } from "../../lib/core/model.ts";
import { parseSource } from "../../lib/core/parse.ts";
import { validateWorkflow } from "../../lib/core/validate.ts";

export function workflowFromYaml(text: string, file = "inline.yaml"): Workflow {
  const source = parseSource(text, file);
  const { workflow, problems } = validateWorkflow(source.value);
  const errors = [...source.problems, ...problems].filter((p) => p.severity === "error");
  if (!workflow || errors.length > 0) throw new Error(`${file}: ${JSON.stringify(errors)}`);
  return workflow;
}
