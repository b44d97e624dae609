import { toMermaid } from "../../core/mermaid.ts";
import { type Command, loadOne, writeJson } from "../command.ts";
import { EXIT } from "../io.ts";

export const graph: Command = {
  name: "graph",
  summary: "print a workflow as a Mermaid flowchart (compensation edges dashed)",
  synopsis: "graph <file>",
  help: [],
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const loaded = await loadOne(ctx);
    if ("exit" in loaded) return loaded.exit;
    const mermaid = toMermaid(loaded.ready.workflow);
    if (ctx.json)
      writeJson(ctx.io, {
        ok: true,
        workflow: loaded.ready.name,
        mermaid,
        problems: loaded.file.problems,
      });
    else ctx.io.stdout(mermaid);
    return EXIT.ok;
  },
};
