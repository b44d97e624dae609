import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BlockedAddressError,
  createGuardedFetch,
  guardedLookup,
} from "../../../lib/runtime/http/guarded-fetch.ts";

const refuseLoopback = (address: string) =>
  address.startsWith("127.") || address === "::1" ? "a loopback address" : undefined;
const allowAll = () => undefined;

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/gzip") {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync(JSON.stringify({ zipped: true })));
      return;
    }
    if (req.url === "/empty") {
      res.writeHead(204).end();
      return;
    }
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      res.writeHead(201, {
        "content-type": "application/json",
        "x-echo": req.headers["x-in"] ?? "",
      });
      res.end(JSON.stringify({ method: req.method, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("createGuardedFetch", () => {
  it("sends the method, headers and body and returns a Response", async () => {
    const fetch = createGuardedFetch({ check: () => allowAll });

    const response = await fetch(`http://127.0.0.1:${port}/x`, {
      method: "POST",
      headers: { "x-in": "hello", "content-type": "application/json" },
      body: '{"a":1}',
    });

    expect(response.status).toBe(201);
    expect(response.headers.get("x-echo")).toBe("hello");
    expect(await response.json()).toEqual({ method: "POST", body: '{"a":1}' });
  });

  it("decodes a body the service compressed anyway, as the global fetch does", async () => {
    const fetch = createGuardedFetch({ check: () => allowAll });
    const response = await fetch(`http://127.0.0.1:${port}/gzip`);
    expect([response.headers.get("content-encoding"), await response.json()]).toEqual([
      null,
      { zipped: true },
    ]);
  });

  it("frames a DELETE body (node:http would send it unframed)", async () => {
    const fetch = createGuardedFetch({ check: () => allowAll });
    const response = await fetch(`http://127.0.0.1:${port}/x`, {
      method: "DELETE",
      body: '{"id":1}',
    });
    expect(await response.json()).toEqual({ method: "DELETE", body: '{"id":1}' });
  });

  it("answers a 204 with an empty body", async () => {
    const fetch = createGuardedFetch({ check: () => allowAll });
    const response = await fetch(`http://127.0.0.1:${port}/empty`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  it("fails when a host name resolves to a refused address at call time (DNS rebinding)", async () => {
    // Prepare: the name resolved to a public address at registration; now it answers 127.0.0.1.
    const fetch = createGuardedFetch({
      check: () => refuseLoopback,
      resolve: (_host, callback) => callback(null, [{ address: "127.0.0.1", family: 4 }]),
    });

    // Act
    const failure = await fetch(`http://rebound.example:${port}/x`).catch((e: unknown) => e);

    // Assess
    expect(failure).toBeInstanceOf(TypeError);
    const cause = (failure as TypeError).cause;
    expect(cause).toBeInstanceOf(BlockedAddressError);
    expect((cause as Error).message).toBe(
      "host rebound.example resolved to 127.0.0.1, a loopback address",
    );
  });

  it("fails when an IP literal is refused, before connecting", async () => {
    const fetch = createGuardedFetch({ check: () => refuseLoopback });
    const failure = await fetch(`http://127.0.0.1:${port}/x`).catch((e: unknown) => e);
    expect(((failure as TypeError).cause as Error).message).toBe(
      "address 127.0.0.1 is a loopback address",
    );
  });

  it("connects to a host name whose every address is allowed", async () => {
    const fetch = createGuardedFetch({
      check: () => allowAll,
      resolve: (_host, callback) => callback(null, [{ address: "127.0.0.1", family: 4 }]),
    });
    const response = await fetch(`http://svc.example:${port}/x`);
    expect(response.status).toBe(201);
  });

  it("rejects with the abort reason when the signal aborts", async () => {
    const fetch = createGuardedFetch({ check: () => allowAll });
    const controller = new AbortController();
    controller.abort(new Error("too slow"));
    await expect(
      fetch(`http://127.0.0.1:${port}/x`, { signal: controller.signal }),
    ).rejects.toThrow("too slow");
  });
});

describe("guardedLookup", () => {
  it("fails when any of several addresses is refused (the socket may pick either)", async () => {
    const lookup = guardedLookup(refuseLoopback, (_host, callback) =>
      callback(null, [
        { address: "93.184.216.34", family: 4 },
        { address: "127.0.0.1", family: 4 },
      ]),
    );
    const error = await new Promise<unknown>((resolve) =>
      lookup("mixed.example", { all: true }, (e) => resolve(e)),
    );
    expect(error).toBeInstanceOf(BlockedAddressError);
  });

  it("gives every allowed address when asked for all, else the first", async () => {
    const lookup = guardedLookup(allowAll, (_host, callback) =>
      callback(null, [
        { address: "93.184.216.34", family: 4 },
        { address: "2606:2800:220:1::1", family: 6 },
      ]),
    );
    const all = await new Promise<unknown>((resolve) =>
      lookup("two.example", { all: true }, (_e, addresses) => resolve(addresses)),
    );
    expect(all).toEqual([
      { address: "93.184.216.34", family: 4 },
      { address: "2606:2800:220:1::1", family: 6 },
    ]);
    const one = await new Promise<unknown>((resolve) =>
      lookup("two.example", { family: 6 }, (_e, address, family) => resolve([address, family])),
    );
    expect(one).toEqual(["2606:2800:220:1::1", 6]);
  });
});
