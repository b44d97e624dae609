/**
 * The health-check function's work: the schedule's tick runs the health checks and the contract
 * refresh side by side; a suspect's probe runs no refresh; a refresh that cannot even start (its
 * catalogue unreadable) is logged and the health checks still report.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/runtime/circuit/clock.ts";
import { MemoryDriftStore } from "../../lib/runtime/contracts/drift-store.ts";
import { RecordingPublisher } from "../../lib/runtime/events.ts";
import type { Logger } from "../../lib/runtime/logger.ts";
import { MemoryPeerStore, type PeerStore } from "../../lib/runtime/peers/peer-store.ts";
import { InMemoryRegistryStore } from "../../lib/runtime/registry/memory-store.ts";
import { handleScheduledChecks } from "../../lib/runtime/scheduled-checks.ts";
import { WorkflowCatalogue } from "../../lib/runtime/workflow-catalogue.ts";
import { serviceEntry } from "./test-server.ts";

const inlineContract = {
  openapi: "3.1.0",
  info: { title: "inventory", version: "1" },
  paths: {},
};

async function setup() {
  const registry = new InMemoryRegistryStore({ clock: new ManualClock() });
  await registry.putService(serviceEntry({ openapi: inlineContract }));
  const errors: string[] = [];
  const logger: Logger = {
    info: () => {},
    warn: () => {},
    error: (message, attributes) => errors.push(`${message}: ${String(attributes?.error)}`),
  };
  const events = new RecordingPublisher();
  const health = {
    registry,
    events,
    clock: new ManualClock(),
    logger,
    fetch: async () => new Response("ok", { status: 200 }),
  };
  const drift = new MemoryDriftStore();
  const contracts = async () => ({
    registry,
    catalogue: new WorkflowCatalogue([]),
    events,
    drift,
  });
  return { health, contracts, drift, errors };
}

describe("handleScheduledChecks", () => {
  it("probes the instances and refreshes the contracts on the schedule's tick", async () => {
    // Prepare
    const { health, contracts, drift } = await setup();
    // Act
    const summary = await handleScheduledChecks(
      { "detail-type": "Scheduled Event" },
      {
        health,
        contracts,
      },
    );
    // Assess
    expect([summary.checked, summary.contracts?.outcomes]).toEqual([
      1,
      [{ service: "inventory", outcome: "judged", drifted: 0 }],
    ]);
    expect((await drift.get("inventory", "local"))?.source).toBe("inline");
  });

  it("probes only the suspect on Instance Suspected, with no contract refresh", async () => {
    // Prepare
    const { health, contracts, drift } = await setup();
    // Act
    const summary = await handleScheduledChecks(
      {
        "detail-type": "Instance Suspected",
        detail: { service: "inventory", instance: "inventory-a" },
      },
      { health, contracts },
    );
    // Assess
    expect([summary.checked, summary.contracts]).toEqual([1, undefined]);
    expect(await drift.list()).toEqual([]);
  });

  it("still reports the health checks when the refresh cannot start, and logs why", async () => {
    // Prepare
    const { health, errors } = await setup();
    const contracts = () => Promise.reject(new Error("catalogue unreadable"));
    // Act
    const summary = await handleScheduledChecks({}, { health, contracts });
    // Assess
    expect([summary.checked, summary.contracts]).toEqual([1, undefined]);
    expect(errors).toEqual(["contract refresh failed: Error: catalogue unreadable"]);
  });

  it("writes this Region's heartbeat on the schedule's tick, not on a suspect's probe", async () => {
    // Prepare
    const { health } = await setup();
    const store = new MemoryPeerStore();
    const heartbeat = { store, region: "eu-west-1", apiUrl: "https://eu/v1/", clock: () => 7 };
    // Act
    await handleScheduledChecks(
      {
        "detail-type": "Instance Suspected",
        detail: { service: "inventory", instance: "inventory-a" },
      },
      { health, heartbeat },
    );
    const afterSuspect = await store.list();
    await handleScheduledChecks({ "detail-type": "Scheduled Event" }, { health, heartbeat });
    // Assess
    expect([afterSuspect, await store.list()]).toEqual([
      [],
      [{ region: "eu-west-1", apiUrl: "https://eu/v1", lastSeen: 7 }],
    ]);
  });

  it("still probes when the heartbeat cannot be written, and logs why", async () => {
    // Prepare
    const { health } = await setup();
    const warnings: string[] = [];
    const failing: PeerStore = {
      put: () => Promise.reject(new Error("ProvisionedThroughputExceeded")),
      list: async () => [],
    };
    // Act
    const summary = await handleScheduledChecks(
      {},
      {
        health: {
          ...health,
          logger: { ...health.logger, warn: (m, a) => warnings.push(`${m}: ${String(a?.error)}`) },
        },
        heartbeat: { store: failing, region: "eu-west-1", apiUrl: "https://eu/v1" },
      },
    );
    // Assess
    expect(summary.checked).toBe(1);
    expect(warnings).toEqual(["peer heartbeat not written: Error: ProvisionedThroughputExceeded"]);
  });
});
