import { describe, expect, it } from "vitest";
import { toProxyEvent } from "../../lib/local/http-adapter.ts";
import { handleApiEvent } from "../../lib/runtime/api/app.ts";
import { quietLogger } from "../../lib/runtime/logger.ts";
import { fakeDeps } from "../runtime/fakes.ts";

describe("toProxyEvent", () => {
  it("keeps a header or query parameter named __proto__ as data", () => {
    // Act
    const event = toProxyEvent(
      "GET",
      "/workflows?__proto__=1&limit=2",
      ["__proto__", "x", "Accept", "application/json"],
      Buffer.alloc(0),
      "127.0.0.1",
    );

    // Assess
    const own = (o: object | null | undefined, key: string) =>
      o ? Object.getOwnPropertyDescriptor(o, key)?.value : undefined;
    expect([own(event.headers, "__proto__"), event.headers.Accept]).toEqual([
      "x",
      "application/json",
    ]);
    expect(own(event.multiValueQueryStringParameters, "__proto__")).toEqual(["1"]);
    expect(event.queryStringParameters?.limit).toEqual("2");
  });

  it("never reads the start of a path beginning with // as a host name", () => {
    const event = toProxyEvent("GET", "//executions/x", [], Buffer.alloc(0), "127.0.0.1");

    expect(event.path).toEqual("//executions/x");
  });

  it("hands the path on percent-encoded, as REST APIs do, so the router decodes it once", async () => {
    // Found by schemathesis: "%25" decoded twice made GET /services/%2B%25%13x a 400 in baton dev.
    const event = toProxyEvent("GET", "/services/%2B%25%13x", [], Buffer.alloc(0), "127.0.0.1");
    expect(event.path).toEqual("/services/%2B%25%13x");
    expect(event.pathParameters).toEqual({ proxy: "services/+%\u0013x" });

    const { deps } = fakeDeps();
    const response = await handleApiEvent(event, { ...deps, logger: quietLogger });
    expect(response.statusCode).toBe(404);
  });
});
