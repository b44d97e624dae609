/**
 * The execution document's v2 fields on `baton dev`, over real HTTP: a child execution started by
 * a parent's `workflow` step names its parent as `startedBy`; `traceId` is the trace id the demo
 * service received in `traceparent`, for the parent's calls and the child's; `versionPinned` says
 * whether the start named its version.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExecutionDocument } from "../../lib/runtime/records/document.ts";
import { type DemoDev, startDemoDev } from "../support/demo-dev.ts";

const WORKFLOWS: Record<string, string> = {
  "gift-wrap.yaml": `workflow: gift-wrap
input:
  type: object
  required: [orderId]
  properties: { orderId: { type: string } }
steps:
  - id: wrap
    call: inventory POST /reservations
    with: { orderId: "{{ input.orderId }}", quantity: 1 }
    idempotent: true
`,
  "gift-order.yaml": `workflow: gift-order
input:
  type: object
  required: [orderId]
  properties: { orderId: { type: string } }
steps:
  - id: reserve
    call: inventory POST /reservations
    with: { orderId: "{{ input.orderId }}", quantity: 2 }
    idempotent: true
  - id: wrap
    workflow: { name: gift-wrap, input: { orderId: "{{ input.orderId }}" } }
`,
};

let dev: DemoDev;

beforeAll(async () => {
  dev = await startDemoDev("execution-document", {}, WORKFLOWS);
}, 60_000);

afterAll(async () => {
  await dev?.stop();
});

/** The answer's body; any status but 2xx fails the test with the answer. */
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const answer = await dev.api<T>(method, path, body);
  if (answer.status >= 300)
    throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function finished(id: string, timeoutMs = 30_000): Promise<ExecutionDocument> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await api<ExecutionDocument>("GET", `/executions/${id}`);
    if (body.status !== "RUNNING") {
      await dev.server.runtime.idle();
      return api<ExecutionDocument>("GET", `/executions/${id}`);
    }
    if (Date.now() > deadline) throw new Error(`execution ${id} still ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The trace ids the inventory service received in `traceparent` for one execution's calls. */
const receivedTraceIds = (executionId: string): string[] => [
  ...new Set(
    (dev.demo.services.get("inventory")?.calls() ?? [])
      .filter((c) => c.headers["x-baton-execution"] === executionId)
      .map((c) => c.headers.traceparent?.split("-")[1] ?? ""),
  ),
];

describe("the execution document's startedBy, traceId and versionPinned on baton dev", () => {
  it("names the parent as a child's starter, and keeps the trace id each execution's calls sent", async () => {
    // Act
    const started = await api<ExecutionDocument>("POST", "/workflows/gift-order/executions", {
      orderId: "o-1",
    });
    const parent = await finished(started.id);
    const children = await api<{ items: ExecutionDocument[] }>(
      "GET",
      "/executions?workflow=gift-wrap",
    );
    const [listed] = children.items;
    const child = await finished(listed?.id ?? "");

    // Assess
    expect([parent.status, parent.startedBy, parent.versionPinned]).toEqual([
      "SUCCEEDED",
      "anonymous",
      false,
    ]);
    expect(children.items).toHaveLength(1);
    expect([child.status, child.startedBy, child.versionPinned, child.input]).toEqual([
      "SUCCEEDED",
      `workflow:gift-order/${parent.id}`,
      false,
      { orderId: "o-1" },
    ]);
    // Each execution's calls carried one trace id, and its document holds that one.
    expect([receivedTraceIds(parent.id), receivedTraceIds(child.id)]).toEqual([
      [parent.traceId],
      [child.traceId],
    ]);
    expect(parent.traceId).not.toBe(child.traceId);
  }, 60_000);

  it("records versionPinned for a start that names its version", async () => {
    // Act
    const started = await api<ExecutionDocument>(
      "POST",
      "/workflows/gift-wrap/executions?version=1",
      { orderId: "o-2" },
    );
    const done = await finished(started.id);

    // Assess
    expect([started.versionPinned, done.versionPinned, done.startedBy]).toEqual([
      true,
      true,
      "anonymous",
    ]);
  }, 60_000);
});
