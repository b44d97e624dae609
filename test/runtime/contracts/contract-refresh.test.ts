/**
 * `POST /services/{name}/contract/refresh`: the contract is read again (its URL through the guarded
 * transport, or the inline document), every deployed workflow's calls to the service are checked
 * against it, and what it breaks is drift: in the answer and as `Contract Drift Detected`.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProject } from "../../../lib/core/project/build.ts";
import { catalogueEntry } from "../../../lib/core/project/catalogue.ts";
import { handleApiEvent } from "../../../lib/runtime/api/app.ts";
import type { ApiDeps } from "../../../lib/runtime/api/deps.ts";
import { quietLogger } from "../../../lib/runtime/logger.ts";
import { fakeDeps, restEvent } from "../fakes.ts";

const WORKFLOW = `workflow: pay
steps:
  - id: charge
    call: payments POST /charges
    with: { orderId: o-1 }
    idempotent: true
  - id: notify
    call: email POST /messages
    idempotent: true
`;

const contract = (required: string[], paths = ["/charges"]) => ({
  openapi: "3.1.0",
  info: { title: "payments", version: "1" },
  paths: Object.fromEntries(
    paths.map((p) => [
      p,
      {
        post: {
          requestBody: {
            content: { "application/json": { schema: { type: "object", required } } },
          },
          responses: { "201": { description: "ok" } },
        },
      },
    ]),
  ),
});

function setup() {
  const [ready] = buildProject([{ file: "pay.yaml", text: WORKFLOW }]).workflows;
  if (ready === undefined) throw new Error("fixture workflow does not build");
  const fake = fakeDeps({}, [catalogueEntry(ready)]);
  const deps: ApiDeps = { ...fake.deps, events: fake.events, logger: quietLogger };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await handleApiEvent(
      restEvent(method, path, body === undefined ? {} : { body }),
      deps,
    );
    return { status: response.statusCode, body: JSON.parse(response.body || "null") };
  };
  return { call, events: fake.events };
}

const service = (openapi: unknown) => ({
  instances: [{ id: "payments-a", url: "http://127.0.0.1:9" }],
  openapi,
});

describe("POST /services/{name}/contract/refresh", () => {
  let server: Server;
  let url = "";
  let served = contract(["orderId"]);
  const previous = process.env.BATON_ALLOW_PRIVATE_URLS;
  beforeAll(async () => {
    process.env.BATON_ALLOW_PRIVATE_URLS = "1"; // the contract server is on loopback
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", etag: '"e1"' });
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

  it("fetches the URL contract and reports no drift when the deployed calls fit it", async () => {
    // Prepare
    const { call, events } = setup();
    served = contract(["orderId"]);
    await call("PUT", "/services/payments", service(url));
    // Act
    const refreshed = await call("POST", "/services/payments/contract/refresh");
    // Assess
    expect(refreshed).toEqual({
      status: 200,
      body: { service: "payments", source: url, operations: 1, etag: '"e1"', drift: [] },
    });
    expect(events.events.filter((e) => e.detailType === "Contract Drift Detected")).toEqual([]);
  });

  it("publishes Contract Drift Detected with the workflows, steps and problems a changed contract breaks", async () => {
    // Prepare: the service now requires a currency and renamed nothing else
    const { call, events } = setup();
    served = contract(["orderId", "currency"]);
    await call("PUT", "/services/payments", service(url));
    // Act
    const refreshed = await call("POST", "/services/payments/contract/refresh");
    // Assess
    const drift = [
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
    expect([refreshed.status, refreshed.body.drift]).toEqual([200, drift]);
    expect(
      events.events.filter((e) => e.detailType === "Contract Drift Detected").map((e) => e.detail),
    ).toEqual([{ service: "payments", source: url, region: "local", workflows: drift }]);
  });

  it("checks an inline contract, and answers 409 without a contract, 404 for an unknown service, 502 for an unreadable one", async () => {
    // Prepare
    const { call } = setup();
    await call("PUT", "/services/payments", service(contract(["orderId"], ["/payments"])));
    await call("PUT", "/services/email", {
      instances: [{ id: "email-a", url: "http://127.0.0.1:9" }],
    });
    await call("PUT", "/services/billing", {
      instances: [{ id: "billing-a", url: "http://127.0.0.1:9" }],
      openapi: "http://127.0.0.1:1/openapi.json",
    });
    // Act
    const inline = await call("POST", "/services/payments/contract/refresh");
    const none = await call("POST", "/services/email/contract/refresh");
    const unknown = await call("POST", "/services/nobody/contract/refresh");
    const unreadable = await call("POST", "/services/billing/contract/refresh");
    // Assess
    expect([inline.status, inline.body.source, inline.body.drift[0]?.problems[0]?.code]).toEqual([
      200,
      "inline",
      "E_CONTRACT_ROUTE",
    ]);
    expect([none.status, unknown.status, unreadable.status]).toEqual([409, 404, 502]);
    expect(unreadable.body.detail).toContain("could not be read");
  });
});
