/**
 * `baton dev --watch`: a workflow file saved in the served folder is validated and published as
 * the workflow's next version, exactly as `PUT /workflows/{name}` would (running executions finish
 * on the version they started with; new starts take the new one); a file with errors is reported
 * with its lines and changes nothing. A saved services.yaml is applied as a deploy applies it
 * (`deployed-seed.ts`): changed entries registered, dropped ones removed while still as seeded.
 * Nothing here stops the server: every failure is a line in the log.
 */

import { type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, extname, join, relative, resolve } from "node:path";
import { parse } from "yaml";
import { formatProblems } from "../core/problems.ts";
import { ValidationError } from "../runtime/errors.ts";
import { applyDeployedSeed } from "../runtime/registry/deployed-seed.ts";
import type { RegistryService } from "../runtime/registry/registry-service.ts";
import { readServicesDocument } from "../runtime/registry/services-file.ts";
import { recordAudit } from "../runtime/workflows/audit.ts";
import { WorkflowInvalidError } from "../runtime/workflows/errors.ts";
import { type PublishOutcome, publishWorkflow } from "../runtime/workflows/publish.ts";
import type { PublishDeps } from "../runtime/workflows/versions.ts";

export interface WatchOptions {
  readonly workflowsDir: string;
  /** The registry seed beside the workflows, when there is one. */
  readonly servicesFile?: string;
  /** The seed as it was applied at start-up (so the first change applies only its difference). */
  readonly seededText?: string;
  readonly publish: PublishDeps;
  readonly registry: RegistryService;
  /** Rewrites a seed before it is applied (the demo's moved ports). @default as read */
  readonly transformSeed?: (text: string) => string;
  readonly log: (line: string) => void;
  /** Editors write a file in several steps: changes are applied once quiet this long. @default 150 */
  readonly settleMs?: number;
}

export interface Watcher {
  /** Resolves once every change seen so far has been applied (tests). */
  idle(): Promise<void>;
  close(): void;
}

const WORKFLOW_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

export function watchWorkflows(options: WatchOptions): Watcher {
  const servicesFile =
    options.servicesFile === undefined ? undefined : resolve(options.servicesFile);
  const settleMs = options.settleMs ?? 150;
  const timers = new Map<string, NodeJS.Timeout>();
  let seeded = seedList(options.seededText);
  let queue: Promise<void> = Promise.resolve();
  let pending = 0;

  const apply = (path: string): void => {
    pending += 1;
    queue = queue
      .then(() => (path === servicesFile ? reseed(path) : republish(path)))
      .catch((error: unknown) =>
        options.log(`baton dev: ${shown(path)}: reload failed: ${(error as Error).message}`),
      )
      .finally(() => {
        pending -= 1;
      });
  };

  const republish = async (path: string): Promise<void> => {
    const text = await readIfPresent(path);
    if (text === undefined) {
      options.log(
        `baton dev: ${shown(path)} was removed; its workflow is still served (DELETE /workflows/{name} removes it)`,
      );
      return;
    }
    const name = workflowNameOf(text, path);
    let outcome: PublishOutcome;
    try {
      outcome = await publishWorkflow(options.publish, name, text, "baton dev --watch");
    } catch (error) {
      if (!(error instanceof WorkflowInvalidError)) throw error;
      const problems = error.problems.map((p) => ({ ...p, file: shown(path) }));
      for (const line of formatProblems(problems)) options.log(line);
      options.log(
        `baton dev: ${shown(path)} not reloaded (fix the errors above); ${name} keeps its current version`,
      );
      return;
    }
    for (const line of formatProblems(outcome.warnings.map((p) => ({ ...p, file: shown(path) }))))
      options.log(line);
    if (outcome.outcome !== "unchanged")
      await recordAudit(
        options.publish.store,
        {
          workflow: name,
          at: new Date().toISOString(),
          action: "published",
          by: "baton dev --watch",
          version: outcome.version,
          detail: `saved ${shown(path)}`,
        },
        {
          info: () => {},
          warn: () => {},
          error: (message, attributes) =>
            options.log(`baton dev: ${message}: ${String(attributes?.error ?? "")}`),
        },
      );
    options.log(
      outcome.outcome === "unchanged"
        ? `baton dev: ${shown(path)} unchanged (${name} v${outcome.version})`
        : `baton dev: ${shown(path)} reloaded: ${name} v${outcome.version} is live; running executions keep their version`,
    );
  };

  const reseed = async (path: string): Promise<void> => {
    const raw = await readIfPresent(path);
    const text = raw === undefined ? "" : (options.transformSeed ?? ((t: string) => t))(raw);
    let next: readonly unknown[];
    try {
      next = readServicesDocument(text).list;
      const outcome = await applyDeployedSeed(next, seeded, options.registry);
      seeded = next;
      options.log(
        `baton dev: ${shown(path)} applied: ${outcome.registered.length} registered, ${outcome.deregistered.length} removed, ${outcome.unchanged.length} unchanged${outcome.kept.length > 0 ? `, ${outcome.kept.length} dropped from the file but changed through the API (kept: ${outcome.kept.join(", ")})` : ""}`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const problem of error.errors)
        options.log(`${shown(path)}: ${problem.path || "/"}: ${problem.message}`);
      options.log(
        `baton dev: ${shown(path)} not applied (fix the errors above); the registry is unchanged`,
      );
    }
  };

  const shown = (path: string): string => relative(process.cwd(), path) || path;

  const watchers: FSWatcher[] = [];
  const onChange = (dir: string) => (_event: string, file: string | Buffer | null) => {
    if (file === null) return;
    const path = resolve(dir, file.toString());
    const isSeed = path === servicesFile;
    if (!isSeed && !WORKFLOW_EXTENSIONS.has(extname(path))) return;
    clearTimeout(timers.get(path));
    timers.set(
      path,
      setTimeout(() => {
        timers.delete(path);
        apply(path);
      }, settleMs),
    );
  };
  watchers.push(watch(options.workflowsDir, onChange(options.workflowsDir)));
  if (
    servicesFile !== undefined &&
    resolve(join(servicesFile, "..")) !== resolve(options.workflowsDir)
  )
    watchers.push(watch(join(servicesFile, ".."), onChange(join(servicesFile, ".."))));
  for (const watcher of watchers)
    watcher.on("error", (error) => options.log(`baton dev: watching stopped: ${error.message}`));

  return {
    idle: async () => {
      while (timers.size > 0 || pending > 0) {
        await new Promise((done) => setTimeout(done, 20));
        await queue;
      }
    },
    close: () => {
      for (const watcher of watchers) watcher.close();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

function seedList(text: string | undefined): readonly unknown[] {
  if (text === undefined) return [];
  try {
    return readServicesDocument(text).list;
  } catch {
    return [];
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The `workflow:` the file names; its file name when it names none (the build then says why). */
function workflowNameOf(text: string, path: string): string {
  try {
    const document: unknown = parse(text);
    const name = (document as { workflow?: unknown } | null)?.workflow;
    if (typeof name === "string" && name !== "") return name;
  } catch {
    // A syntax error: the build reports it with its line.
  }
  return basename(path, extname(path));
}
