/**
 * The editor schema of services.yaml (schemas/services.schema.json) against the registry's own
 * validation: the shipped files pass both, and each broken entry below is refused by both.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseServicesYaml } from "../../../lib/runtime/registry/seed.ts";
import { servicesJsonSchema } from "../../../lib/runtime/registry/services-schema.ts";

const STALE = "schemas/ is out of date: run `npm run schemas` and commit the result";
const ROOT = join(import.meta.dirname, "../../..");
const SCHEMA_FILE = join(ROOT, "schemas/services.schema.json");
const FILES = ["workflows/services.yaml", "test/integration/workflows/services.yaml"];
const options = { policy: { allowPrivate: true }, resolver: async () => ["10.0.0.1"] };

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")));

async function registryAccepts(text: string): Promise<boolean> {
  try {
    await parseServicesYaml(text, options);
    return true;
  } catch {
    return false;
  }
}

const service = (extra: string) =>
  `services:\n  - { name: inventory, instances: [ { id: a, url: "http://inv.internal:8080" } ]${extra} }\n`;

const BROKEN: Readonly<Record<string, string>> = {
  "unknown field": service(", retries: 3"),
  "bad name": service("").replace("inventory", "Inventory!"),
  "instance without url": "services:\n  - { name: a, instances: [ { id: a } ] }\n",
  "ftp url": "services:\n  - { name: a, instances: [ { id: a, url: ftp://x } ] }\n",
  "zero weight": "services:\n  - { name: a, instances: [ { id: a, url: http://x, weight: 0 } ] }\n",
  // DynamoDB refuses numbers under 1e-130: this weight was a 500 (found by schemathesis).
  "denormal weight":
    "services:\n  - { name: a, instances: [ { id: a, url: http://x, weight: 5e-324 } ] }\n",
  "unknown balancing": service(", balancing: random"),
  "health interval 0": service(", health: { intervalSeconds: 0 }"),
  "health path without slash": service(", health: { path: health }"),
  "failure rate over 100": service(", circuit: { failureRateThreshold: 101 }"),
  "v1 and v2 circuit fields": service(", circuit: { failureThreshold: 3, minimumCalls: 3 }"),
  "timeout over 900": service(", timeout: 901"),
  "reserved header": service(", headers: { Idempotency-Key: x }"),
  "baton header": service(", headers: { X-Baton-Step: x }"),
  "header value not a string": service(", headers: { x-api-key: 3 }"),
  "unknown root field": `${service("")}extra: 1\n`,
};

describe("services.yaml JSON Schema", () => {
  it("is the document `baton schema services` prints", () => {
    expect(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")), STALE).toStrictEqual(
      servicesJsonSchema(),
    );
  });

  it.each(FILES)("accepts %s, as the registry does", async (file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    expect(await registryAccepts(text)).toBe(true);
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it("accepts a $schema key and secret headers, as the registry does", async () => {
    const text = `$schema: ../schemas/services.schema.json\n${service(', headers: { x-api-key: "{{ secret:inventory-key }}" }')}`;
    expect(await registryAccepts(text)).toBe(true);
    expect(validate(parse(text))).toBe(true);
  });

  it.each(Object.entries(BROKEN))("rejects %s, as the registry does", async (_name, text) => {
    expect(await registryAccepts(text)).toBe(false);
    expect(validate(parse(text))).toBe(false);
  });
});
