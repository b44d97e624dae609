/**
 * `baton run <file> --input <json>`: one execution in this process, printing a live step timeline
 * and then the execution document (with `--json`, only the document). Exit code 0 when the
 * execution succeeded, 1 when the file or the input is invalid or the execution did not succeed.
 *
 * The workflow's folder is loaded too, so `workflow` steps find their children; the registry is
 * seeded from `services` (default: `services.yaml` next to the file, if any). Retry and Wait
 * pauses are real. An `await` step waits for its timeout: there is no API to signal it here.
 */
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { loadWorkflowFiles, WORKFLOW_EXTENSIONS } from "../core/load.ts";
import type { Json } from "../core/model.ts";
import { InputValidator } from "../runtime/api/input-validation.ts";
import { ENV } from "../runtime/aws/env.ts";
import { ValidationError } from "../runtime/errors.ts";
import { InMemoryRegistryStore } from "../runtime/registry/memory-store.ts";
import { seedRegistry } from "../runtime/registry/seed.ts";
import { MemoryRecords } from "./memory-records.ts";
import { createLocalRuntime } from "./runtime.ts";
import { Timeline } from "./timeline.ts";
import { compileSet, formatProblem, isRegistryFile } from "./workflows.ts";

export interface RunOnceOptions {
  readonly file: string;
  readonly input: Json;
  /** Print only the execution document, as JSON. */
  readonly json: boolean;
  /** Registry seed (services.yaml); default `services.yaml` next to the workflow file. */
  readonly services?: string;
  /** Where output goes. @default process.stdout / process.stderr */
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** Colours; default: stdout is a TTY and NO_COLOR is unset. */
  readonly color?: boolean;
}

export async function runOnce(options: RunOnceOptions): Promise<number> {
  const stdout = options.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  const color =
    options.color ?? (process.stdout.isTTY === true && process.env.NO_COLOR === undefined);
  const file = resolve(options.file);
  process.env[ENV.allowPrivateUrls] = "1";

  const loaded = loadWorkflowFiles(siblings(file));
  for (const problem of loaded.problems)
    if (problem.file === file) stderr(`${formatProblem(problem)}\n`);
  const workflow = loaded.workflows.find((w) => w.file === file)?.workflow.name;
  const set = workflow === undefined ? undefined : compileSet(loaded, { roots: [workflow] });
  const refusal = set?.problems.find(
    (p) => p.file === file && p.problem.code === "E_LOCAL_RUNTIME",
  );
  if (refusal !== undefined) stderr(`${formatProblem(refusal)}\n`);
  if (workflow === undefined || set === undefined || !set.machines.has(workflow)) {
    stderr(`baton run: ${options.file} has errors; nothing was run\n`);
    return 1;
  }

  const inputSchema = set.catalogue.get(workflow)?.inputSchema;
  if (inputSchema !== undefined) {
    const problems = new InputValidator().validate(workflow, inputSchema, options.input);
    if (problems.length > 0) {
      for (const problem of problems)
        stderr(`input${problem.path.replace(/^\/input/, "")}: ${problem.message}\n`);
      stderr(`baton run: the input does not match the input schema of ${workflow}\n`);
      return 1;
    }
  }

  const registry = new InMemoryRegistryStore();
  const servicesFile = options.services ?? defaultServices(file);
  if (servicesFile !== undefined) {
    try {
      await seedRegistry(registry, await readFile(servicesFile, "utf8"));
    } catch (error) {
      if (!(error instanceof ValidationError)) {
        stderr(`baton run: cannot read ${servicesFile}: ${(error as Error).message}\n`);
        return 1;
      }
      for (const problem of error.errors)
        stderr(`${servicesFile}: ${problem.path || "/"}: ${problem.message}\n`);
      return 1;
    }
  }

  const records = new MemoryRecords(set.catalogue);
  const runtime = await createLocalRuntime({
    compiled: set,
    registry,
    records: (event) => records.apply(event),
    busRetryDelaysMs: [],
    log: (line) => stderr(`${line}\n`),
    parkSignal: async (request) => {
      timeline?.note(
        `${request.stepId}: waiting for signal "${request.signal}" (times out after ${request.timeout} s)`,
      );
    },
  });
  let timeline: Timeline | undefined;
  try {
    const executionId = crypto.randomUUID();
    if (!options.json) {
      timeline = new Timeline({ executionId, write: (line) => stdout(`${line}\n`), color });
      const listening = timeline;
      runtime.bus.listen((event) => listening.onEvent(event));
      timeline.begin(workflow, set.catalogue.get(workflow)?.version ?? 1);
    }
    runtime.engine.start(workflow, options.input, { executionId });
    await runtime.engine.waitFor(executionId);
    await runtime.idle();
    const document = records.document(executionId);
    if (document === undefined) {
      stderr("baton run: the execution left no record (this is a bug)\n");
      return 1;
    }
    timeline?.end(document.status, document.error);
    if (!options.json) stdout("\n");
    stdout(`${JSON.stringify(document, null, 2)}\n`);
    return document.status === "SUCCEEDED" ? 0 : 1;
  } finally {
    await runtime.stop();
  }
}

/** The file with the other workflow files of its folder (children it may start). */
function siblings(file: string): string[] {
  const dir = dirname(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [file];
  }
  const others = names
    .filter((n) => WORKFLOW_EXTENSIONS.some((ext) => n.endsWith(ext)) && !isRegistryFile(n))
    .map((n) => join(dir, n))
    .filter((f) => f !== file);
  return [file, ...others];
}

function defaultServices(file: string): string | undefined {
  const candidate = join(dirname(file), "services.yaml");
  return existsSync(candidate) ? candidate : undefined;
}
