import { describe, expect, it } from "vitest";
import { toProxyEvent } from "../../lib/local/http-adapter.ts";

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
});
