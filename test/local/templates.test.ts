/**
 * Templates on `baton dev`, over real HTTP: the shipped templates listed, a workflow created from
 * one, run, re-created unchanged and updated as a new version; every problem of a request.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExecutionDocument } from "../../lib/runtime/records/document.ts";
import { type DemoDev, startDemoDev } from "../support/demo-dev.ts";

const ROOT = join(import.meta.dirname, "../..");

let dev: DemoDev;

beforeAll(async () => {
  dev = await startDemoDev("templates", { templatesDir: join(ROOT, "templates") });
}, 60_000);

afterAll(async () => {
  await dev?.stop();
});

const api: DemoDev["api"] = (method, path, body, type) => dev.api(method, path, body, type);

const create = (body: unknown) => api("POST", "/workflows/from-template", body);
const errorPaths = (body: unknown) =>
  ((body as { errors?: { path: string }[] }).errors ?? []).map((e) => e.path);

async function finished(id: string): Promise<ExecutionDocument> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { body } = await api<ExecutionDocument>("GET", `/executions/${id}`);
    if (body.status !== "RUNNING") return body;
    if (Date.now() > deadline) throw new Error(`execution ${id} still ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("templates on baton dev", () => {
  it("lists the shipped templates with their parameters schema and example", async () => {
    const { status, body } = await api<{ items: { name: string; parameters: object }[] }>(
      "GET",
      "/templates",
    );
    expect(status).toBe(200);
    expect(body.items.map((t) => t.name)).toStrictEqual([
      "approval",
      "batch-fan-out",
      "data-pipeline",
      "saga",
      "voice-transcription",
    ]);
    const one = await api<{ name: string; source: string; example: object }>(
      "GET",
      "/templates/saga",
    );
    expect(one.status).toBe(200);
    expect(one.body.source).toContain("template: saga");
    expect(one.body.example).toStrictEqual({
      paymentsService: "payments",
      currencies: ["EUR", "USD"],
      chargeAttempts: 3,
    });
    expect((await api("GET", "/templates/nope")).status).toBe(404);
  });

  it("creates a workflow from a template, runs it, and versions later changes", async () => {
    // Act
    const request = {
      template: "saga",
      name: "eu-orders",
      parameters: { currencies: ["EUR", "CHF"], chargeAttempts: 2 },
    };
    const first = await create(request);
    // Assess
    expect([first.status, first.body]).toStrictEqual([
      201,
      { name: "eu-orders", version: 1, published: true, template: "saga" },
    ]);
    const start = await api<{ id: string }>("POST", "/workflows/eu-orders/executions", {
      orderId: "o-1",
      sku: "sku-1",
      quantity: 1,
      amount: 12,
      currency: "CHF",
    });
    expect(start.status).toBe(201);
    const done = await finished(start.body.id);
    expect([done.status, done.version]).toStrictEqual(["SUCCEEDED", 1]);
    // The input schema the template filled refuses what the parameters left out.
    const refused = await api("POST", "/workflows/eu-orders/executions", {
      orderId: "o-2",
      sku: "s",
      quantity: 1,
      amount: 1,
      currency: "USD",
    });
    expect(refused.status).toBe(400);

    const again = await create(request);
    expect([again.status, again.body.version, again.body.published]).toStrictEqual([200, 1, false]);
    const changed = await create({ ...request, parameters: { chargeAttempts: 4 } });
    expect([changed.status, changed.body.version, changed.body.published]).toStrictEqual([
      200,
      2,
      true,
    ]);
    const versions = await api<{ items: { version: number; source: string }[] }>(
      "GET",
      "/workflows/eu-orders/versions",
    );
    expect(versions.body.items[0]?.source).toMatch(
      /^# Created from template saga \(templates\/saga\.yaml\) with parameters \{"chargeAttempts":4\}\nworkflow: eu-orders\n/,
    );
    // Two versions published (the identical body published nothing), both in the audit list.
    const audit = await api<{ items: { action: string; version: number; detail: string }[] }>(
      "GET",
      "/workflows/eu-orders/audit",
    );
    expect(audit.body.items.map((a) => [a.action, a.version, a.detail])).toStrictEqual([
      ["published", 2, "from template saga"],
      ["published", 1, "from template saga"],
    ]);
  }, 60_000);

  it("fails with 400 naming each parameter a value breaks", async () => {
    const { status, body } = await create({
      template: "batch-fan-out",
      name: "rows",
      parameters: { service: "Bad Service", maxConcurrency: 500 },
    });
    expect(status).toBe(400);
    expect((body as { type: string }).type).toBe("urn:baton:problem:invalid-workflow");
    expect(errorPaths(body).sort()).toStrictEqual([
      "/parameters/maxConcurrency",
      "/parameters/path",
      "/parameters/service",
    ]);
    expect((body as { errors: { file: string }[] }).errors[0]?.file).toBe(
      "templates/batch-fan-out.yaml",
    );
  });

  it("fails with 404 for an unknown template, with a hint", async () => {
    const { status, body } = await create({ template: "sagaa", name: "x", parameters: {} });
    expect(status).toBe(404);
    expect((body as { detail: string }).detail).toContain('did you mean "saga"');
  });

  it("fails with 400 listing every problem of the request body", async () => {
    const { status, body } = await create({ name: "Bad Name", parameters: [], extra: 1 });
    expect(status).toBe(400);
    expect(errorPaths(body).sort()).toStrictEqual(["/extra", "/name", "/parameters", "/template"]);
    expect((await create("[1]")).status).toBe(400);
    expect((await create("{")).status).toBe(400);
    const reserved = await create({ template: "saga", name: "from-template" });
    expect(errorPaths(reserved.body)).toStrictEqual(["/name"]);
    const put = await fetch(`${dev.server.url}/workflows/from-template`, {
      method: "PUT",
      headers: { "content-type": "application/yaml" },
      body: "workflow: from-template\nsteps: [{ id: a, call: inventory GET /a }]\n",
    });
    expect(put.status).toBe(400);
  });
});
