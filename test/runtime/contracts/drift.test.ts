/**
 * Stored drift: refreshes (requested, or scheduled with the health checks) keep each service's
 * judgement, `GET /drift` and `GET /services/{name}` show what is broken now, a fix clears it
 * (`Contract Drift Cleared`), and the schedule announces only news and sends the ETag back.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildProject } from "../../../lib/core/project/build.ts";
import { catalogueEntry } from "../../../lib/core/project/catalogue.ts";
import { handleApiEvent } from "../../../lib/runtime/api/app.ts";
import type { ApiDeps } from "../../../lib/runtime/api/deps.ts";
import {
  MAX_STORED_PROBLEMS,
  MemoryDriftStore,
  storable,
} from "../../../lib/runtime/contracts/drift-store.ts";
import { refreshAllContracts } from "../../../lib/runtime/contracts/scheduled-refresh.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { fakeDeps, restEvent } from "../fakes.ts";

const workflowText = (version: number, body: string) => `workflow: pay
version: ${version}
steps:
  - id: charge
    call: payments POST /charges
    with: ${body}
    idempotent: true
`;

const contract = (required: string[]) => ({
  openapi: "3.1.0",
  info: { title: "payments", version: required.join("+") },
  paths: {
    "/charges": {
      post: {
        requestBody: {
          content: { "application/json": { schema: { type: "object", required } } },
        },
        responses: { "201": { description: "ok" } },
      },
    },
  },
});

function ready(text: string) {
  const [built] = buildProject([{ file: "pay.yaml", text }]).workflows;
  if (built === undefined) throw new Error("fixture workflow does not build");
  return catalogueEntry(built);
}

function setup(options: { store?: boolean } = {}) {
  const fake = fakeDeps({}, [ready(workflowText(1, "{ orderId: o-1 }"))]);
  const drift = new MemoryDriftStore();
  let now = Date.UTC(2026, 11, 4, 9, 0, 0);
  const clock = () => new Date(now);
  const deps: ApiDeps = {
    ...fake.deps,
    events: fake.events,
    logger: quietLogger,
    clock,
    ...(options.store === false ? {} : { drift }),
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await handleApiEvent(
      restEvent(method, path, body === undefined ? {} : { body }),
      deps,
    );
    return { status: response.statusCode, body: JSON.parse(response.body || "null") };
  };
  const scheduled = () =>
    refreshAllContracts({
      registry: fake.registryStore,
      catalogue: fake.deps.catalogue,
      events: fake.events,
      drift,
      clock,
      logger: quietLogger,
    });
  const announced = () =>
    fake.events.events
      .filter((e) => e.detailType.startsWith("Contract Drift"))
      .map((e) => e.detailType);
  return {
    call,
    scheduled,
    announced,
    drift,
    catalogue: fake.deps.catalogue,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const registration = (openapi: unknown) => ({
  instances: [{ id: "payments-a", url: "http://127.0.0.1:9" }],
  openapi,
});

describe("stored drift", () => {
  let server: Server;
  let url = "";
  let served = contract(["orderId"]);
  let etag = '"v1"';
  let failing = false;
  const requests: IncomingHttpHeaders[] = [];
  const previous = process.env.BATON_ALLOW_PRIVATE_URLS;
  beforeAll(async () => {
    process.env.BATON_ALLOW_PRIVATE_URLS = "1"; // the contract server is on loopback
    server = createServer((req, res) => {
      requests.push(req.headers);
      if (failing) {
        res.writeHead(503);
        res.end();
        return;
      }
      if (req.headers["if-none-match"] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json", etag });
      res.end(JSON.stringify(served));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`;
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env.BATON_ALLOW_PRIVATE_URLS;
    else process.env.BATON_ALLOW_PRIVATE_URLS = previous;
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    served = contract(["orderId"]);
    etag = '"v1"';
    failing = false;
    requests.length = 0;
  });

  it("GET /drift shows what a requested refresh found, GET /services/{name} too, until a refresh finds it fixed", async () => {
    // Prepare
    const { call, announced, advance } = setup();
    await call("PUT", "/services/payments", registration(url));
    served = contract(["orderId", "currency"]);
    etag = '"v2"';
    // Act
    await call("POST", "/services/payments/contract/refresh");
    const broken = await call("GET", "/drift");
    const service = await call("GET", "/services/payments");
    advance(60_000);
    served = contract(["orderId"]); // the service accepts the old body again
    etag = '"v3"';
    await call("POST", "/services/payments/contract/refresh");
    const fixed = await call("GET", "/drift");
    const serviceFixed = await call("GET", "/services/payments");
    // Assess
    const workflows = [
      {
        workflow: "pay",
        version: 1,
        steps: ["charge"],
        problems: [
          {
            code: "E_CONTRACT_BODY",
            severity: "error",
            path: "/steps/0/with",
            message: `payments POST /charges: body is missing the required field "currency" (schema #/paths/~1charges/post/requestBody/content/application~1json/schema/required in ${url})`,
          },
        ],
      },
    ];
    const report = {
      service: "payments",
      region: "local",
      source: url,
      checkedAt: "2026-12-04T09:00:00.000Z",
      driftSince: "2026-12-04T09:00:00.000Z",
      workflows,
    };
    expect(broken).toEqual({ status: 200, body: { items: [report] } });
    expect([service.status, service.body.drift]).toEqual([200, [report]]);
    expect(fixed).toEqual({ status: 200, body: { items: [] } });
    expect(serviceFixed.body.drift).toEqual([]);
    expect(announced()).toEqual(["Contract Drift Detected", "Contract Drift Cleared"]);
  });

  it("drops the drift of a service deregistered or registered again with another contract", async () => {
    // Prepare
    const { call } = setup();
    await call("PUT", "/services/payments", registration(contract(["currency"])));
    await call("POST", "/services/payments/contract/refresh");
    const before = await call("GET", "/drift");
    // Act: a new inline contract, not judged yet
    await call("PUT", "/services/payments", registration(contract(["orderId", "amount"])));
    const replaced = await call("GET", "/drift");
    await call("POST", "/services/payments/contract/refresh");
    const judged = await call("GET", "/drift");
    await call("DELETE", "/services/payments");
    const deregistered = await call("GET", "/drift");
    // Assess
    expect(before.body.items.map((i: { source: string }) => i.source)).toEqual(["inline"]);
    expect(replaced.body.items).toEqual([]);
    const messages = judged.body.items.flatMap(
      (i: { workflows: { problems: { message: string }[] }[] }) =>
        i.workflows.flatMap((w) => w.problems.map((p) => p.message)),
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('body is missing the required field "amount"');
    expect(deregistered.body.items).toEqual([]);
  });

  it("answers GET /drift with 503 where no drift store is configured", async () => {
    // Prepare
    const { call } = setup({ store: false });
    // Act
    const answer = await call("GET", "/drift");
    // Assess
    expect([answer.status, answer.body.title]).toEqual([503, "Drift unavailable"]);
  });

  it("the schedule judges URL contracts, sends the ETag back, and announces a drift once and its end once", async () => {
    // Prepare
    const { call, scheduled, announced, drift, advance } = setup();
    await call("PUT", "/services/payments", registration(url));
    // Act
    const first = await scheduled(); // fits: judged, nothing to announce
    advance(60_000);
    const unchanged = await scheduled(); // 304
    served = contract(["orderId", "currency"]);
    etag = '"v2"';
    advance(60_000);
    const broken = await scheduled();
    advance(60_000);
    const still = await scheduled(); // 304: still broken, not announced again
    const stored = await drift.get("payments", "local");
    served = contract(["orderId"]);
    etag = '"v3"';
    advance(60_000);
    const fixed = await scheduled();
    // Assess
    const outcomes = [first, unchanged, broken, still, fixed].map((s) =>
      s.outcomes.map((o) => `${o.outcome}:${o.drifted}`).join(),
    );
    expect(outcomes).toEqual([
      "judged:0",
      "not-modified:0",
      "judged:1",
      "not-modified:1",
      "judged:0",
    ]);
    expect(requests.map((h) => h["if-none-match"] ?? null)).toEqual([
      null,
      '"v1"',
      '"v1"',
      '"v2"',
      '"v2"',
    ]);
    expect([stored?.etag, stored?.driftSince, stored?.checkedAt]).toEqual([
      '"v2"',
      "2026-12-04T09:02:00.000Z",
      "2026-12-04T09:03:00.000Z",
    ]);
    expect(announced()).toEqual(["Contract Drift Detected", "Contract Drift Cleared"]);
  });

  it("the schedule fetches without the ETag and judges again when the deployed workflows changed", async () => {
    // Prepare
    const { call, scheduled, catalogue } = setup();
    await call("PUT", "/services/payments", registration(url));
    await scheduled();
    // Act: version 2 of the workflow stops sending orderId
    catalogue.publish(ready(workflowText(2, "{ amount: 3 }")));
    const after = await scheduled();
    // Assess
    expect(after.outcomes.map((o) => `${o.outcome}:${o.drifted}`)).toEqual(["judged:1"]);
    expect(requests.map((h) => h["if-none-match"] ?? null)).toEqual([null, null]);
  });

  it("the schedule skips an inline contract already judged and a file path, and keeps the last judgement of an unreadable URL", async () => {
    // Prepare
    const { call, scheduled, drift, announced } = setup();
    await call("PUT", "/services/payments", registration(contract(["currency"])));
    await call("PUT", "/services/files", {
      instances: [{ id: "files-a", url: "http://127.0.0.1:9" }],
      openapi: "contracts/files.json",
    });
    await call("PUT", "/services/billing", registration(url));
    served = contract(["orderId", "currency"]);
    const first = await scheduled();
    // Act
    failing = true;
    const second = await scheduled();
    const shown = await call("GET", "/drift");
    // Assess
    const summary = (s: typeof first) =>
      s.outcomes.map((o) => `${o.service}:${o.outcome}:${o.drifted ?? "-"}`);
    // billing's contract is judged against calls to billing: the workflow makes none.
    expect(summary(first)).toEqual(["billing:judged:0", "files:skipped:-", "payments:judged:1"]);
    expect(summary(second)).toEqual([
      "billing:failed:-",
      "files:skipped:-",
      "payments:unchanged:1",
    ]);
    expect(second.outcomes[0]?.reason).toContain("answered HTTP 503");
    expect(shown.body.items.map((i: { service: string }) => i.service)).toEqual(["payments"]);
    expect((await drift.get("billing", "local"))?.checkedAt).toBe("2026-12-04T09:00:00.000Z");
    expect(announced()).toEqual(["Contract Drift Detected"]);
  });

  it("stores at most the first problems of a contract that breaks everything, and says so", () => {
    // Prepare
    const problem = {
      code: "E_CONTRACT_ROUTE",
      severity: "error" as const,
      path: "/",
      message: "x",
    };
    const drift = Array.from({ length: 3 }, (_, i) => ({
      workflow: `w${i}`,
      version: 1,
      steps: ["s"],
      problems: Array.from({ length: MAX_STORED_PROBLEMS / 2 + 1 }, () => problem),
    }));
    const record = {
      service: "s",
      region: "local",
      source: "inline",
      sourceHash: "h",
      fingerprint: "f",
      checkedAt: "2026-12-04T09:00:00.000Z",
      drift,
    };
    // Act
    const stored = storable(record);
    // Assess
    expect([
      stored.truncated,
      stored.drift.map((w) => w.problems.length),
      storable({ ...record, drift: drift.slice(0, 1) }).truncated,
    ]).toEqual([true, [101, 99], undefined]);
  });
});
