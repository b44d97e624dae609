/**
 * `baton run <file> --input <json>`: one execution in this process, printing a live step timeline
 * and then the execution document (with `--json`, only the document). Exit code 0 when the
 * execution succeeded, 1 when the file or the input is invalid or the execution did not succeed.
 *
 * The workflow's folder is loaded too, so `workflow` steps find their children; the registry is
 * seeded from `services` (default: the registry seed next to the file, `services.yaml`, if any). Retry and Wait
 * pauses are real. An `await` step is answered by the `signals` given for its signal name (the
 * payload, or `{error, cause?}` to fail the step); without one it waits for its timeout.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Json } from "../core/model.ts";
import { formatProblems } from "../core/problems.ts";
import { isRegistrySeed } from "../core/project/files.ts";
import { displayPath, loadProject, registrySeedIn } from "../core/project/load.ts";
import { InputValidator } from "../runtime/api/input-validation.ts";
import { ENV } from "../runtime/aws/env.ts";
import { ValidationError } from "../runtime/errors.ts";
import { InMemoryRegistryStore } from "../runtime/registry/memory-store.ts";
import { seedRegistry } from "../runtime/registry/seed.ts";
import { MemoryRecords } from "./memory-records.ts";
import { createLocalRuntime, type LocalRuntime } from "./runtime.ts";
import { Timeline } from "./timeline.ts";
import { compileProject } from "./workflows.ts";

export interface RunOnceOptions {
  readonly file: string;
  readonly input: Json;
  /** Answers to `await` steps by signal name: the payload, or `{error, cause?}` to fail the step. */
  readonly signals?: Readonly<Record<string, Json>>;
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

  // The folder too, so `workflow` steps find their children; only this file's problems are shown.
  const shown = displayPath(file);
  const project = loadProject([file, dirname(file)], { cwd: process.cwd() });
  const own = project.files.find((f) => f.file === shown);
  const workflow = own?.ready === true ? own.name : undefined;
  const set = workflow === undefined ? undefined : compileProject(project, { roots: [workflow] });
  const problems = (set?.problems ?? project.problems).filter((p) => p.file === shown);
  for (const line of formatProblems(problems)) stderr(`${line}\n`);
  if (workflow === undefined || set === undefined || !set.machines.has(workflow)) {
    const why = isRegistrySeed(file)
      ? "is the service registry seed, not a workflow"
      : "has errors";
    stderr(`baton run: ${options.file} ${why}; nothing was run\n`);
    return 1;
  }

  const entry = set.catalogue.get(workflow);
  if (entry?.inputSchema !== undefined) {
    const problems = new InputValidator().validate(entry, options.input);
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

  let publisher: LocalRuntime["publisher"] | undefined;
  const records = new MemoryRecords(set.catalogue, () => publisher);
  const runtime = await createLocalRuntime({
    compiled: set,
    registry,
    records: (event) => records.apply(event),
    busRetryDelaysMs: [],
    log: (line) => stderr(`${line}\n`),
    parkSignal: async (request, engine) => {
      const answer = options.signals?.[request.signal];
      if (answer === undefined) {
        timeline?.note(
          `${request.stepId}: waiting for signal "${request.signal}" (times out after ${request.timeout} s; answer it with --signal ${request.signal}=<json>)`,
        );
      } else if (isErrorAnswer(answer)) {
        timeline?.note(`${request.stepId}: signal "${request.signal}" given as a failure`);
        await engine.sendTaskFailure(request.taskToken, answer.error, answer.cause ?? answer.error);
      } else {
        timeline?.note(`${request.stepId}: signal "${request.signal}" given`);
        await engine.sendTaskSuccess(request.taskToken, answer);
      }
    },
  });
  publisher = runtime.publisher;
  records.traceWith((run) => runtime.engine.trace(run.name));
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

/** A signal answer of the form `{error, cause?}` fails the step, as in the harness. */
const isErrorAnswer = (value: Json): value is { error: string; cause?: string } =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  typeof (value as { error?: unknown }).error === "string";

const defaultServices = (file: string): string | undefined => registrySeedIn(dirname(file));
