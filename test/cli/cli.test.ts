import { readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../lib/cli/main.ts";
import { compileWorkflow } from "../../lib/core/compile.ts";
import { buildProject } from "../../lib/core/project/build.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");

async function baton(args: string[], cwd = FIXTURES) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const lines = (text: string): string[] => text.trimEnd().split("\n");

function goodWorkflow() {
  const text = readFileSync(join(FIXTURES, "good.yaml"), "utf8");
  const [file] = buildProject([{ file: "good.yaml", text }]).files;
  if (!file?.ready) throw new Error("fixture good.yaml does not load");
  return file.workflow;
}

/** Line 5 is indented one space too far. Written at test time: `biome check` parses YAML files. */
const BROKEN_YAML = "workflow: syntax\nsteps:\n  - id: a\n    call: svc GET /a\n   - id: b\n";

const NO_COMPENSATION =
  'POST payments /charges has no compensation: it is not undone if a later step fails (add "compensate" to undo it, or "idempotent: true" if it needs no undoing)';

describe("baton validate", () => {
  let project: string;
  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), "baton-cli-"));
    await mkdir(join(project, "workflows"));
    await copyFile(join(FIXTURES, "good.yaml"), join(project, "workflows", "good.yaml"));
    await writeFile(join(project, "workflows", "services.yaml"), "services: []\n");
  });
  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it("validates workflows/ by default, skipping the service registry, and exits 0", async () => {
    // Prepare / Act
    const result = await baton(["validate"], project);

    // Assess
    expect(result).toEqual({ code: 0, stdout: "✓ 1 workflow valid, 0 warnings\n", stderr: "" });
  });

  it("fails when a registry seed named on the command line is reported as a broken workflow", async () => {
    // Prepare: what the shell makes of `baton validate workflows/*`
    await writeFile(join(project, "workflows", "services.json"), '{"services": []}\n');
    // Act
    const result = await baton(
      ["validate", "workflows/good.yaml", "workflows/services.yaml", "workflows/services.json"],
      project,
    );
    // Assess
    expect(result).toEqual({ code: 0, stdout: "✓ 1 workflow valid, 0 warnings\n", stderr: "" });
  });

  it("reports every problem as file:line: code message (hint) and exits 1", async () => {
    // Prepare / Act
    const result = await baton(["validate", "bad.yaml"]);

    // Assess
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toEqual([
      'bad.yaml:7: E_UNKNOWN_DEPENDENCY dependsOn names unknown step "reserv" (did you mean "reserve"?)',
      "bad.yaml:9: E_RETRY retry.maxAttempts must be a whole number between 1 and 99999999, got 0",
      `bad.yaml:12: E_WHEN cannot parse "when" at column 15: expected a path or a literal but found the end (e.g. "input.amount > 100 and steps.charge.body.status == 'ok'")`,
      'bad.yaml:13: W_NO_COMPENSATION warning: POST shipping /shipments has no compensation: it is not undone if a later step fails (add "compensate" to undo it, or "idempotent: true" if it needs no undoing)',
      "✗ 3 errors, 1 warning in 1 file",
    ]);
  });

  it("reports a YAML syntax error at its line", async () => {
    // Prepare
    await writeFile(join(project, "syntax.yaml"), BROKEN_YAML);

    // Act
    const result = await baton(["validate", "syntax.yaml"], project);

    // Assess
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toEqual([
      "syntax.yaml:5:4: E_YAML the items of this list do not start at the same column (line up every '- ' of the list)",
      "✗ 1 error, 0 warnings in 1 file",
    ]);
  });

  it("passes with warnings, and fails on them under --strict", async () => {
    // Prepare / Act
    const lenient = await baton(["validate", "warn.yaml"]);
    const strict = await baton(["--strict", "validate", "warn.yaml"]);

    // Assess
    expect(lenient.code).toBe(0);
    expect(lines(lenient.stdout)).toEqual([
      `warn.yaml:4: W_NO_COMPENSATION warning: ${NO_COMPENSATION}`,
      "✓ 1 workflow valid, 1 warning",
    ]);
    expect(strict.code).toBe(1);
    expect(lines(strict.stdout)).toEqual([
      `warn.yaml:4: W_NO_COMPENSATION ${NO_COMPENSATION}`,
      "✗ 1 error, 0 warnings in 1 file",
    ]);
  });

  it("prints a machine-readable object with --json", async () => {
    // Prepare / Act
    const result = await baton(["validate", "--json", "good.yaml", "warn.yaml"]);

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      errors: 0,
      warnings: 1,
      files: [
        { file: "good.yaml", workflow: "greet", problems: [] },
        {
          file: "warn.yaml",
          workflow: "risky",
          problems: [
            {
              code: "W_NO_COMPENSATION",
              severity: "warning",
              path: "/steps/0/call",
              message: NO_COMPENSATION.split(" (")[0],
              hint: 'add "compensate" to undo it, or "idempotent: true" if it needs no undoing',
              line: 4,
            },
          ],
        },
      ],
    });
  });

  it("checks files and folders together, so duplicate names across them are found", async () => {
    // Prepare: the project folder holds a copy of good.yaml
    const copy = join(project, "workflows", "good.yaml");

    // Act
    const result = await baton(["validate", "--json", "good.yaml", copy]);

    // Assess
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      files: { file: string; problems: { code: string }[] }[];
    };
    expect(report.files.map((f) => f.problems.map((p) => p.code))).toEqual([
      [],
      ["E_DUPLICATE_WORKFLOW"],
    ]);
  });

  it("checks calls against the contracts --services names, offline, reporting the workflow's and the services file's lines", async () => {
    // Prepare
    const dir = join(project, "contracts-case");
    await mkdir(dir, { recursive: true });
    await copyFile(
      join(import.meta.dirname, "../core/fixtures/contracts/payments.openapi.json"),
      join(dir, "payments.yaml"),
    );
    await writeFile(
      join(dir, "services.yaml"),
      "services:\n  - name: payments\n    openapi: payments.yaml\n  - name: email\n    openapi: https://email.example.invalid/openapi.json\n",
    );
    await writeFile(
      join(dir, "pay.yaml"),
      "workflow: pay\nsteps:\n  - id: charge\n    call: payments POST /charge\n    idempotent: true\n",
    );
    // Act
    const result = await baton(
      ["validate", "contracts-case/pay.yaml", "--services", "contracts-case/services.yaml"],
      project,
    );
    const clean = await baton(
      ["validate", "workflows", "--services", "workflows/services.yaml"],
      project,
    );
    // Assess
    expect([result.code, lines(result.stdout)]).toEqual([
      1,
      [
        'contracts-case/pay.yaml:4: E_CONTRACT_ROUTE payments POST /charge: no path of the payments contract (payments.yaml) matches /charge (did you mean "/charges"?)',
        "contracts-case/services.yaml:5: W_CONTRACT_UNCHECKED warning: the email contract (https://email.example.invalid/openapi.json) has no cached copy, so calls to email were not checked against it (validation never fetches: refresh the contract once online (docs/contracts.md), or name a local copy)",
        "✗ 1 error, 1 warning in 2 files",
      ],
    ]);
    expect(clean).toEqual({ code: 0, stdout: "✓ 1 workflow valid, 0 warnings\n", stderr: "" });
  });

  it("exits 2 when --fetch-contracts comes without --services", async () => {
    // Prepare / Act
    const result = await baton(["validate", "good.yaml", "--fetch-contracts"]);
    // Assess
    expect([result.code, lines(result.stderr)[0]]).toEqual([
      2,
      "baton: --fetch-contracts needs --services <file>",
    ]);
  });

  it("exits 2 when a path does not exist", async () => {
    // Prepare / Act
    const result = await baton(["validate", "missing.yaml"]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(lines(result.stderr)[0]).toBe(
      "baton: cannot read missing.yaml: no such file or directory",
    );
  });
});

describe("baton compile", () => {
  it("prints the ASL as JSON", async () => {
    // Prepare / Act
    const result = await baton(["compile", "good.yaml"]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(compileWorkflow(goodWorkflow()));
  });

  it("writes <dir>/<workflow>.asl.json with --out", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "baton-out-"));

    // Act
    const result = await baton(
      ["compile", join(FIXTURES, "good.yaml"), "--out", join(dir, "asl")],
      dir,
    );

    // Assess
    expect(result).toEqual({
      code: 0,
      stdout: `wrote ${join("asl", "greet.asl.json")}\n`,
      stderr: "",
    });
    const written = JSON.parse(
      await readFile(join(dir, "asl", "greet.asl.json"), "utf8"),
    ) as unknown;
    expect(written).toEqual(compileWorkflow(goodWorkflow()));
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a workflow with errors: problems on stderr, exit 1", async () => {
    // Prepare / Act
    const result = await baton(["compile", "bad.yaml"]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(lines(result.stderr).at(-1)).toBe("✗ bad.yaml: 3 errors, 1 warning");
    expect(lines(result.stderr)[0]).toMatch(/^bad\.yaml:7: E_UNKNOWN_DEPENDENCY /);
  });

  it("wraps the ASL and the warnings in an object with --json", async () => {
    // Prepare / Act
    const result = await baton(["compile", "warn.yaml", "--json"]);

    // Assess
    const parsed = JSON.parse(result.stdout) as {
      ok: boolean;
      workflow: string;
      asl: { StartAt: string };
      problems: { code: string }[];
    };
    expect(result.code).toBe(0);
    expect(parsed.ok).toBe(true);
    expect(parsed.workflow).toBe("risky");
    // Its first state is a call Task: the machine starts there (lib/core/entry-request.ts).
    expect(parsed.asl.StartAt).toBe("charge");
    expect(parsed.problems.map((p) => p.code)).toEqual(["W_NO_COMPENSATION"]);
  });

  it("reports errors as JSON with --json, exit 1", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "baton-cli-"));
    await writeFile(join(dir, "syntax.yaml"), BROKEN_YAML);

    // Act
    const result = await baton(["compile", "--json", "syntax.yaml"], dir);
    await rm(dir, { recursive: true, force: true });

    // Assess
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      file: "syntax.yaml",
      problems: [
        {
          code: "E_YAML",
          severity: "error",
          path: "",
          message: "the items of this list do not start at the same column",
          hint: "line up every '- ' of the list",
          line: 5,
          column: 4,
        },
      ],
    });
  });
});

describe("baton graph", () => {
  it("prints a Mermaid flowchart with the compensation marked", async () => {
    // Prepare / Act
    const result = await baton(["graph", "good.yaml"]);

    // Assess
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      "flowchart TD",
      '  start_(("start"))',
      '  end_(("end"))',
      '  s_lookup["lookup<br/>GET users /users/{{ input.userId }}"]',
      '  s_hello["hello<br/>POST email /messages"]',
      "  s_lookup --> s_hello",
      "  start_ --> s_lookup",
      "  s_hello --> end_",
      '  subgraph compensation_["compensation, on failure, in reverse order"]',
      '    c_hello["undo hello<br/>DELETE email /messages/{{ steps.hello.body.id }}"]',
      "  end",
      "  s_hello -.->|compensate| c_hello",
      "  classDef compensation stroke-dasharray: 5 5",
      "  class c_hello compensation",
    ]);
  });

  it("wraps the chart in an object with --json", async () => {
    // Prepare / Act
    const result = await baton(["graph", "good.yaml", "--json"]);

    // Assess
    const parsed = JSON.parse(result.stdout) as { ok: boolean; workflow: string; mermaid: string };
    expect(result.code).toBe(0);
    expect(parsed.ok).toBe(true);
    expect(parsed.workflow).toBe("greet");
    expect(parsed.mermaid.startsWith("flowchart TD\n")).toBe(true);
  });
});

describe("baton cost", () => {
  it("prints transitions and prices for best, expected and worst", async () => {
    // Prepare / Act
    const result = await baton(["cost", "good.yaml", "--executions", "1000"]);

    // Assess: best is lookup (the machine starts at it), hello (ends the run)
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toBe("greet v1 (standard): Step Functions alone (retries included), us-east-1");
    expect(out[3]).toMatch(/^state transitions \/ execution\s+2\s+2\.\d\d\s+\d+$/);
    expect(out.find((l) => l.startsWith("Standard, per million"))).toMatch(
      /^Standard, per million\s+\$50\.00\s/,
    );
    expect(out.find((l) => l.startsWith("Standard, 1,000 executions"))).toMatch(/\$0\.05\s/);
    expect(result.stdout).toContain("$0.025 per 1,000 state transitions");
  });

  it("prints the report object with --json", async () => {
    // Prepare / Act
    const result = await baton([
      "cost",
      "good.yaml",
      "--json",
      "--executions",
      "2000",
      "--map-items",
      "3",
    ]);

    // Assess
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      workflow: string;
      executions: number;
      best: { transitions: number; standard: { total: number } };
      assumptions: { failureRate: number; mapItems: number; callMs: number };
      pricing: { region: string };
    };
    expect(result.code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.workflow).toBe("greet");
    expect(report.executions).toBe(2000);
    expect(report.best.transitions).toBe(2);
    expect(report.best.standard.total).toBeCloseTo(0.1, 10);
    expect(report.assumptions).toMatchObject({ failureRate: 0.05, mapItems: 3, callMs: 100 });
    expect(report.pricing.region).toBe("us-east-1");
  });

  it("prices the whole execution on the success path and at each failure point", async () => {
    // Prepare / Act
    const text = await baton(["cost", "good.yaml", "--memory", "512", "--arch", "x86_64"]);
    const json = await baton(["cost", "good.yaml", "--json", "--type", "express"]);

    // Assess
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      "Whole execution, per path (standard, Lambda 512 MB x86_64, logs at ERROR)",
    );
    expect(text.stdout).toMatch(/^success\s+\d+\s+\d+/m);
    expect(text.stdout).toContain("Prices (us-east-1, on-demand list prices from 2024-11-01");
    expect(text.stdout).toContain("DynamoDB on-demand, write request unit");
    const report = JSON.parse(json.stdout) as {
      deployment: { type: string };
      paths: { path: string; usage: { transitions: number }; usd: { stepFunctions: number } }[];
      prices: { region: string; asOf: string; rows: unknown[] };
    };
    expect(report.deployment.type).toBe("express");
    expect(report.paths[0]?.path).toBe("success");
    expect(report.paths.slice(1).every((p) => p.path.endsWith(" fails"))).toBe(true);
    expect(report.paths[0]?.usage.transitions).toBe(0);
    expect(report.paths[0]?.usd.stepFunctions).toBeGreaterThan(0);
    expect(report.prices.region).toBe("us-east-1");
  });

  it("exits 2 when --arch or --log-level is not one it knows", async () => {
    // Prepare / Act
    const arch = await baton(["cost", "good.yaml", "--arch", "sparc"]);
    const level = await baton(["cost", "good.yaml", "--log-level", "DEBUG"]);

    // Assess
    expect(arch.code).toBe(2);
    expect(lines(arch.stderr)[0]).toBe('baton: --arch must be one of arm64, x86_64; got "sparc"');
    expect(level.code).toBe(2);
    expect(lines(level.stderr)[0]).toBe(
      'baton: --log-level must be one of OFF, ERROR, ALL; got "DEBUG"',
    );
  });

  it("exits 2 when a number option is not a number", async () => {
    // Prepare / Act
    const result = await baton(["cost", "good.yaml", "--executions", "many"]);

    // Assess
    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toBe(
      'baton: --executions must be a whole number >= 1; got "many"',
    );
  });
});

describe("usage", () => {
  it("exits 2 on an unknown command, with the usage", async () => {
    // Prepare / Act
    const result = await baton(["deploy"]);

    // Assess
    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toBe(
      'baton: unknown command "deploy" (commands: validate, compile, graph, cost, dev, run, simulate, schema, events, workflows, start, status, executions)',
    );
    expect(result.stderr).toContain("Usage: baton <command> [options]");
  });

  it("exits 2 on an unknown flag, with the command's usage", async () => {
    // Prepare / Act
    const result = await baton(["graph", "good.yaml", "--colour"]);

    // Assess
    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toBe("baton: Unknown option '--colour'");
    expect(result.stderr).toContain("Usage: baton graph <file>");
  });

  it("exits 2 when the file argument is missing or extra", async () => {
    // Prepare / Act
    const missing = await baton(["compile"]);
    const extra = await baton(["graph", "good.yaml", "warn.yaml"]);

    // Assess
    expect(missing.code).toBe(2);
    expect(lines(missing.stderr)[0]).toBe(
      "baton: missing argument: baton compile <file> [--out dir] [--param k=v …] [--name n]",
    );
    expect(extra.code).toBe(2);
    expect(lines(extra.stderr)[0]).toBe(
      'baton: unexpected argument "warn.yaml": baton graph <file>',
    );
  });

  it("exits 2 when the file is a directory", async () => {
    // Prepare / Act
    const result = await baton(["cost", "."]);

    // Assess
    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toBe("baton: . is a directory; give a workflow file");
  });

  it("exits 2 without a command", async () => {
    // Prepare / Act
    const result = await baton([]);

    // Assess
    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toBe("baton: missing command");
  });

  it("reports usage errors as JSON too with --json", async () => {
    // Prepare / Act
    const result = await baton(["--json", "frobnicate"]);

    // Assess
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: "usage",
      message:
        'unknown command "frobnicate" (commands: validate, compile, graph, cost, dev, run, simulate, schema, events, workflows, start, status, executions)',
    });
  });

  it("prints the version and the help, exit 0", async () => {
    // Prepare
    const pkg = JSON.parse(
      readFileSync(join(import.meta.dirname, "../../package.json"), "utf8"),
    ) as { version: string };

    // Act
    const version = await baton(["--version"]);
    const help = await baton(["--help"]);
    const commandHelp = await baton(["cost", "--help"]);

    // Assess
    expect(version).toEqual({ code: 0, stdout: `baton ${pkg.version}\n`, stderr: "" });
    expect(help.code).toBe(0);
    expect(lines(help.stdout).slice(0, 17)).toEqual([
      "Usage: baton <command> [options]",
      "",
      "Commands:",
      "  validate    check workflow files and report every problem",
      "  compile     compile a workflow to Amazon States Language (JSON)",
      "  graph       print a workflow as a Mermaid flowchart (compensation edges dashed)",
      "  cost        estimate what executions cost in AWS, per path and per million",
      "  dev         run the local server (API, Step Functions, registry) in one process",
      "  run         run a workflow once locally and print its step timeline",
      "  simulate    run the workflows under faults locally against the seed criteria (exit 1 when one fails)",
      "  schema      print a JSON document for editors and tools (workflow, services, openapi)",
      "  events      put an event on the bus of baton dev (or --api), so triggers fire",
      "  workflows   push, list, version, alias, delete and audit workflows on a Baton API",
      "  start       start an execution on a Baton API (name@3 pins a version, name@canary an alias)",
      "  status      show an execution: status, who started it, error, steps (exit 1 when it failed)",
      "  executions  list executions across workflows, newest first (--workflow, --status, --limit)",
      "",
    ]);
    expect(commandHelp.code).toBe(0);
    expect(lines(commandHelp.stdout)[0]).toBe(
      "Usage: baton cost <file> [--executions n] [--type standard|express] [--memory mb] [--arch arm64|x86_64] [--log-level OFF|ERROR|ALL]",
    );
  });

  it("exits 2 when run's --input is not JSON", async () => {
    // Prepare / Act
    const inline = await baton(["run", "good.yaml", "--input", "{nope"]);
    const file = await baton(["run", "good.yaml", "--input", "@nowhere.json"]);

    // Assess
    expect(inline.code).toBe(2);
    expect(lines(inline.stderr)[0]).toMatch(/^baton: --input is not valid JSON: /);
    expect(file.code).toBe(2);
    expect(lines(file.stderr)[0]).toBe("baton: cannot read nowhere.json: no such file");
  });

  it("exits 2 when dev's --port is not a port", async () => {
    // Prepare / Act
    const result = await baton(["dev", "--port", "70000"]);

    // Assess
    expect(result.code).toBe(2);
    expect(lines(result.stderr)[0]).toBe(
      'baton: --port must be a whole number from 0 to 65535; got "70000"',
    );
  });

  it("exits 2 when dev's --region is not a Region-like name, or --registry-dir comes without it", async () => {
    // Prepare / Act
    const upper = await baton(["dev", "--workflows", ".", "--region", "EU-West"]);
    const stray = await baton(["dev", "--workflows", ".", "--registry-dir", "shared"]);

    // Assess
    expect([upper, stray].map((r) => [r.code, lines(r.stderr)[0]])).toEqual([
      [
        2,
        'baton: --region must be lower-case letters, digits and hyphens, at most 32, starting with a letter (e.g. eu-west-1); got "EU-West"',
      ],
      [
        2,
        "baton: --registry-dir needs --region <name>: each instance sharing a registry plays its own Region",
      ],
    ]);
  });

  it("exits 2 when dev's --auth jwt lacks its issuer or audience, or jwt flags come without it", async () => {
    // Prepare / Act
    const noIssuer = await baton(["dev", "--workflows", ".", "--auth", "jwt"]);
    const noAudience = await baton([
      "dev",
      "--workflows",
      ".",
      "--auth",
      "jwt",
      "--jwt-issuer",
      "https://login.example.com",
    ]);
    const stray = await baton(["dev", "--workflows", ".", "--jwt-audience", "a"]);
    const basic = await baton(["dev", "--workflows", ".", "--auth", "basic"]);

    // Assess
    expect([noIssuer, noAudience, stray, basic].map((r) => [r.code, lines(r.stderr)[0]])).toEqual([
      [2, "baton: --auth jwt needs --jwt-issuer <url>; got none"],
      [2, "baton: --auth jwt needs --jwt-audience <aud>: the audience is always enforced"],
      [2, "baton: --jwt-issuer, --jwt-audience and --jwt-jwks-url need --auth jwt"],
      [2, 'baton: --auth must be none or jwt; got "basic"'],
    ]);
  });
});
