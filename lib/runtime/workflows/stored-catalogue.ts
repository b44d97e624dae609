/**
 * Keeps a process's `WorkflowCatalogue` in step with the workflows table: one Query of the heads
 * per refresh, plus a GetItem for each version an alias names that this process has not seen
 * (versions are immutable, so a version once read is never read again). Refreshes at most once
 * per `ttlMs`, so a change made by another process (another Lambda container) is visible within
 * that time; the process that made the change sees it at once.
 */
import type { WorkflowCatalogue } from "../workflow-catalogue.ts";
import type { WorkflowStore } from "./workflow-store.ts";

export interface StoredCatalogueOptions {
  readonly store: WorkflowStore;
  readonly catalogue: WorkflowCatalogue;
  /** @default 1000 */
  readonly ttlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * Also read every version, not only the aliased ones (`baton dev`: executions interrupted by a
   * restart resume on their version, which the synchronous local engine must find in memory).
   * @default false
   */
  readonly everyVersion?: boolean;
}

/** Versions read per workflow with `everyVersion`. */
const MAX_VERSIONS = 1000;

export class StoredCatalogue {
  readonly #o: StoredCatalogueOptions;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | undefined;

  constructor(options: StoredCatalogueOptions) {
    this.#o = options;
  }

  get catalogue(): WorkflowCatalogue {
    return this.#o.catalogue;
  }

  /** Refreshes when the last refresh is older than the TTL (concurrent callers share one). */
  async fresh(): Promise<WorkflowCatalogue> {
    const now = (this.#o.now ?? Date.now)();
    if (now - this.#loadedAt >= (this.#o.ttlMs ?? 1000)) await this.refresh();
    return this.#o.catalogue;
  }

  refresh(): Promise<void> {
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #load(): Promise<void> {
    const startedAt = (this.#o.now ?? Date.now)();
    const { store, catalogue } = this.#o;
    const heads = await store.heads();
    await Promise.all(
      heads.map(async (head) => {
        if (this.#o.everyVersion === true) {
          for (const record of await store.versions(head.name, MAX_VERSIONS))
            catalogue.publish(record.entry, head.aliases);
        }
        if (head.deletedAt !== undefined) {
          catalogue.remove(head.name);
          return;
        }
        const wanted = new Set(Object.values(head.aliases).flatMap((r) => r.map((x) => x.version)));
        for (const version of wanted) {
          if (catalogue.version(head.name, version) !== undefined) continue;
          const record = await store.version(head.name, version);
          if (record !== undefined) catalogue.publish(record.entry, head.aliases);
        }
        catalogue.setAliases(head.name, head.aliases);
      }),
    );
    this.#loadedAt = startedAt;
  }
}
