/**
 * `npm run test:integration`: deploy the CDK app to an AWS emulator and run the scenario files
 * (test/integration/scenarios/*.test.ts) against it with vitest. The exit code is vitest's, or 1
 * when the emulator or the deployment fails, or 2 on bad usage.
 *
 * With AWS_ENDPOINT_URL set, that endpoint is used as is (LocalStack, or AWS); otherwise MiniStack
 * is started on a free 127.0.0.1 port and stopped at the end, whatever happens.
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  DEFAULT_REGION,
  type Deployment,
  deployStack,
  type Emulator,
  externalEmulator,
  isMiniStack,
  ministackStripTypes,
  patchesEnabled,
  REPO_ROOT,
  startEmulator,
  teardown,
  WORK_ROOT,
} from "./emulator.ts";
import { SCENARIO_CONTEXT } from "./fixtures/context.ts";
import { outputsToEnv, parseRunArgs, type RunArgs, USAGE } from "./support.ts";

const log = (message: string): void => console.log(`[integration] ${message}`);

async function main(argv: readonly string[]): Promise<number> {
  let args: RunArgs;
  try {
    args = parseRunArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION;
  const external = process.env.AWS_ENDPOINT_URL || undefined;
  if (external !== undefined && !URL.canParse(external)) {
    console.error(`AWS_ENDPOINT_URL is not a URL: "${external}"`);
    return 2;
  }
  const appDir = resolve(args.app ?? REPO_ROOT);
  if (!existsSync(join(appDir, "cdk.json"))) {
    console.error(`No cdk.json in ${appDir}: --app must be the CDK app's directory\n\n${USAGE}`);
    return 2;
  }
  const started = performance.now();
  let emulator: Emulator | undefined;
  let deployment: Deployment | undefined;
  let stopping = false;
  const cleanup = async (): Promise<void> => {
    if (stopping || emulator === undefined || args.keep) return;
    stopping = true;
    const t = performance.now();
    await teardown(emulator, deployment);
    log(`teardown ${ms(performance.now() - t)}`);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: tearing down`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const t0 = performance.now();
    emulator = external === undefined ? await startEmulator() : externalEmulator(external);
    log(
      `${emulator.kind === "ministack" ? "MiniStack" : "external endpoint"} at ${emulator.endpoint}` +
        ` (ready in ${ms(performance.now() - t0)})`,
    );
    const workDir = join(WORK_ROOT, "last-run");
    rmSync(workDir, { recursive: true, force: true });
    deployment = await deployStack({
      workDir,
      endpoint: emulator.endpoint,
      appDir,
      // The repository's app gets what the scenarios need; --context values win.
      context: args.app === undefined ? { ...SCENARIO_CONTEXT, ...args.context } : args.context,
      region,
      stripTypes:
        emulator.kind === "ministack" || (await isMiniStack(emulator.endpoint))
          ? ministackStripTypes(patchesEnabled())
          : [],
      inheritCredentials: emulator.kind === "external",
    });
    const t = deployment.timings;
    log(
      `deployed ${Object.keys(deployment.outputs).join(", ") || "(no stacks)"}: synth ${ms(t.synthMs)},` +
        ` bootstrap ${ms(t.bootstrapMs)}, deploy ${ms(t.deployMs)}`,
    );
    for (const s of deployment.stripped) log(`not deployed on MiniStack (unsupported): ${s}`);

    const testEnv: NodeJS.ProcessEnv = {
      ...deployment.env,
      ...outputsToEnv(deployment.outputs, { emulatorEndpoint: emulator.endpoint }),
      BATON_INTEGRATION_TARGET: emulator.kind,
    };
    const tests = performance.now();
    const code = await runVitest(args.vitestArgs, testEnv);
    log(`scenarios ${ms(performance.now() - tests)} (vitest exit ${code})`);
    if (args.keep) {
      log(`--keep: left running at ${emulator.endpoint}; outputs in ${deployment.workDir}`);
      if (emulator.pid !== undefined) log(`stop it with: kill -TERM -- -${emulator.pid}`);
    }
    return code;
  } catch (error) {
    console.error(`[integration] ${(error as Error).message}`);
    return 1;
  } finally {
    await cleanup();
    log(`total ${ms(performance.now() - started)}`);
  }
}

function runVitest(extra: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const vitest = join(REPO_ROOT, "node_modules", ".bin", "vitest");
  const config = join(REPO_ROOT, "test", "integration", "vitest.config.ts");
  return new Promise((resolveCode) => {
    const child = spawn(vitest, ["run", "--config", config, ...extra], {
      cwd: REPO_ROOT,
      env,
      stdio: "inherit",
    });
    child.once("error", (error) => {
      console.error(`[integration] vitest could not start: ${error.message}`);
      resolveCode(1);
    });
    child.once("exit", (code, signal) => resolveCode(code ?? (signal ? 1 : 0)));
  });
}

const ms = (value: number): string => `${(value / 1000).toFixed(1)}s`;

// Exit explicitly: with --keep the detached MiniStack would otherwise hold the event loop open.
process.exit(await main(process.argv.slice(2)));
