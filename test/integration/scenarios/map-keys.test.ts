/**
 * One idempotency key per map item on the deployed stack: `workflows/document-analysis.yaml` scans
 * each page in a Map, and every scan must reach the service with its own `Idempotency-Key`, built
 * from the item path Step Functions computes in the Map's ItemSelector (`$$.Map.Item.Index`).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningDemoService } from "../../../lib/local/demo/service.ts";
import { type DemoServices, startDemoServices } from "../../../lib/local/demo/services.ts";
import { reached, sleep, startExecution, waitForExecution } from "../fixtures/api.ts";
import { REGISTRY_CACHE_MS, registerService } from "../fixtures/shop.ts";

const SERVICES = ["storage", "llm"] as const;

describe("document-analysis: a map of page scans", () => {
  let demo: DemoServices;
  beforeAll(async () => {
    demo = await startDemoServices({ only: SERVICES, basePort: 0, env: {} });
    const tag = randomUUID().slice(0, 8);
    for (const name of SERVICES) {
      const service = demo.services.get(name) as RunningDemoService;
      await registerService(name, [{ id: `${name}-${tag}`, url: service.url }]);
    }
    await sleep(REGISTRY_CACHE_MS + 250);
  });
  afterAll(() => demo?.close());

  it("fails when map items share a key: each page scan sends its own Idempotency-Key", async () => {
    // Act
    const started = await startExecution("document-analysis", {
      documentId: `doc-${randomUUID()}`,
      pages: [4, 5, 6],
    });
    const record = await waitForExecution(started.id, reached("SUCCEEDED"));

    // Assess
    expect(record.status).toBe("SUCCEEDED");
    const scans = (demo.services.get("llm") as RunningDemoService)
      .calls()
      .filter((c) => c.path === "/page-scans");
    const byKey = scans.map((c) => [
      c.headers["idempotency-key"],
      (c.body as { page?: unknown } | null)?.page,
    ]);
    expect(byKey.sort()).toEqual([
      [`${started.id}:pages[0].scan_page`, 4],
      [`${started.id}:pages[1].scan_page`, 5],
      [`${started.id}:pages[2].scan_page`, 6],
    ]);
  });
});
