/**
 * Templates on the deployed stack: the publish Lambda serves the templates `cdk synth` bundled
 * (the repository's templates/), creates a workflow from the saga template through
 * `POST /workflows/from-template`, and the created workflow (a runtime state machine) runs against
 * the shop's services. A value the template's schema refuses is a 400 naming the parameter. The
 * service-call Lambda counted those calls in the shared load counters (DynamoDB), which
 * `GET /services/{name}/load` reads.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type ExecutionDocument, reached, waitForExecution } from "../fixtures/api.ts";
import { type Shop, startShop } from "../fixtures/shop.ts";

const NAME = `tpl-${randomUUID().slice(0, 8)}`;

describe("templates on the deployed stack", () => {
  let shop: Shop;

  beforeAll(async () => {
    shop = await startShop();
  });
  afterAll(async () => {
    await api(`workflows/${NAME}`, { method: "DELETE" });
    await shop?.close();
  });

  it("lists the bundled templates, creates a saga from one and runs it", async () => {
    // Act
    const listed = await api<{ items: { name: string }[] }>("templates");
    const refused = await api<{ errors: { path: string }[] }>("workflows/from-template", {
      method: "POST",
      body: { template: "saga", name: NAME, parameters: { chargeAttempts: 99 } },
    });
    const created = await api<{ version: number; template: string }>("workflows/from-template", {
      method: "POST",
      body: { template: "saga", name: NAME, parameters: { currencies: ["EUR", "CHF"] } },
    });
    const started = await api<ExecutionDocument>(`workflows/${NAME}/executions`, {
      method: "POST",
      body: {
        orderId: `o-${randomUUID().slice(0, 8)}`,
        sku: "sku-1",
        quantity: 1,
        amount: 12,
        currency: "CHF",
      },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const done = await waitForExecution(started.body.id, reached("SUCCEEDED"), {
      timeoutMs: 120_000,
    });

    // Assess
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((t) => t.name)).toEqual([
      "approval",
      "batch-fan-out",
      "data-pipeline",
      "saga",
      "voice-transcription",
    ]);
    expect([refused.status, refused.body.errors.map((e) => e.path)]).toEqual([
      400,
      ["/parameters/chargeAttempts"],
    ]);
    expect([created.status, created.body.version, created.body.template]).toEqual([201, 1, "saga"]);
    expect([done.status, done.version, done.totalSteps]).toEqual(["SUCCEEDED", 1, 4]);
    const calls = shop.calls().join("\n");
    expect(calls).toContain("payments POST /charges");
    expect(calls).toContain("shipping POST /shipments");
    // Earlier scenario files registered other payments instances: only this shop's is listed,
    // and the window's calls to the earlier ones count in the total.
    const load = await api<{
      calls: number;
      instances: { id: string; calls: number; inFlight: number; share: number }[];
    }>("services/payments/load");
    expect(load.status, JSON.stringify(load.body)).toBe(200);
    const mine = load.body.instances.find((i) => i.id === shop.instances.payments);
    expect(mine?.calls ?? 0).toBeGreaterThanOrEqual(1);
    expect([mine?.inFlight, (mine?.share ?? 0) > 0]).toEqual([0, true]);
    expect(load.body.calls).toBeGreaterThanOrEqual(mine?.calls ?? 1);
  }, 300_000);
});
