/**
 * The dependency rule, checked on the real import graph:
 *
 *   core ← runtime ← {runtime/aws, local} ← {functions, cli};   cdk → {core, runtime/aws/env.ts}
 *
 * `lib/core` and `lib/runtime` (outside `aws/`) import no AWS SDK or CDK; handler code (runtime,
 * functions, local) imports no CDK; nothing imports a Lambda entry file (`functions/*.ts`).
 * `lib/console` (the web console, run in a browser) reads core and the API's types; the API reads
 * only its built files.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, posix, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

type Layer =
  | "core"
  | "runtime"
  | "runtime/aws"
  | "local"
  | "cdk"
  | "cli"
  | "functions"
  | "bin"
  | "test"
  | "bench"
  | "console";

/** Which layers each layer may import (itself included where listed). */
const ALLOWED: Readonly<Record<Layer, readonly Layer[]>> = {
  core: ["core"],
  runtime: ["core", "runtime"],
  "runtime/aws": ["core", "runtime", "runtime/aws"],
  local: ["core", "runtime", "runtime/aws", "local"],
  functions: ["core", "runtime", "runtime/aws"],
  cli: ["core", "runtime", "local", "cli", "cdk"],
  cdk: ["core", "cdk"],
  bin: ["cli", "cdk"],
  test: [
    "core",
    "runtime",
    "runtime/aws",
    "local",
    "cdk",
    "cli",
    "test",
    "bench",
    "bin",
    "console",
  ],
  bench: ["core", "runtime", "runtime/aws", "local", "cdk", "cli", "test", "bench"],
  // The web console runs in a browser: pure core code and the API's document types only.
  console: ["core", "runtime", "console"],
};

/**
 * What the CDK may read from the runtime: the environment variable names it sets on the handlers
 * (the catalogue it ships is built in core) and the synth-time check of services.yaml.
 */
const CDK_RUNTIME_CONTRACTS: readonly string[] = [
  "lib/runtime/aws/env.ts",
  // The registry seed is checked at synth by the same reading the seed handler and the API use.
  "lib/runtime/registry/services-file.ts",
];

/** What the API may read from the web console: its built files, served by `routes/console.ts`. */
const RUNTIME_CONSOLE_FILES: readonly string[] = [
  "lib/console/asset.ts",
  "lib/console/assets.generated.ts",
];

const AWS_SDK = /^@aws-sdk\//;
const CDK = /^(aws-cdk-lib|constructs|cdk-nag|aws-cdk)(\/|$)/;

/** Packages a layer must not import. */
const FORBIDDEN_PACKAGES: Partial<Record<Layer, readonly RegExp[]>> = {
  core: [AWS_SDK, CDK],
  runtime: [AWS_SDK, CDK],
  "runtime/aws": [CDK],
  local: [CDK],
  functions: [CDK],
  console: [AWS_SDK, CDK],
};

interface ImportEdge {
  /** Importing file, relative to the repository root, `/`-separated. */
  readonly from: string;
  /** A relative import resolved to a repository path, or a package specifier. */
  readonly to: string;
}

function layerOf(path: string): Layer | undefined {
  if (path.startsWith("lib/core/")) return "core";
  if (path.startsWith("lib/runtime/aws/")) return "runtime/aws";
  if (path.startsWith("lib/runtime/")) return "runtime";
  if (path.startsWith("lib/local/")) return "local";
  if (path.startsWith("lib/cdk/")) return "cdk";
  if (path.startsWith("lib/cli/")) return "cli";
  if (path.startsWith("functions/")) return "functions";
  if (path.startsWith("bin/")) return "bin";
  if (path.startsWith("test/")) return "test";
  if (path.startsWith("bench/")) return "bench";
  if (path.startsWith("lib/console/")) return "console";
  return undefined;
}

/** Every way an edge breaks the rule, as `from → to: why` lines. */
function violations(edges: readonly ImportEdge[]): string[] {
  const found: string[] = [];
  for (const { from, to } of edges) {
    const source = layerOf(from);
    if (source === undefined) continue;
    const isFile = to.includes("/") && /\.(ts|mts|js|json)$/.test(to) && !to.startsWith("@");
    if (!isFile) {
      const bad = FORBIDDEN_PACKAGES[source]?.find((pattern) => pattern.test(to));
      if (bad !== undefined) found.push(`${from} → ${to}: ${source} must not import ${to}`);
      continue;
    }
    if (to.startsWith("functions/")) {
      found.push(`${from} → ${to}: nothing imports a Lambda entry file`);
      continue;
    }
    const target = layerOf(to);
    if (target === undefined) continue;
    if (source === "cdk" && CDK_RUNTIME_CONTRACTS.includes(to)) continue;
    if (source === "runtime" && RUNTIME_CONSOLE_FILES.includes(to)) continue;
    if (!ALLOWED[source].includes(target)) {
      found.push(`${from} → ${to}: ${source} may import only ${ALLOWED[source].join(", ")}`);
    }
  }
  return found;
}

const SPECIFIER =
  /(?:\bimport|\bexport)\s+(?:type\s+)?(?:[\w*\s{},]*?\s+from\s+)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|\bvi\.mock\(\s*["']([^"']+)["']/g;

/** Import specifiers of one file's source, comments ignored. */
function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

function tsFiles(dir: string): string[] {
  const entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
  return entries.flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : tsFiles(path);
    return /\.m?ts$/.test(entry.name) ? [path] : [];
  });
}

function importGraph(): ImportEdge[] {
  const files = ["lib", "functions", "bin", "test", "bench"].flatMap(tsFiles);
  return files.flatMap((from) =>
    specifiers(readFileSync(join(ROOT, from), "utf8")).map((specifier) => ({
      from,
      to: specifier.startsWith(".")
        ? relative(ROOT, join(ROOT, posix.dirname(from), specifier))
            .split(sep)
            .join("/")
        : specifier,
    })),
  );
}

describe("the dependency rule", () => {
  it("holds for the repository's import graph", () => {
    // Prepare
    const graph = importGraph();

    // Act
    const broken = violations(graph);

    // Assess: the graph is real (it sees the layers) and breaks no rule
    expect(graph.length).toBeGreaterThan(500);
    expect(broken).toStrictEqual([]);
  });

  it("reads import, export-from, type-only, dynamic and mocked specifiers, not comments", () => {
    // Prepare
    const source = [
      'import { a } from "./a.ts";',
      'import type {\n  B,\n} from "../b.ts";',
      'export { c } from "./c.ts";',
      'import "./side-effect.ts";',
      'const d = await import("./d.ts");',
      'vi.mock("./e.ts");',
      '/** import { x } from "./commented.ts"; */',
      '// import { y } from "./also-commented.ts";',
    ].join("\n");

    // Act
    const found = specifiers(source);

    // Assess
    expect(found).toStrictEqual([
      "./a.ts",
      "../b.ts",
      "./c.ts",
      "./side-effect.ts",
      "./d.ts",
      "./e.ts",
    ]);
  });

  it("fails when a layer imports upward, skips a layer or reaches a Lambda entry file", () => {
    // Prepare
    const graph: ImportEdge[] = [
      { from: "lib/core/compiler/call.ts", to: "lib/runtime/errors.ts" },
      { from: "lib/runtime/service-call.ts", to: "lib/runtime/aws/clients.ts" },
      { from: "lib/runtime/api/app.ts", to: "lib/local/server.ts" },
      { from: "lib/local/server.ts", to: "functions/api.ts" },
      { from: "test/runtime/service-call.test.ts", to: "functions/service-call.ts" },
      { from: "lib/cdk/baton-handlers.ts", to: "lib/runtime/service-call.ts" },
      { from: "functions/api.ts", to: "lib/local/server.ts" },
      { from: "lib/cli/main.ts", to: "lib/runtime/aws/clients.ts" },
    ];

    // Act
    const broken = violations(graph);

    // Assess
    expect(broken).toStrictEqual([
      "lib/core/compiler/call.ts → lib/runtime/errors.ts: core may import only core",
      "lib/runtime/service-call.ts → lib/runtime/aws/clients.ts: runtime may import only core, runtime",
      "lib/runtime/api/app.ts → lib/local/server.ts: runtime may import only core, runtime",
      "lib/local/server.ts → functions/api.ts: nothing imports a Lambda entry file",
      "test/runtime/service-call.test.ts → functions/service-call.ts: nothing imports a Lambda entry file",
      "lib/cdk/baton-handlers.ts → lib/runtime/service-call.ts: cdk may import only core, cdk",
      "functions/api.ts → lib/local/server.ts: functions may import only core, runtime, runtime/aws",
      "lib/cli/main.ts → lib/runtime/aws/clients.ts: cli may import only core, runtime, local, cli, cdk",
    ]);
  });

  it("fails when pure code imports the AWS SDK or CDK, and handler code imports CDK", () => {
    // Prepare
    const graph: ImportEdge[] = [
      { from: "lib/core/model.ts", to: "@aws-sdk/client-sfn" },
      { from: "lib/runtime/events.ts", to: "@aws-sdk/client-eventbridge" },
      { from: "lib/runtime/registry/model.ts", to: "constructs" },
      { from: "lib/runtime/aws/clients.ts", to: "aws-cdk-lib/aws-lambda" },
      { from: "functions/api.ts", to: "aws-cdk-lib" },
      // allowed: adapters and the local runtime use the SDK; the CDK reads its contracts
      { from: "lib/runtime/aws/clients.ts", to: "@aws-sdk/client-sfn" },
      { from: "lib/local/server.ts", to: "@aws-sdk/client-dynamodb" },
      { from: "lib/local/server.ts", to: "lib/runtime/aws/dynamo-execution-store.ts" },
      { from: "lib/cdk/baton-handlers.ts", to: "lib/runtime/aws/env.ts" },
      { from: "lib/cdk/baton-stack.ts", to: "aws-cdk-lib" },
    ];

    // Act
    const broken = violations(graph);

    // Assess
    expect(broken).toStrictEqual([
      "lib/core/model.ts → @aws-sdk/client-sfn: core must not import @aws-sdk/client-sfn",
      "lib/runtime/events.ts → @aws-sdk/client-eventbridge: runtime must not import @aws-sdk/client-eventbridge",
      "lib/runtime/registry/model.ts → constructs: runtime must not import constructs",
      "lib/runtime/aws/clients.ts → aws-cdk-lib/aws-lambda: runtime/aws must not import aws-cdk-lib/aws-lambda",
      "functions/api.ts → aws-cdk-lib: functions must not import aws-cdk-lib",
    ]);
  });
});

describe("the test tree", () => {
  it("mirrors the source: one folder per lib/ folder, plus flow, integration, parity and support", () => {
    // Prepare
    const folders = (dir: string) =>
      readdirSync(join(ROOT, dir), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();

    // Act
    const tests = folders("test");

    // Assess
    expect(tests).toStrictEqual(
      [...folders("lib"), "flow", "integration", "parity", "support"].sort(),
    );
  });
});
