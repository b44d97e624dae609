import { describe, expect, it } from "vitest";
import { toMermaid } from "../../lib/core/mermaid.ts";
import { buildProject } from "../../lib/core/project/build.ts";
import { catalogueEntry } from "../../lib/core/project/catalogue.ts";

const TEXT = `workflow: reads
version: 2
description: reads in every spelling
input: { type: object }
steps:
  - id: a
    call: svc POST /a
    compensate: { call: svc DELETE /a }
  - id: b
    call: "svc GET /b/{{ steps['a'].body.id }}"
    idempotent: true
  - id: fan
    parallel:
      - [ { id: c, when: "steps.b.status == 200", call: svc GET /c } ]
      - [ { id: d, await: { signal: go } } ]
`;

describe("catalogueEntry", () => {
  it("fails when the definition is not the file as written or a steps['a'] read is missed", () => {
    // Prepare
    const project = buildProject([{ file: "reads.yaml", text: TEXT }]);
    const ready = project.workflow("reads");
    if (ready === undefined) throw new Error(JSON.stringify(project.problems));
    // Act
    const entry = catalogueEntry(ready, { stateMachineArn: "arn:local:reads" });
    // Assess
    expect(entry).toStrictEqual({
      name: "reads",
      version: 2,
      type: "standard",
      description: "reads in every spelling",
      inputSchema: { type: "object" },
      definition: ready.source,
      asl: ready.asl,
      mermaid: toMermaid(ready.workflow),
      stateMachineArn: "arn:local:reads",
      steps: [
        {
          id: "a",
          kind: "call",
          scope: "/",
          dependsOn: [],
          explicitDependsOn: false,
          reads: [],
          call: { service: "svc", method: "POST", path: "/a" },
          idempotent: false,
          compensable: true,
          unconditional: true,
        },
        {
          id: "b",
          kind: "call",
          scope: "/",
          dependsOn: ["a"],
          explicitDependsOn: false,
          reads: ["a"],
          call: { service: "svc", method: "GET", path: "/b/{{ steps['a'].body.id }}" },
          idempotent: true,
          compensable: false,
          unconditional: true,
        },
        {
          id: "fan",
          kind: "parallel",
          scope: "/",
          dependsOn: ["b"],
          explicitDependsOn: false,
          reads: [],
          unconditional: true,
        },
        {
          id: "c",
          kind: "call",
          scope: "fan/0",
          dependsOn: [],
          explicitDependsOn: false,
          reads: ["b"],
          call: { service: "svc", method: "GET", path: "/c" },
          idempotent: false,
          compensable: false,
          unconditional: false,
        },
        {
          id: "d",
          kind: "await",
          scope: "fan/1",
          dependsOn: [],
          explicitDependsOn: false,
          reads: [],
          signal: "go",
          unconditional: true,
        },
      ],
    });
    expect(entry.definition).toStrictEqual({
      workflow: "reads",
      version: 2,
      description: "reads in every spelling",
      input: { type: "object" },
      steps: [
        { id: "a", call: "svc POST /a", compensate: { call: "svc DELETE /a" } },
        { id: "b", call: "svc GET /b/{{ steps['a'].body.id }}", idempotent: true },
        {
          id: "fan",
          parallel: [
            [{ id: "c", when: "steps.b.status == 200", call: "svc GET /c" }],
            [{ id: "d", await: { signal: "go" } }],
          ],
        },
      ],
    });
  });
});
