/**
 * `GET /services/{name}/load` on `baton dev` over HTTP: calls made by executions are counted per
 * instance in the shared counters (dynalite), with shares and the balanced verdict; problems.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoadReport } from "../../lib/runtime/load/load-report.ts";
import { type DemoDev, startDemoDev } from "../support/demo-dev.ts";

let dev: DemoDev;

beforeAll(async () => {
  dev = await startDemoDev("service-load");
}, 60_000);

afterAll(async () => {
  await dev?.stop();
});

const api: DemoDev["api"] = (method, path, body, type) => dev.api(method, path, body, type);

describe("GET /services/{name}/load on baton dev", () => {
  it("counts the calls executions made per instance, with shares and a verdict", async () => {
    // Prepare: two instances of one demo service, and a workflow calling it for 12 items
    const url = dev.demo.services.get("inventory")?.url ?? "";
    const registered = await api("PUT", "/services/pair", {
      instances: [
        { id: "pair-a", url },
        { id: "pair-b", url },
      ],
      balancing: "least_outstanding",
    });
    expect(registered.status).toBe(201);
    const yaml = [
      "workflow: fan",
      "steps:",
      "  - id: each",
      "    map:",
      '      items: "{{ input.items }}"',
      "      maxConcurrency: 3",
      "      steps:",
      "        - id: get",
      '          call: "pair GET /reservations/{{ item }}"',
    ].join("\n");
    expect((await api("PUT", "/workflows/fan", yaml, "application/yaml")).status).toBe(201);
    // Act
    const start = await api<{ id: string }>("POST", "/workflows/fan/executions", {
      items: Array.from({ length: 12 }, (_, i) => `r-${i}`),
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { body } = await api<{ status: string }>("GET", `/executions/${start.body.id}`);
      if (body.status !== "RUNNING") {
        expect(body.status).toBe("SUCCEEDED");
        break;
      }
      if (Date.now() > deadline) throw new Error("the fan-out did not finish");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await dev.server.runtime.idle();
    const { status, body } = await api<LoadReport>("GET", "/services/pair/load?threshold=1");
    // Assess
    expect(status).toBe(200);
    expect([body.service, body.balancing, body.calls, body.failures, body.inFlight]).toStrictEqual([
      "pair",
      "least_outstanding",
      12,
      0,
      0,
    ]);
    expect(body.instances.map((i) => i.id)).toStrictEqual(["pair-a", "pair-b"]);
    expect(body.instances.every((i) => i.calls > 0 && i.expectedShare === 0.5)).toBe(true);
    expect(body.instances[0]?.share).toBeCloseTo((body.instances[0]?.calls ?? 0) / 12, 3);
    expect(body.balanced).toBe(true);
    expect(body.windowSeconds).toBe(300);
  }, 60_000);

  it("fails with 404 for an unknown service and 400 for a bad window or threshold", async () => {
    expect((await api("GET", "/services/nope/load")).status).toBe(404);
    const window = await api<{ errors: { path: string }[] }>(
      "GET",
      "/services/inventory/load?window=10",
    );
    expect([window.status, window.body.errors[0]?.path]).toStrictEqual([400, "/query/window"]);
    for (const threshold of ["2", "-1", "x", ""]) {
      const bad = await api("GET", `/services/inventory/load?threshold=${threshold}`);
      expect(bad.status).toBe(threshold === "" ? 200 : 400);
    }
  });
});
