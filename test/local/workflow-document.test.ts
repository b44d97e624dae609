/**
 * `GET /workflows/{name}` is one document in AWS and in `baton dev`: both catalogues are built from
 * the same Project, and the route serves the definition as the user wrote it (parsed to JSON), the
 * ASL and the Mermaid graph.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { writeCatalogueFile } from "../../lib/cdk/catalogue-file.ts";
import { loadCompiledWorkflows } from "../../lib/cdk/compiled-workflows.ts";
import type { JsonObject } from "../../lib/core/model.ts";
import { precompileInputSchema } from "../../lib/core/schema/input-validator-code.ts";
import { loadAndCompileDir } from "../../lib/local/workflows.ts";
import { handleApiEvent } from "../../lib/runtime/api/app.ts";
import { loadCatalogue } from "../../lib/runtime/workflow-catalogue.ts";
import { fakeDeps, restEvent } from "../runtime/fakes.ts";
import { tempDir } from "../support/tmp.ts";

const EXAMPLES = resolve(import.meta.dirname, "../../workflows");

async function document(catalogue: Awaited<ReturnType<typeof loadCatalogue>>, name: string) {
  const { deps } = fakeDeps({ catalogue });
  const response = await handleApiEvent(restEvent("GET", `/workflows/${name}`), deps);
  expect(response.statusCode).toBe(200);
  return JSON.parse(response.body) as Record<string, unknown>;
}

describe("GET /workflows/{name}", () => {
  it("fails when AWS and baton dev serve different documents, or leak the internal model", async () => {
    // Prepare: the CDK app's catalogue file, as the Lambda reads it, and baton dev's catalogue
    const deployed = loadCompiledWorkflows(EXAMPLES);
    const file = writeCatalogueFile(deployed.workflows, tempDir(), "baton-test");
    const aws = await loadCatalogue(file);
    const local = loadAndCompileDir(EXAMPLES).catalogue;
    expect(deployed.workflows.length).toBeGreaterThan(3);

    for (const { name, file: source } of deployed.workflows) {
      // Act
      const inAws = await document(aws, name);
      const inDev = await document(local, name);
      // Assess
      expect(inDev).toStrictEqual(inAws);
      expect(inAws.definition).toStrictEqual(
        parse(readFileSync(join(EXAMPLES, "..", source), "utf8")),
      );
      const documented = [
        "name",
        "version",
        "type",
        "description",
        "tags",
        "aliases",
        "inputSchema",
        "definition",
      ];
      const extra = ["asl", "mermaid", "steps"];
      expect(
        Object.keys(inAws).filter((key) => ![...documented, ...extra].includes(key)),
      ).toStrictEqual([]);
      expect(JSON.stringify(inAws.definition)).not.toMatch(/"pointer"|"explicitDependsOn"|"kind"/);
    }
  });

  it("carries each input schema precompiled at synth, up to date and as baton dev makes it", async () => {
    // Prepare
    const deployed = loadCompiledWorkflows(EXAMPLES);
    const aws = await loadCatalogue(writeCatalogueFile(deployed.workflows, tempDir(), "baton-v"));
    const local = loadAndCompileDir(EXAMPLES).catalogue;
    const typed = aws.list().filter((w) => w.inputSchema !== undefined);
    expect(typed.length).toBeGreaterThan(2);
    for (const entry of typed) {
      // Act
      const fresh = precompileInputSchema(entry.inputSchema as JsonObject);
      // Assess
      expect(entry.inputValidator, entry.name).toStrictEqual(fresh);
      expect(local.get(entry.name)?.inputValidator, entry.name).toStrictEqual(fresh);
    }
  });
});
