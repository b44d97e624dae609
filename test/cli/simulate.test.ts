/**
 * `baton simulate` end to end: the repository's workflows through the in-process `baton dev`
 * server against the demo services, real retry delays, small bounded runs (the machine is shared,
 * hence the long timeouts).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../lib/cli/main.ts";

const ROOT = join(import.meta.dirname, "..", "..");

interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function simulate(args: readonly string[]): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["simulate", ...args], {
    stdout: (t: string) => out.push(t),
    stderr: (t: string) => err.push(t),
    cwd: ROOT,
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

interface Report {
  readonly ok: boolean;
  readonly executions: number;
  readonly byWorkflow: Record<string, { total: number; succeeded: number }>;
  readonly calls: { byService: Record<string, { stepCalls: number; succeeded: number }> };
  readonly errors: Record<string, Record<string, number>>;
  readonly coordination: {
    readonly share: Record<string, Record<string, number>>;
    readonly health: Record<string, { unhealthy: number; healthyAtEnd: boolean }>;
  };
  readonly criteria: readonly { name: string; value: number | null; passed: boolean }[];
}

describe("baton simulate", () => {
  it("passes the seed criteria at 10 % transient faults", { timeout: 600_000 }, async () => {
    // Act
    const result = await simulate(["--executions", "30", "--fault-rate", "0.1", "--json"]);

    // Assert
    const report = JSON.parse(result.stdout) as Report;
    expect(report.criteria.map((c) => [c.name, c.passed])).toEqual([
      ["serviceCallSuccess", true],
      ["workflowCompletion", true],
      ["dependencyResolution", true],
      ["coordination", true],
    ]);
    expect(result.code).toBe(0);
    expect(report.executions).toBe(30);
    expect(Object.keys(report.byWorkflow)).toHaveLength(5);
    // Faults were injected and retried: some attempts failed with the injected statuses.
    const patterns = Object.values(report.errors).flatMap((p) => Object.keys(p));
    expect(patterns.some((p) => /HTTP (503|429)/.test(p))).toBe(true);
    // Round robin over the two demo instances of a service.
    expect(Object.keys(report.coordination.share.llm ?? {}).sort()).toEqual(["llm-a", "llm-b"]);
  });

  it("reports a service that is down and exits 1, the other workflows completing", {
    timeout: 600_000,
  }, async () => {
    // Act
    const result = await simulate([
      "--executions",
      "20",
      "--fault-rate",
      "0",
      "--outage",
      "payments",
      "--json",
    ]);

    // Assert
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    const failed = report.criteria.filter((c) => !c.passed).map((c) => c.name);
    expect(failed).toContain("workflowCompletion");
    expect(report.byWorkflow["order-fulfillment"]?.succeeded).toBe(0);
    for (const [name, w] of Object.entries(report.byWorkflow)) {
      if (name !== "order-fulfillment") expect(w.succeeded, name).toBe(w.total);
    }
    expect(report.calls.byService.payments?.succeeded).toBe(0);
    expect(Object.keys(report.errors.payments ?? {}).length).toBeGreaterThan(0);
    expect(report.coordination.health["payments/payments-a"]?.healthyAtEnd).toBe(false);
    expect(report.coordination.health["payments/payments-b"]?.healthyAtEnd).toBe(false);
  });

  it("prints the table with every criterion", { timeout: 600_000 }, async () => {
    // Act
    const result = await simulate([
      "--executions",
      "3",
      "--fault-rate",
      "0",
      "--workflow",
      "user-registration",
    ]);

    // Assert
    expect(result.code).toBe(0);
    for (const label of [
      "service-call success",
      "workflow completion",
      "dependency resolution",
      "coordination",
    ])
      expect(result.stdout).toMatch(new RegExp(`${label}\\s+100\\.0 %\\s+> \\d+ %\\s+pass`));
    expect(result.stdout).toMatch(/user-registration\s+3\/3/);
    expect(result.stdout).toContain("PASS: every criterion met");
  });

  it.each([
    [["--fault-rate", "1.5"], /--fault-rate must be a number from 0 to 1; got "1.5"/],
    [["--executions", "ten"], /--executions must be a whole number from 1 to 100000; got "ten"/],
    [["--concurrency", "0"], /--concurrency must be a whole number from 1 to 1000; got "0"/],
    [["--outage", "nope"], /no service named "nope" to take down/],
    [["--workflows", "no-such-dir"], /--workflows .*no-such-dir is not a folder/],
    [["--services", "x.yaml", "--fault-rate", "0.2"], /cannot be used with --services/],
    [["--workflow", "nope"], /no workflow to simulate/],
    [["--bogus"], /Unknown option '--bogus'/],
  ])("refuses %j with exit 2 and a clear message", { timeout: 120_000 }, async (args, message) => {
    // Act
    const result = await simulate(args);

    // Assert
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
