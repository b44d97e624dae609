/**
 * Scenario 4: the service registry of the deployed stack. Changes go through the API and show in
 * `GET /services/{name}`; every change and a health flip found by the deployed health-check handler
 * are announced on the orchestration bus (watched with a test rule and queue).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDemoService, startDemoService } from "../../../lib/local/demo/service.ts";
import { api, sleep } from "../fixtures/api.ts";
import {
  type BusEvent,
  type BusTap,
  findFunction,
  invokeFunction,
  tapBus,
} from "../fixtures/aws.ts";
import { registerService, SHOP_REGISTRATION } from "../fixtures/shop.ts";

const HEALTH_CHECK_FUNCTION = "Baton: probes every registered service instance";
const tag = randomUUID().slice(0, 8);
const LIFECYCLE = `it-lifecycle-${tag}`;
const HEALTH = `it-health-${tag}`;

interface InstanceView {
  readonly id: string;
  readonly url: string;
  readonly healthy: boolean;
  readonly lastReason: string | null;
}
interface ServiceView {
  readonly name: string;
  readonly instances: readonly InstanceView[];
}

const instances = async (name: string): Promise<{ status: number; instances: unknown }> => {
  const { status, body } = await api<ServiceView>(`services/${name}`);
  return {
    status,
    instances:
      status === 200
        ? body.instances.map((i) => ({ id: i.id, url: i.url, healthy: i.healthy }))
        : body,
  };
};

/** `detail-type` and detail of the tapped events, sorted (a queue does not keep publish order). */
const described = (events: readonly BusEvent[]): string[] =>
  events.map((e) => `${e["detail-type"]} ${JSON.stringify(e.detail)}`).sort();

describe("service registry on the deployed stack", () => {
  let a: RunningDemoService;
  let b: RunningDemoService;
  let tap: BusTap;

  beforeAll(async () => {
    a = await startDemoService({ name: "a" });
    b = await startDemoService({ name: "b" });
    tap = await tapBus({
      source: ["baton"],
      "detail-type": ["Service Registered", "Service Deregistered", "Instance Health Changed"],
      detail: { service: [LIFECYCLE, HEALTH] },
    });
  });
  afterAll(async () => {
    await api(`services/${HEALTH}`, { method: "DELETE" });
    await tap?.close();
    await a?.close();
    await b?.close();
  });

  it("registers a service, adds and removes instances, and announces each change", async () => {
    // Act
    const registered = await api(`services/${LIFECYCLE}`, {
      method: "PUT",
      body: { ...SHOP_REGISTRATION, instances: [{ id: "a", url: a.url }] },
    });
    const afterRegister = await instances(LIFECYCLE);
    const added = await api(`services/${LIFECYCLE}/instances/b`, {
      method: "PUT",
      body: { url: b.url },
    });
    const afterAdd = await instances(LIFECYCLE);
    const removed = await api(`services/${LIFECYCLE}/instances/a`, { method: "DELETE" });
    const afterRemove = await instances(LIFECYCLE);
    const deleted = await api(`services/${LIFECYCLE}`, { method: "DELETE" });
    const afterDelete = await instances(LIFECYCLE);
    const events = await tap.waitFor(
      (all) => all.filter((e) => e.detail.service === LIFECYCLE).length >= 4,
    );
    // Assess
    expect([registered.status, added.status, removed.status, deleted.status]).toEqual([
      201, 201, 204, 204,
    ]);
    expect(afterRegister).toEqual({
      status: 200,
      instances: [{ id: "a", url: a.url, healthy: true }],
    });
    expect(afterAdd).toEqual({
      status: 200,
      instances: [
        { id: "a", url: a.url, healthy: true },
        { id: "b", url: b.url, healthy: true },
      ],
    });
    expect(afterRemove).toEqual({
      status: 200,
      instances: [{ id: "b", url: b.url, healthy: true }],
    });
    expect(afterDelete).toEqual({
      status: 404,
      instances: {
        type: "urn:baton:problem:not-found",
        title: "Not found",
        status: 404,
        detail: `Service ${LIFECYCLE} is not registered.`,
      },
    });
    expect(described(events.filter((e) => e.detail.service === LIFECYCLE))).toEqual(
      [
        `Service Registered {"service":"${LIFECYCLE}","instances":["a"],"created":true}`,
        `Service Registered {"service":"${LIFECYCLE}","instance":"b","created":true}`,
        `Service Deregistered {"service":"${LIFECYCLE}","instance":"a"}`,
        `Service Deregistered {"service":"${LIFECYCLE}"}`,
      ].sort(),
    );
  });

  it("marks an instance unhealthy when its probe fails and healthy again, announcing each flip", async () => {
    // Prepare
    await registerService(HEALTH, [{ id: "b", url: b.url }]);
    const healthCheck = await findFunction(HEALTH_CHECK_FUNCTION);
    b.settings.healthy = false;
    // Act: one round of the scheduled health checks, now
    await invokeFunction(healthCheck);
    const down = await api<ServiceView>(`services/${HEALTH}`);
    b.settings.healthy = true;
    await sleep(1000); // a round skips instances probed less than an interval (1 s) ago
    await invokeFunction(healthCheck);
    const up = await api<ServiceView>(`services/${HEALTH}`);
    const events = await tap.waitFor(
      (all) => all.filter((e) => e.detail.service === HEALTH).length >= 3,
    );
    // Assess
    expect(down.body.instances.map((i) => [i.id, i.healthy, i.lastReason])).toEqual([
      ["b", false, "HTTP 503"],
    ]);
    expect(up.body.instances.map((i) => [i.id, i.healthy, i.lastReason])).toEqual([
      ["b", true, "HTTP 200"],
    ]);
    const flips = events
      .filter((e) => e.detail.service === HEALTH && e["detail-type"] === "Instance Health Changed")
      .sort((x, y) => String(x.detail.checkedAt).localeCompare(String(y.detail.checkedAt)));
    expect(flips.map((e) => e.detail)).toEqual([
      {
        service: HEALTH,
        instance: "b",
        url: b.url,
        healthy: false,
        previouslyHealthy: true,
        reason: "HTTP 503",
        checkedAt: expect.any(String),
      },
      {
        service: HEALTH,
        instance: "b",
        url: b.url,
        healthy: true,
        previouslyHealthy: false,
        reason: "HTTP 200",
        checkedAt: expect.any(String),
      },
    ]);
  });
});
