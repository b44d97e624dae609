/**
 * `PUT /workflows/{name}`: validates and compiles a source through the project pipeline, then
 * publishes it as the next version and points `live` at it (`versions.ts`). The only part of
 * workflow management that needs the compiler: in AWS it runs in its own Lambda function.
 */

import type { FileProblem } from "../../core/problems.ts";
import type { ReadyWorkflow } from "../../core/project/model.ts";
import { buildSource, type SourceResult, withVersion } from "../../core/project/source.ts";
import { precompileInputSchema } from "../../core/schema/input-validator-code.ts";
import { WorkflowInvalidError } from "./errors.ts";
import { deployVersion, type PublishDeps, pointLiveAt, sourceHash } from "./versions.ts";

export interface PublishOutcome {
  readonly name: string;
  readonly version: number;
  /** `created`: first version; `updated`: a new version; `unchanged`: identical to the newest. */
  readonly outcome: "created" | "updated" | "unchanged";
  /** Warnings of the published source. */
  readonly warnings: readonly FileProblem[];
}

/**
 * Validates and compiles `text`, then publishes it as the next version and points `live` at it.
 * An identical source (same parsed document as the newest version) publishes nothing.
 */
export async function publishWorkflow(
  deps: PublishDeps,
  name: string,
  text: string,
  publishedBy: string,
): Promise<PublishOutcome> {
  return publishBuilt(deps, name, buildSource(name, text, knownWorkflows(deps)), text, publishedBy);
}

/** What a published source's `workflow` steps may start: the workflows in the catalogue. */
export const knownWorkflows = (deps: PublishDeps) => ({
  known: (child: string) => deps.catalogue.get(child) !== undefined,
  knownNames: () => deps.catalogue.list().map((w) => w.name),
});

/**
 * Publishes a source built by `buildSource` (its problems are a 400 when it has errors); `text`
 * is what the version stores as its source.
 */
export async function publishBuilt(
  deps: PublishDeps,
  name: string,
  built: SourceResult,
  text: string,
  publishedBy: string,
): Promise<PublishOutcome> {
  if (built.ready === undefined) throw new WorkflowInvalidError(name, built.problems);
  const warnings = built.problems;
  const hash = sourceHash(built.ready.source);
  const [head, latest] = await Promise.all([deps.store.head(name), deps.store.latest(name)]);
  const live = head !== undefined && head.deletedAt === undefined;
  if (live && latest !== undefined && latest.sourceHash === hash) {
    return { name, version: latest.version, outcome: "unchanged", warnings };
  }
  const version = Math.max((latest?.version ?? 0) + 1, explicitVersion(built.ready) ?? 0);
  // The validator refused schemas that cannot be precompiled (E_INPUT_SCHEMA): this cannot throw.
  const input = built.ready.workflow.input;
  const record = await deployVersion(
    deps,
    withVersion(built.ready, version),
    { source: text, sourceHash: hash, publishedBy, origin: "api" },
    input === undefined ? undefined : precompileInputSchema(input),
  );
  await pointLiveAt(deps, head, record);
  return { name, version, outcome: live ? "updated" : "created", warnings };
}

/** The `version` the source states, if any (a publish never goes below it). */
function explicitVersion(ready: ReadyWorkflow): number | undefined {
  const stated = (ready.source as { readonly version?: unknown }).version;
  return typeof stated === "number" ? stated : undefined;
}
