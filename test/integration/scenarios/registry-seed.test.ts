/**
 * The registry seed on the deployed stack: `cdk deploy` registered every entry of services.yaml
 * beside the workflows (the scenario stage allows the demo's loopback URLs), with the contract
 * files inlined. Services no other scenario registers are checked, so the file order does not matter.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { api } from "../fixtures/api.ts";

const SERVICES_FILE = join(import.meta.dirname, "../workflows/services.yaml");

interface FileEntry {
  readonly name: string;
  readonly openapi?: string;
  readonly instances: readonly { readonly id: string; readonly url: string }[];
  readonly timeout?: number;
}
interface ServiceView {
  readonly name: string;
  readonly timeout: number;
  readonly openapi?: unknown;
  readonly instances: readonly { readonly id: string; readonly url: string }[];
}

const file = (parse(readFileSync(SERVICES_FILE, "utf8")) as { services: FileEntry[] }).services;
/** Registered by no scenario through the API: what the registry holds is the seed's. */
const UNTOUCHED = ["email", "users", "sessions", "storage", "stt", "llm", "tts", "warehouse"];

describe("registry seed on the deployed stack", () => {
  it("registered every services.yaml entry on deploy, contracts inline", async () => {
    // Act
    const seeded = file.filter((entry) => UNTOUCHED.includes(entry.name));
    const views = await Promise.all(
      seeded.map(async (entry) => ({
        entry,
        ...(await api<ServiceView>(`services/${entry.name}`)),
      })),
    );

    // Assess
    expect(seeded.length).toBeGreaterThan(3);
    for (const { entry, status, body } of views) {
      expect([entry.name, status]).toStrictEqual([entry.name, 200]);
      expect(body.instances.map((i) => ({ id: i.id, url: i.url }))).toStrictEqual(
        entry.instances.map((i) => ({ id: i.id, url: i.url })),
      );
      expect(body.timeout).toBe(entry.timeout);
      if (entry.openapi !== undefined)
        expect((body.openapi as { openapi?: unknown } | undefined)?.openapi).toMatch(/^3\./);
    }
  });
});
