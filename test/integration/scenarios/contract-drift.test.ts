/**
 * Contract drift on the deployed stack: the `ledger` service (called by saga-probe, child-probe
 * and child-probe-parent, each step with an undo) publishes its contract on this machine. While
 * it has `DELETE /effects/{kind}`, `POST /services/ledger/contract/refresh` finds nothing; once the
 * service drops it, every deployed compensation calling it is drift: in the API's answer and as
 * `Contract Drift Detected` on the orchestration bus, and stored: `GET /drift` shows it until a
 * refresh finds the route back. The scheduled refresh (the health-check function, invoked here as
 * its schedule would) finds and clears the same drift with nobody asking. (The alarm on the event's rule counts
 * `AWS/Events MatchedEvents`, which MiniStack does not emit; its wiring is a CDK test.)
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../fixtures/api.ts";
import { type BusTap, findFunction, invokeFunction, tapBus } from "../fixtures/aws.ts";
import { SHOP_REGISTRATION } from "../fixtures/shop.ts";

interface Drift {
  readonly workflow: string;
  readonly steps: readonly string[];
  readonly problems: readonly { readonly code: string; readonly path: string }[];
}

/** The ledger's contract: its effect routes with `methods`, and the other routes probes call. */
const effects = (methods: readonly string[]) => ({
  openapi: "3.1.0",
  info: { title: "ledger", version: methods.join("+") },
  paths: {
    "/effects/{kind}": Object.fromEntries(
      methods.map((m) => [m, { responses: { "200": { description: "applied or undone" } } }]),
    ),
    "/tidy": { post: { responses: { "400": { description: "always refused" } } } },
    "/fail": { post: { responses: { "500": { description: "always fails" } } } },
  },
});

/** Problems by workflow, `workflow path code`, sorted. */
const problemsOf = (drift: readonly Drift[]): string[] =>
  drift.flatMap((d) => d.problems.map((p) => `${d.workflow} ${p.path} ${p.code}`)).sort();

describe("contract drift on the deployed stack", () => {
  let server: Server;
  let url = "";
  let served = effects(["post", "delete"]);
  let drifts: BusTap;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(served));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`;
    drifts = await tapBus({ source: ["baton"], "detail-type": ["Contract Drift Detected"] });
    const registered = await api("services/ledger", {
      method: "PUT",
      body: {
        ...SHOP_REGISTRATION,
        instances: [{ id: "ledger-drift", url: "http://127.0.0.1:9" }],
        openapi: url,
      },
    });
    expect([200, 201]).toContain(registered.status);
  });
  afterAll(async () => {
    // Leave ledger registered without a contract for the scenarios after this one.
    await api("services/ledger", {
      method: "PUT",
      body: {
        ...SHOP_REGISTRATION,
        instances: [{ id: "ledger-drift", url: "http://127.0.0.1:9" }],
      },
    });
    await drifts?.close();
    await new Promise((r) => server.close(r));
  });

  it("finds no drift in compensations while the contract has the undo route, and reports those a dropped route breaks, in the answer and on the bus", async () => {
    // Act
    const before = await api<{ source: string; operations: number; drift: Drift[] }>(
      "services/ledger/contract/refresh",
      { method: "POST" },
    );
    served = effects(["post"]); // the service drops its undo route
    const after = await api<{ drift: Drift[] }>("services/ledger/contract/refresh", {
      method: "POST",
    });
    const announced = await drifts.waitFor(
      (events) =>
        events.some(
          (e) =>
            problemsOf(e.detail.workflows as unknown as Drift[]).length >
            problemsOf(before.body.drift).length,
        ),
      60_000,
    );
    // Assess
    expect([before.status, before.body.source, before.body.operations, after.status]).toEqual([
      200,
      url,
      4,
      200,
    ]);
    expect(problemsOf(before.body.drift).filter((p) => p.includes("/compensate/"))).toEqual([]);
    const known = new Set(problemsOf(before.body.drift));
    const added = problemsOf(after.body.drift).filter((p) => !known.has(p));
    // Every new problem is an undo calling the dropped route; the probes' undos are all there.
    expect(added.filter((p) => !/\/compensate\/call E_CONTRACT_ROUTE$/.test(p))).toEqual([]);
    const steps = (workflow: string) =>
      after.body.drift.find((d) => d.workflow === workflow)?.steps ?? [];
    expect([steps("child-probe-parent"), steps("child-probe"), steps("saga-probe")]).toEqual([
      ["hold"],
      ["wrap"],
      ["hold", "discount", "book", "ship"],
    ]);
    const event = announced.at(-1);
    expect([
      event?.detail.service,
      problemsOf(event?.detail.workflows as unknown as Drift[]),
    ]).toEqual(["ledger", problemsOf(after.body.drift)]);
  });

  it("stores the drift for GET /drift and GET /services/{name}, and clears what a refresh finds fixed", async () => {
    // Prepare: the route is dropped and judged (as in the test above)
    served = effects(["post"]);
    const broken = await api<{ drift: Drift[] }>("services/ledger/contract/refresh", {
      method: "POST",
    });
    // Act
    const listed = await api<{ items: { service: string; workflows: Drift[] }[] }>("drift");
    const service = await api<{ drift: { workflows: Drift[] }[] }>("services/ledger");
    served = effects(["post", "delete"]); // the service restores its undo route
    const restored = await api<{ drift: Drift[] }>("services/ledger/contract/refresh", {
      method: "POST",
    });
    const after = await api<{ items: { service: string; workflows: Drift[] }[] }>("drift");
    // Assess
    const ledger = (items: readonly { service: string; workflows: Drift[] }[]) =>
      problemsOf(items.filter((i) => i.service === "ledger").flatMap((i) => i.workflows));
    expect(listed.status).toBe(200);
    expect(ledger(listed.body.items)).toEqual(problemsOf(broken.body.drift));
    expect(problemsOf(service.body.drift.flatMap((d) => d.workflows))).toEqual(
      problemsOf(broken.body.drift),
    );
    expect(ledger(after.body.items)).toEqual(problemsOf(restored.body.drift));
    expect(ledger(after.body.items).filter((p) => p.includes("/compensate/"))).toEqual([]);
  });

  it("the health-check function's scheduled round judges the contract too: GET /drift shows the break and then its end with no refresh requested", async () => {
    // Prepare
    const healthCheck = await findFunction("Baton: probes every registered service instance");
    served = effects(["post"]);
    // Act: one scheduled round, as the schedule rule sends it
    const broken = await invokeFunction(healthCheck, {
      source: "aws.events",
      "detail-type": "Scheduled Event",
      detail: {},
    });
    const listed = await api<{ items: { service: string; workflows: Drift[] }[] }>("drift");
    served = effects(["post", "delete"]);
    const fixed = await invokeFunction(healthCheck, {
      source: "aws.events",
      "detail-type": "Scheduled Event",
      detail: {},
    });
    const after = await api<{ items: { service: string; workflows: Drift[] }[] }>("drift");
    // Assess
    const ledgerOutcome = (summary: unknown) =>
      (
        (summary as { contracts?: { outcomes: { service: string; outcome: string }[] } }).contracts
          ?.outcomes ?? []
      ).find((o) => o.service === "ledger")?.outcome;
    const undos = (items: readonly { service: string; workflows: Drift[] }[]) =>
      problemsOf(items.filter((i) => i.service === "ledger").flatMap((i) => i.workflows)).filter(
        (p) => p.includes("/compensate/"),
      );
    expect([ledgerOutcome(broken), ledgerOutcome(fixed)]).toEqual(["judged", "judged"]);
    expect(undos(listed.body.items).length).toBeGreaterThan(0);
    expect(undos(after.body.items)).toEqual([]);
  });
});
