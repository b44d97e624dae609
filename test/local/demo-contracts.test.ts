/**
 * The demo services' contracts: each demo service serves its own OpenAPI document at
 * `GET /openapi.json`, `workflows/contracts/*.json` are exact copies of them, and the example
 * workflows check clean against them through `workflows/services.yaml`, while a renamed route and
 * a body missing a required field are caught with their lines before anything deploys.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProject } from "../../lib/core/project/build.ts";
import { loadProject } from "../../lib/core/project/load.ts";
import { loadContracts } from "../../lib/core/project/load-contracts.ts";
import { DEMO_CONTRACTS } from "../../lib/local/demo/contracts.ts";
import { DEMO_SERVICE_NAMES, startDemoServices } from "../../lib/local/demo/services.ts";

const WORKFLOWS = join(import.meta.dirname, "../../workflows");
const SERVICES = join(WORKFLOWS, "services.yaml");

describe("demo contracts", () => {
  it("has a contract for every demo service, and each fixture file is an exact copy", () => {
    // Act
    const files = readdirSync(join(WORKFLOWS, "contracts")).sort();
    // Assess
    expect(Object.keys(DEMO_CONTRACTS).sort()).toEqual([...DEMO_SERVICE_NAMES].sort());
    expect(files).toEqual([...DEMO_SERVICE_NAMES].map((n) => `${n}.json`).sort());
    for (const name of DEMO_SERVICE_NAMES) {
      const file = JSON.parse(readFileSync(join(WORKFLOWS, "contracts", `${name}.json`), "utf8"));
      expect([name, file]).toEqual([name, DEMO_CONTRACTS[name]]);
    }
  });

  it("serves each demo service's contract at GET /openapi.json", async () => {
    // Prepare
    const demo = await startDemoServices({ basePort: 0, only: ["payments", "warehouse"] });
    try {
      // Act
      const served = await Promise.all(
        [...demo.services.values()].map(async (s) => [
          s.name,
          await (await fetch(`${s.url}/openapi.json`)).json(),
        ]),
      );
      // Assess
      expect(served).toEqual([
        ["payments", DEMO_CONTRACTS.payments],
        ["warehouse", DEMO_CONTRACTS.warehouse],
      ]);
    } finally {
      await demo.close();
    }
  });

  it("checks every example clean against the demo contracts named in workflows/services.yaml", () => {
    // Act
    const contracts = loadContracts(SERVICES, { shownAs: "workflows/services.yaml" });
    const project = loadProject(WORKFLOWS, { contracts });
    // Assess
    expect([contracts.contracts.size, contracts.problems]).toEqual([DEMO_SERVICE_NAMES.length, []]);
    expect(project.problems.filter((p) => p.problem.code.includes("CONTRACT"))).toEqual([]);
    expect(project.workflows.length).toBeGreaterThan(0);
  });

  it("catches a renamed route and a body missing a required field in an example, with their lines", () => {
    // Prepare: order-fulfillment with /reservations renamed and the charge's currency left out
    const text = readFileSync(join(WORKFLOWS, "order-fulfillment.yaml"), "utf8")
      .replace("call: inventory POST /reservations", "call: inventory POST /reservation")
      .replace(/\n +currency: "\{\{ input\.currency \}\}"/, "");
    const contracts = loadContracts(SERVICES);
    // Act
    const project = buildProject([{ file: "order-fulfillment.yaml", text }], { contracts });
    // Assess
    const lines = text.split("\n");
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect(
      project.problems
        .map((p) => p.problem)
        .filter((p) => p.code.includes("CONTRACT"))
        .map((p) => `${p.line} ${p.code}`),
    ).toEqual([
      `${lineOf("call: inventory POST /reservation")} E_CONTRACT_ROUTE`,
      `${lineOf("      body:")} E_CONTRACT_BODY`,
    ]);
    expect(project.workflows).toEqual([]);
  });
});
