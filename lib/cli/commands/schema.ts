/**
 * `baton schema <workflow|services|openapi>`: prints a JSON Schema or the OpenAPI document. The
 * files in `schemas/` are this output (`npm run schemas` rewrites them; a test keeps them equal).
 */
import { workflowJsonSchema } from "../../core/schema/workflow-schema.ts";
import { openApiDocument } from "../../runtime/api/openapi.ts";
import { servicesJsonSchema } from "../../runtime/registry/services-schema.ts";
import type { Command } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";

export const SCHEMA_DOCUMENTS = {
  workflow: workflowJsonSchema,
  services: servicesJsonSchema,
  openapi: openApiDocument,
} as const;

const NAMES = Object.keys(SCHEMA_DOCUMENTS).join(", ");

export const schema: Command = {
  name: "schema",
  summary: `print a JSON document for editors and tools (${NAMES})`,
  synopsis: `schema <${Object.keys(SCHEMA_DOCUMENTS).join("|")}>`,
  help: [],
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const [name = ""] = ctx.positionals;
    const build = SCHEMA_DOCUMENTS[name as keyof typeof SCHEMA_DOCUMENTS];
    if (build === undefined || !Object.hasOwn(SCHEMA_DOCUMENTS, name)) {
      throw new UsageError(`unknown document "${name}" (known: ${NAMES})`);
    }
    ctx.io.stdout(`${JSON.stringify(build(), null, 2)}\n`);
    return EXIT.ok;
  },
};
