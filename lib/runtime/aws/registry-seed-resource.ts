/**
 * The registry seed as a CloudFormation custom resource (`Custom::BatonRegistrySeed`, created by
 * `lib/cdk/registry-seed.ts`): CloudFormation invokes the handler on create, update and delete and
 * waits for the answer PUT to the request's presigned `ResponseURL`. The answer is always sent,
 * failures included (a missing answer hangs the stack for an hour).
 */
import { ValidationError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { applyDeployedSeed, type SeedOutcome } from "../registry/deployed-seed.ts";
import type { RegistryService } from "../registry/registry-service.ts";
import type { HostResolver, UrlPolicy } from "../registry/url-policy.ts";

/** The part of a CloudFormation custom resource request the seed reads. */
export interface SeedResourceEvent {
  readonly RequestType: "Create" | "Update" | "Delete";
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  /** `Services`: the entries as a JSON string (CloudFormation turns property values into strings). */
  readonly ResourceProperties: { readonly Services?: string };
  readonly OldResourceProperties?: { readonly Services?: string };
}

export interface SeedResourceDeps {
  readonly registry: RegistryService;
  readonly policy: UrlPolicy;
  /** @default DNS lookups */
  readonly resolver?: HostResolver;
  readonly logger: Logger;
  /** Sends the answer; `fetch` in AWS. */
  readonly put?: (
    url: string,
    body: string,
  ) => Promise<{ readonly ok: boolean; readonly status: number }>;
}

export const SEED_PHYSICAL_ID = "baton-registry-seed";
/** CloudFormation shows the reason in the stack events; longer ones are cut. */
const MAX_REASON = 2000;

export async function handleSeedEvent(
  event: SeedResourceEvent,
  deps: SeedResourceDeps,
): Promise<SeedOutcome | undefined> {
  let outcome: SeedOutcome | undefined;
  let failure: string | undefined;
  try {
    if (event.RequestType !== "Delete") {
      outcome = await applyDeployedSeed(
        entriesOf(event.ResourceProperties.Services, "this deploy"),
        event.RequestType === "Update"
          ? entriesOf(event.OldResourceProperties?.Services, "the previous deploy")
          : [],
        deps.registry,
        {
          policy: deps.policy,
          ...(deps.resolver === undefined ? {} : { resolver: deps.resolver }),
        },
      );
      deps.logger.info("registry seed applied", { ...outcome });
    }
  } catch (error) {
    failure = reasonOf(error);
    deps.logger.error("registry seed failed", { reason: failure });
  }
  await answer(event, deps, failure, outcome);
  return outcome;
}

function entriesOf(text: string | undefined, which: string): unknown[] {
  if (text === undefined || text === "") return [];
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value))
    throw new Error(`The seed's Services property of ${which} is not a JSON list.`);
  return value;
}

function reasonOf(error: unknown): string {
  if (error instanceof ValidationError) {
    const problems = error.errors.map((e) => `services.yaml ${e.path}: ${e.message}`).join("; ");
    return `The registry seed was refused, nothing after the first problem was written: ${problems}`;
  }
  return `The registry seed failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

async function answer(
  event: SeedResourceEvent,
  deps: SeedResourceDeps,
  failure: string | undefined,
  outcome: SeedOutcome | undefined,
): Promise<void> {
  const body = JSON.stringify({
    Status: failure === undefined ? "SUCCESS" : "FAILED",
    Reason: (failure ?? "applied").slice(0, MAX_REASON),
    PhysicalResourceId: event.PhysicalResourceId ?? SEED_PHYSICAL_ID,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: {
      Registered: outcome?.registered.length ?? 0,
      Deregistered: outcome?.deregistered.length ?? 0,
    },
  });
  const put = deps.put ?? putWithFetch;
  const response = await put(event.ResponseURL, body);
  if (!response.ok) deps.logger.error("registry seed answer refused", { status: response.status });
}

async function putWithFetch(url: string, body: string) {
  // The presigned URL signs no content type: send none.
  const response = await fetch(url, { method: "PUT", body, headers: { "content-type": "" } });
  return { ok: response.ok, status: response.status };
}
