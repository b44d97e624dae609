import { describe, expect, it } from "vitest";
import type { FieldError } from "../../../lib/runtime/errors.ts";
import {
  validateInstanceEntry,
  validateInstanceRegistration,
  validateServiceEntry,
  validateServiceRegistration,
} from "../../../lib/runtime/registry/entry-validation.ts";
import type { HostResolver } from "../../../lib/runtime/registry/url-policy.ts";

const strict = { policy: { allowPrivate: false } };
const permissive = { policy: { allowPrivate: true } };

function errorsOf(
  input: unknown,
  options: Parameters<typeof validateServiceEntry>[1] = strict,
): readonly FieldError[] {
  const result = validateServiceEntry(input, options);
  return result.ok ? [] : result.errors;
}

const withUrl = (url: string) => ({ name: "inventory", instances: [{ id: "a", url }] });
const pathsOf = (errors: readonly FieldError[]): string[] => errors.map((error) => error.path);

describe("validateServiceEntry", () => {
  it("applies every default to a minimal entry", () => {
    // Act
    const result = validateServiceEntry(
      { name: "inventory", instances: [{ id: "a", url: "https://inv.example.com" }] },
      strict,
    );

    // Assess
    expect(result).toEqual({
      ok: true,
      value: {
        name: "inventory",
        instances: [{ id: "a", url: "https://inv.example.com", weight: 1 }],
        health: { path: "/health", intervalSeconds: 60, unhealthyAfter: 2, healthyAfter: 1 },
        balancing: "round_robin",
        circuit: {
          failureRateThreshold: 50,
          minimumCalls: 20,
          windowSeconds: 30,
          cooldownSeconds: 30,
        },
        timeout: 10,
        headers: {},
      },
    });
  });

  it("fails when the input is not an object", () => {
    expect(errorsOf(["inventory"])).toEqual([
      { path: "", message: "must be an object, got a list" },
    ]);
  });

  it("fails listing every problem at once, each with its path", () => {
    // Prepare
    const input = {
      name: "Inventory!",
      color: "blue",
      instances: [
        { id: "a", url: "ftp://inv.example.com", weight: 0 },
        { id: "a", url: "https://inv.example.com", extra: true },
        { url: "not a url" },
      ],
      health: { path: "health", intervalSeconds: 0, unhealthyAfter: 1.5, healthyAfter: 1 },
      balancing: "random",
      circuit: { failureThreshold: "5", windowSeconds: 30, cooldownSeconds: 99999 },
      timeout: -1,
      headers: { "bad header": "x", "x-ok": 5 },
    };

    // Act
    const errors = errorsOf(input);

    // Assess
    expect(pathsOf(errors)).toEqual([
      "/color",
      "/name",
      "/instances/0/url",
      "/instances/0/weight",
      "/instances/1/extra",
      "/instances/2/id",
      "/instances/2/url",
      "/health/path",
      "/health/intervalSeconds",
      "/health/unhealthyAfter",
      "/balancing",
      "/circuit/failureThreshold",
      "/circuit/cooldownSeconds",
      "/timeout",
      "/headers/bad header",
      "/headers/x-ok",
    ]);
    expect(errors[0]).toEqual({
      path: "/color",
      message:
        'unknown field "color"; allowed: name, instances, health, balancing, circuit, timeout, headers, openapi, limits',
    });
    expect(errors[2]).toEqual({
      path: "/instances/0/url",
      message: 'scheme "ftp" is not allowed; use http or https',
    });
    expect(errors[10]).toEqual({
      path: "/balancing",
      message: 'must be one of round_robin, least_outstanding, weighted_random, got "random"',
    });
  });

  it("fails on a duplicate instance id", () => {
    // Prepare
    const input = {
      name: "inventory",
      instances: [
        { id: "a", url: "https://a.example.com" },
        { id: "a", url: "https://b.example.com" },
      ],
    };

    // Act / Assess
    expect(errorsOf(input)).toEqual([
      { path: "/instances/1/id", message: 'duplicate instance id "a"' },
    ]);
  });

  it("fails when the body name differs from the URL name", () => {
    expect(errorsOf({ name: "billing" }, { ...strict, name: "inventory" })).toEqual([
      {
        path: "/name",
        message: '"billing" does not match the service name in the URL, "inventory"',
      },
    ]);
  });

  it("takes the name from the URL when the body omits it", () => {
    const result = validateServiceEntry({}, { ...strict, name: "inventory" });
    expect(result.ok && result.value.name).toEqual("inventory");
  });

  it("fails when the name taken from the URL is not a valid service name", () => {
    const result = validateServiceEntry({}, { ...strict, name: "Bad Name" });
    expect(result.ok ? [] : result.errors).toEqual([
      {
        path: "/name",
        message:
          '"Bad Name" is not a valid service name: use 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit',
      },
    ]);
  });

  it.each([
    ["http://169.254.169.254/latest", "host 169.254.169.254 is a cloud metadata address"],
    ["http://[fd00:ec2::254]/", "host fd00:ec2::254 is a cloud metadata address"],
    ["http://[64:ff9b::a9fe:a9fe]/", "host 64:ff9b::a9fe:a9fe is a cloud metadata address"],
    ["http://[2002:a9fe:a9fe::1]/", "host 2002:a9fe:a9fe::1 is a cloud metadata address"],
    ["http://[::a9fe:a9fe]/", "host ::a9fe:a9fe is a cloud metadata address"],
    [
      "http://metadata.google.internal/",
      "host metadata.google.internal is a cloud metadata address",
    ],
    [
      "http://169.254.10.1/",
      "host 169.254.10.1 is a link-local address (169.254.0.0/16, fe80::/10)",
    ],
    ["http://[fe80::1]/", "host fe80::1 is a link-local address (169.254.0.0/16, fe80::/10)"],
    ["http://0.0.0.0:80/", "host 0.0.0.0 is an unspecified address (0.0.0.0, ::)"],
    ["http://2852039166/", "host 169.254.169.254 is a cloud metadata address"],
    ["http://[::ffff:169.254.169.254]/", "host ::ffff:a9fe:a9fe is a cloud metadata address"],
    ["file:///etc/passwd", 'scheme "file" is not allowed; use http or https'],
    [
      "https://user:pw@inv.example.com",
      "credentials in the URL are not allowed; use a secret header instead",
    ],
  ])("fails for %s even when private URLs are allowed", (url, message) => {
    expect(errorsOf(withUrl(url), permissive)).toEqual([{ path: "/instances/0/url", message }]);
  });

  it.each([
    ["http://127.0.0.1:7001", "host 127.0.0.1 is a loopback address"],
    ["http://[::1]:7001", "host ::1 is a loopback address"],
    ["http://localhost:7001", "host localhost is a loopback address"],
    ["http://10.1.2.3", "host 10.1.2.3 is a private network address"],
    ["http://172.20.0.1", "host 172.20.0.1 is a private network address"],
    ["http://192.168.1.1", "host 192.168.1.1 is a private network address"],
    ["http://[fd12::1]", "host fd12::1 is a private network address"],
  ])("fails for %s unless BATON_ALLOW_PRIVATE_URLS=1", (url, message) => {
    // Act
    const refused = errorsOf(withUrl(url), strict);
    const allowed = errorsOf(withUrl(url), permissive);

    // Assess
    expect([refused, allowed]).toEqual([
      [
        {
          path: "/instances/0/url",
          message: `${message}; set BATON_ALLOW_PRIVATE_URLS=1 to allow it in local development`,
        },
      ],
      [],
    ]);
  });

  it("reads BATON_ALLOW_PRIVATE_URLS from the environment by default", () => {
    // Prepare
    const previous = process.env.BATON_ALLOW_PRIVATE_URLS;
    process.env.BATON_ALLOW_PRIVATE_URLS = "1";

    // Act
    const result = validateServiceEntry(withUrl("http://127.0.0.1:7001"));
    if (previous === undefined) delete process.env.BATON_ALLOW_PRIVATE_URLS;
    else process.env.BATON_ALLOW_PRIVATE_URLS = previous;

    // Assess
    expect(result.ok).toEqual(true);
  });

  it.each([
    ["authorization", "Bearer abcdef123456"],
    ["x-api-key", "plain-key"],
    ["x-auth-token", "t"],
  ])("fails when credential header %s has a plain value", (name, value) => {
    expect(errorsOf({ name: "inventory", headers: { [name]: value } })).toEqual([
      {
        path: `/headers/${name}`,
        message: `header ${name} carries a credential and must be a secret reference such as "{{ secret:${name} }}", not a plain value`,
      },
    ]);
  });

  it("fails when any header value looks like a secret", () => {
    expect(
      errorsOf({ name: "inventory", headers: { "x-custom": "AKIAABCDEFGHIJKLMNOP" } }),
    ).toEqual([
      {
        path: "/headers/x-custom",
        message:
          "the value looks like a secret; store it in a secret and write {{ secret:<name> }}",
      },
    ]);
  });

  it("fails on a malformed secret reference without echoing the value", () => {
    expect(errorsOf({ name: "inventory", headers: { "x-api-key": "{{ secret: }}" } })).toEqual([
      {
        path: "/headers/x-api-key",
        message: "has a malformed template; secret references are written {{ secret:<name> }}",
      },
    ]);
  });

  it("fails on headers Baton sets itself", () => {
    expect(
      pathsOf(
        errorsOf({
          name: "inventory",
          headers: { "Idempotency-Key": "x", "x-baton-step": "y", Host: "h" },
        }),
      ),
    ).toEqual(["/headers/Idempotency-Key", "/headers/x-baton-step", "/headers/Host"]);
  });

  it("accepts secret references, also inside a scheme prefix, and lowercases header names", () => {
    // Act
    const result = validateServiceEntry(
      {
        name: "inventory",
        headers: {
          Authorization: "Bearer {{ secret:inv-token }}",
          "X-Api-Key": "{{secret:inv#key}}",
          "x-team": "shop",
        },
      },
      strict,
    );

    // Assess
    expect(result.ok && result.value.headers).toEqual({
      authorization: "Bearer {{ secret:inv-token }}",
      "x-api-key": "{{secret:inv#key}}",
      "x-team": "shop",
    });
  });
});

describe("validateServiceRegistration (DNS)", () => {
  const resolver =
    (table: Record<string, string[]>): HostResolver =>
    async (host) => {
      const addresses = table[host];
      if (addresses === undefined)
        throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
      return addresses;
    };

  it("fails when a hostname resolves to a metadata or private address", async () => {
    // Prepare
    const input = {
      name: "inventory",
      instances: [
        { id: "a", url: "https://ok.example.com" },
        { id: "b", url: "https://sneaky.example.com" },
        { id: "c", url: "https://internal.example.com" },
        { id: "d", url: "https://missing.example.com" },
      ],
    };
    const dns = resolver({
      "ok.example.com": ["93.184.216.34"],
      "sneaky.example.com": ["93.184.216.35", "169.254.169.254"],
      "internal.example.com": ["10.0.0.5"],
    });

    // Act
    const result = await validateServiceRegistration(input, { ...strict, resolver: dns });

    // Assess
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          path: "/instances/1/url",
          message: "host sneaky.example.com resolves to 169.254.169.254, a cloud metadata address",
        },
        {
          path: "/instances/2/url",
          message:
            "host internal.example.com resolves to 10.0.0.5, a private network address; set BATON_ALLOW_PRIVATE_URLS=1 to allow it in local development",
        },
        {
          path: "/instances/3/url",
          message: "host missing.example.com does not resolve (ENOTFOUND)",
        },
      ],
    });
  });

  it("does not resolve IP literals", async () => {
    // Prepare
    const calls: string[] = [];
    const dns: HostResolver = async (host) => {
      calls.push(host);
      return ["93.184.216.34"];
    };

    // Act
    const result = await validateServiceRegistration(withUrl("http://127.0.0.1:7001"), {
      ...permissive,
      resolver: dns,
    });

    // Assess
    expect([result.ok, calls]).toEqual([true, []]);
  });
});

describe("validateInstanceEntry", () => {
  it("takes the id from the URL and defaults the weight", () => {
    expect(validateInstanceEntry({ url: "https://a.example.com" }, { ...strict, id: "a" })).toEqual(
      {
        ok: true,
        value: { id: "a", url: "https://a.example.com", weight: 1 },
      },
    );
  });

  it("fails with every problem of an instance body", () => {
    expect(
      validateInstanceEntry({ id: "b", weight: "x", port: 1 }, { ...strict, id: "a" }),
    ).toEqual({
      ok: false,
      errors: [
        { path: "/port", message: 'unknown field "port"; allowed: id, url, weight' },
        { path: "/id", message: '"b" does not match the instance id in the URL, "a"' },
        { path: "/url", message: "is required" },
        { path: "/weight", message: 'must be a number from 0.001 to 1000, got "x"' },
      ],
    });
  });

  it("fails when the instance hostname resolves to a link-local address", async () => {
    // Act
    const result = await validateInstanceRegistration(
      { url: "https://x.example.com" },
      { ...strict, id: "a", resolver: async () => ["fe80::1"] },
    );

    // Assess
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          path: "/url",
          message:
            "host x.example.com resolves to fe80::1, a link-local address (169.254.0.0/16, fe80::/10)",
        },
      ],
    });
  });
});
