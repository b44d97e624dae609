/**
 * The saga guarantee with the real service-call handler, records and the local engine (the
 * harness): templates reading absent values fail their step and compensate, and a step whose call
 * may have taken effect is undone with its forward key plus `:undo` (WORKFLOWS.md v2).
 */
import { type AddressInfo, createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import type { Json } from "../../lib/core/model.ts";
import { createHarness, type Harness, type ServiceHandler } from "../../lib/local/harness.ts";

const TIMEOUT = 120_000;
const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

/** A service that applies each forward key once and undoes `<key>:undo` once. */
function ledger(slowPaths: readonly string[] = [], receipts = true) {
  const effects = new Map<string, string>();
  const handler: ServiceHandler = async (req) => {
    // Health probes (sent to an instance after a failure) are no effect.
    if (req.path === "/health") return { status: 200, body: { ok: true } };
    const key = req.headers["idempotency-key"] ?? "";
    if (key.endsWith(":undo")) {
      effects.delete(key.slice(0, -":undo".length));
      return { status: 200, body: {} };
    }
    if (!effects.has(key)) effects.set(key, req.path);
    // Applied, but the answer comes after the step's 1 s timeout.
    if (slowPaths.includes(req.path)) await new Promise((r) => setTimeout(r, 2_500));
    const id = `${req.path.slice(1)}-1`;
    return { status: 201, body: receipts ? { id, receipt: `r-${id}` } : { id } };
  };
  return { handler, effects };
}

const SAGA = `
workflow: guarantee
input: { type: object, required: [orderId], properties: { orderId: { type: string }, coupon: { type: string } } }
defaults: { timeout: 1, retry: false }
steps:
  - id: reserve
    call: shop POST /reserve
    with: { orderId: "{{ input.orderId }}" }
    compensate: shop POST /release
  - id: charge
    call: shop POST /charge
    compensate: shop POST /refund
  - id: last
    call: edge POST /last
    with: { coupon: "{{ input.coupon }}", receipt: "{{ steps.charge.body.receipt }}" }
    compensate: edge POST /unlast
`;

async function harness(services: Record<string, ServiceHandler | string>): Promise<Harness> {
  const h = await createHarness({ workflow: SAGA, services });
  harnesses.push(h);
  return h;
}

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const statuses = (steps: readonly { id: string; status: string }[]) =>
  Object.fromEntries(steps.map((s) => [s.id, s.status]));

describe("saga guarantee on the local runtime", () => {
  it(
    "a missing input field fails that step with Baton.TemplateError, named in the record, and compensates",
    async () => {
      // Prepare
      const { handler, effects } = ledger();
      const h = await harness({ shop: handler, edge: handler });

      // Act: no coupon in the input.
      const { execution, calls } = await h.run({ orderId: "o-1" } as Json);

      // Assess
      expect([execution.status, execution.compensation]).toEqual(["FAILED", "COMPLETED"]);
      expect(execution.error).toMatchObject({ name: "Baton.TemplateError", step: "last" });
      expect(String((execution.error as { message?: string }).message)).toContain("input.coupon");
      expect(statuses(execution.steps)).toEqual({
        reserve: "COMPENSATED",
        charge: "COMPENSATED",
        last: "FAILED",
      });
      expect(calls.shop?.map((c) => c.path)).toEqual([
        "/reserve",
        "/charge",
        "/refund",
        "/release",
      ]);
      expect([...effects]).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "a response field the service did not return fails the step reading it, and compensates",
    async () => {
      const { handler } = ledger([], false);
      const h = await harness({ shop: handler, edge: handler });

      const { execution, calls } = await h.run({ orderId: "o-2", coupon: "SAVE" } as Json);

      expect(execution.error).toMatchObject({ name: "Baton.TemplateError", step: "last" });
      expect(String((execution.error as { message?: string }).message)).toContain(
        "steps.charge.body.receipt",
      );
      expect(calls.shop?.map((c) => c.path)).toEqual([
        "/reserve",
        "/charge",
        "/refund",
        "/release",
      ]);
    },
    TIMEOUT,
  );

  it(
    "a last step that timed out after the service applied it is undone with its key plus :undo",
    async () => {
      const { handler, effects } = ledger(["/last"]);
      const h = await harness({ shop: handler, edge: handler });

      const { execution, calls } = await h.run({ orderId: "o-3", coupon: "SAVE" } as Json);

      expect(execution.error).toMatchObject({ name: "Baton.Timeout", step: "last" });
      expect(statuses(execution.steps)).toEqual({
        reserve: "COMPENSATED",
        charge: "COMPENSATED",
        last: "COMPENSATED",
      });
      const edge = (calls.edge ?? []).filter((c) => c.path !== "/health");
      expect(edge.map((c) => c.path)).toEqual(["/last", "/unlast"]);
      expect(edge[1]?.headers["idempotency-key"]).toBe(
        `${edge[0]?.headers["idempotency-key"]}:undo`,
      );
      // The ledger nets to zero: the uncertain effect was undone too.
      expect([...effects]).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "a last step whose connection was refused is not undone (it never took effect)",
    async () => {
      const { handler, effects } = ledger();
      const h = await harness({ shop: handler, edge: `http://127.0.0.1:${await closedPort()}` });

      const { execution, calls } = await h.run({ orderId: "o-4", coupon: "SAVE" } as Json);

      expect(execution.error).toMatchObject({ name: "Baton.ServiceError", step: "last" });
      expect(statuses(execution.steps)).toEqual({
        reserve: "COMPENSATED",
        charge: "COMPENSATED",
        last: "FAILED",
      });
      expect(calls.shop?.map((c) => c.path)).toEqual([
        "/reserve",
        "/charge",
        "/refund",
        "/release",
      ]);
      expect([...effects]).toEqual([]);
    },
    TIMEOUT,
  );
});
