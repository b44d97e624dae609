import { loadCompiledWorkflows } from "../../../lib/cdk/compiled-workflows.ts";
try { loadCompiledWorkflows("/tmp/bad", { cwd: "/tmp" }); } catch (e) { console.log((e as {problems: string[]}).problems); console.log(String(e)); }
