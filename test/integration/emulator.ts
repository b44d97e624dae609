/**
 * The deployed tier's lifecycle: start MiniStack (or use an endpoint given in AWS_ENDPOINT_URL),
 * deploy the CDK app to it, tear it down. MiniStack runs as a host process with our Node.js 22 for
 * Lambdas; see .notes/ministack.md for what it does and does not emulate.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type StackOutputs, stripResourceTypes, type Template } from "./support.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const VENV_PYTHON = join(REPO_ROOT, ".venv-integration", "bin", "python");
const LAUNCHER = join(REPO_ROOT, "test", "integration", "ministack_launch.py");
const CDK_BIN = join(REPO_ROOT, "node_modules", ".bin", "cdk");
/** Scratch space for runs (gitignored). Lambda code extracted here resolves `@aws-sdk/*` from the
 * repository's node_modules, as the Lambda runtime's built-in SDK would. */
export const WORK_ROOT = join(REPO_ROOT, ".integration");

export const DEFAULT_REGION = "us-east-1";

/**
 * Resource types to remove from templates before deploying to MiniStack. With the launcher's
 * patches (default) none: it adds AWS::Events::Archive, AWS::StepFunctions::StateMachineVersion
 * and ::StateMachineAlias. Unpatched (BATON_MINISTACK_PATCHES=0) the archive is removed; a
 * version or alias cannot be, as other resources reference it.
 */
export const ministackStripTypes = (patched: boolean): readonly string[] =>
  patched ? [] : ["AWS::Events::Archive"];

/** Whether MiniStack runs with ministack_launch.py's patches (env BATON_MINISTACK_PATCHES). */
export const patchesEnabled = (): boolean => process.env.BATON_MINISTACK_PATCHES !== "0";

export interface Emulator {
  /** `http://127.0.0.1:<port>` for MiniStack, or the external AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly port: number;
  readonly kind: "ministack" | "external";
  /** PID (and process group id) of the spawned MiniStack; undefined for an external endpoint. */
  readonly pid: number | undefined;
  /** MiniStack's state, Lambda code and log live here. */
  readonly dataDir: string;
  /** MiniStack's log file (empty for an external endpoint). */
  readonly logFile: string;
  /** Stops the spawned MiniStack process group (no-op for an external endpoint). */
  stop(): Promise<void>;
}

export interface StartEmulatorOptions {
  /** Where MiniStack keeps state and Lambda code; default a fresh dir under `.integration/`,
   * removed on stop. A given dir is kept. */
  readonly dataDir?: string;
  /** Milliseconds to wait for the health endpoint (default 30 000). */
  readonly readyTimeoutMs?: number;
  /** SFN_WAIT_SCALE: multiplies Wait states and Retry intervals (default: env
   * BATON_SFN_WAIT_SCALE, else 1 = real time). */
  readonly sfnWaitScale?: number;
  /** Apply the test-only fixes in ministack_launch.py (default true unless env
   * BATON_MINISTACK_PATCHES=0). */
  readonly patches?: boolean;
  /** MiniStack LOG_LEVEL (default WARNING). */
  readonly logLevel?: "DEBUG" | "INFO" | "WARNING" | "ERROR";
}

/** A free TCP port on 127.0.0.1 (the OS picks it; a small race with other processes remains). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** Environment without any AWS_* configuration of the caller (profiles, real credentials). */
function withoutAwsConfig(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith("AWS_") && key !== "NODE_OPTIONS") clean[key] = value;
  }
  return clean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Starts MiniStack on a free 127.0.0.1 port in its own process group and waits until healthy.
 * Lambdas run with the Node.js that runs this code (put first on MiniStack's PATH).
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(
      `MiniStack is not installed (${VENV_PYTHON} missing): run \`bash .ci/install-emulator.sh\``,
    );
  }
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch(port, options);
    } catch (error) {
      lastError = error as Error;
      if (!/already in use/.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error("MiniStack did not start");
}

async function launch(port: number, options: StartEmulatorOptions): Promise<Emulator> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = resolve(options.dataDir ?? join(WORK_ROOT, `ministack-${port}-${process.pid}`));
  const tmpDir = join(dataDir, "tmp");
  mkdirSync(tmpDir, { recursive: true });
  // Lambda code is extracted under tmpDir. Without this, the repository's package.json
  // ("type": "module") would make MiniStack's CommonJS worker script and CommonJS bundles ESM.
  // As in /var/task on AWS, `.js` is CommonJS and `.mjs` is ESM.
  writeFileSync(join(dataDir, "package.json"), '{ "type": "commonjs" }\n');
  const logFile = join(dataDir, "ministack.log");
  const log = openSync(logFile, "w");
  const endpoint = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...withoutAwsConfig(process.env),
    // Lambdas are spawned as `node` from PATH: make it the Node.js running this harness (22).
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
    GATEWAY_PORT: String(port),
    BIND_HOST: "127.0.0.1",
    // Hostname MiniStack puts in URLs it hands out (custom-resource ResponseURL, queue URLs).
    MINISTACK_HOST: "127.0.0.1",
    STATE_DIR: join(dataDir, "state"),
    S3_DATA_DIR: join(dataDir, "s3"),
    TMPDIR: tmpDir,
    LOG_LEVEL: options.logLevel ?? "WARNING",
    SFN_WAIT_SCALE: String(options.sfnWaitScale ?? Number(process.env.BATON_SFN_WAIT_SCALE ?? 1)),
    BATON_MINISTACK_PATCHES: (options.patches ?? patchesEnabled()) ? "1" : "0",
    PYTHONUNBUFFERED: "1",
  };
  const child = spawn(VENV_PYTHON, [LAUNCHER], {
    cwd: dataDir,
    env,
    detached: true, // own process group: stop() signals exactly this group
    stdio: ["ignore", log, log],
  });
  const exited = new Promise<number | null>((r) => {
    child.once("exit", (code) => r(code));
    child.once("error", () => r(-1)); // e.g. the interpreter cannot be executed
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const stop = async (): Promise<void> => {
    await killGroup(child, exited);
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      const tail = readTail(logFile);
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`MiniStack exited with code ${exitCode} before it was ready:\n${tail}`);
    }
    if (await healthy(endpoint)) {
      return { endpoint, port, kind: "ministack", pid: child.pid, dataDir, logFile, stop };
    }
    await sleep(100);
  }
  const tail = readTail(logFile);
  await stop();
  throw new Error(`MiniStack was not healthy at ${endpoint} within the timeout:\n${tail}`);
}

/** Whether `endpoint` is a MiniStack (it answers `/_ministack/health`). */
export const isMiniStack = (endpoint: string): Promise<boolean> => healthy(endpoint);

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/_ministack/health`, {
      signal: AbortSignal.timeout(1000),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

async function killGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal); // the group of the process we spawned, nothing else
    } catch {
      // already gone
    }
  };
  signalGroup("SIGTERM");
  const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
  if (!done) {
    signalGroup("SIGKILL");
    await Promise.race([exited, sleep(2000)]);
  }
  // Lambda workers share the group; make sure none outlives MiniStack.
  signalGroup("SIGKILL");
}

function readTail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** An already running endpoint (LocalStack, or real AWS when AWS_ENDPOINT_URL points there). */
export function externalEmulator(endpoint: string): Emulator {
  const url = new URL(endpoint);
  return {
    endpoint: endpoint.replace(/\/+$/, ""),
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    kind: "external",
    pid: undefined,
    dataDir: "",
    logFile: "",
    stop: async () => {},
  };
}

export interface DeployOptions {
  readonly endpoint: string;
  /** Directory with the app's `cdk.json`. */
  readonly appDir: string;
  /** `-c key=value` for synth. */
  readonly context?: Readonly<Record<string, string>>;
  /** Working directory for the cloud assembly, outputs file and CLI logs. */
  readonly workDir?: string;
  /** Resource types removed from the synthesized templates before deploying. */
  readonly stripTypes?: readonly string[];
  readonly region?: string;
  /** Use the caller's AWS credentials instead of test/test (for LocalStack or AWS). */
  readonly inheritCredentials?: boolean;
}

export interface PhaseTimings {
  synthMs: number;
  bootstrapMs: number;
  deployMs: number;
}

export interface Deployment {
  readonly outputs: StackOutputs;
  /** The cloud assembly deployed (pass to `destroyStack`). */
  readonly assemblyDir: string;
  readonly workDir: string;
  /** Resources removed for the emulator, as `Stack/LogicalId (Type)`. */
  readonly stripped: readonly string[];
  readonly timings: PhaseTimings;
  /** Environment that points the CDK CLI and AWS SDKs at the endpoint. */
  readonly env: NodeJS.ProcessEnv;
}

/** Environment for the CDK CLI and SDK clients talking to `endpoint`. */
export function awsEnv(
  endpoint: string,
  region = DEFAULT_REGION,
  inheritCredentials = false,
): NodeJS.ProcessEnv {
  const base = inheritCredentials ? { ...process.env } : withoutAwsConfig(process.env);
  delete base.NODE_OPTIONS;
  return {
    ...base,
    PATH: `${join(REPO_ROOT, "node_modules", ".bin")}:${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: inheritCredentials ? (process.env.AWS_ACCESS_KEY_ID ?? "test") : "test",
    AWS_SECRET_ACCESS_KEY: inheritCredentials
      ? (process.env.AWS_SECRET_ACCESS_KEY ?? "test")
      : "test",
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    CDK_DISABLE_CLI_TELEMETRY: "true",
    CDK_DISABLE_VERSION_CHECK: "true",
  };
}

/**
 * Synthesizes the app, removes `stripTypes` resources, bootstraps the environment (S3 staging
 * bucket, SSM `/cdk-bootstrap/hnb659fds/version`) and deploys every stack. S3 uses path-style
 * addressing by itself because the endpoint is an IP address.
 */
export async function deployStack(options: DeployOptions): Promise<Deployment> {
  const region = options.region ?? DEFAULT_REGION;
  const env = awsEnv(options.endpoint, region, options.inheritCredentials ?? false);
  const workDir = resolve(
    options.workDir ?? join(WORK_ROOT, `deploy-${Date.now()}-${process.pid}`),
  );
  const assemblyDir = join(workDir, "cdk.out");
  const outputsFile = join(workDir, "outputs.json");
  mkdirSync(workDir, { recursive: true });
  const appDir = resolve(options.appDir);
  if (!existsSync(join(appDir, "cdk.json"))) {
    throw new Error(`No cdk.json in ${appDir}: --app must be the CDK app's directory`);
  }
  const contextArgs = Object.entries(options.context ?? {}).flatMap(([k, v]) => [
    "-c",
    `${k}=${v}`,
  ]);
  const cli = (phase: string, args: readonly string[]): Promise<number> =>
    runCdk(phase, args, { cwd: appDir, env, logFile: join(workDir, `cdk-${phase}.log`) });

  const synthMs = await cli("synth", [
    "synth",
    "--no-notices",
    "-q",
    "-o",
    assemblyDir,
    ...contextArgs,
  ]);
  const stripped = stripAssembly(assemblyDir, options.stripTypes ?? []);
  const app = ["--app", assemblyDir, "--no-notices"];
  const bootstrapMs = await cli("bootstrap", ["bootstrap", ...app]);
  const deployMs = await cli("deploy", [
    "deploy",
    ...app,
    "--all",
    "--require-approval",
    "never",
    "--outputs-file",
    outputsFile,
    "--progress",
    "events",
  ]);
  const outputs = readOutputs(outputsFile);
  return {
    outputs,
    assemblyDir,
    workDir,
    stripped,
    timings: { synthMs, bootstrapMs, deployMs },
    env,
  };
}

/** `cdk destroy --all --force` on a deployed assembly (needed only for external endpoints). */
export async function destroyStack(deployment: Deployment): Promise<number> {
  return runCdk(
    "destroy",
    ["destroy", "--app", deployment.assemblyDir, "--no-notices", "--all", "--force"],
    {
      cwd: deployment.workDir,
      env: deployment.env,
      logFile: join(deployment.workDir, "cdk-destroy.log"),
    },
  );
}

/**
 * Always-safe cleanup: destroys the stacks on an external endpoint (MiniStack's state dies with
 * it), then stops the emulator. Errors are reported, not thrown, so cleanup never masks a result.
 */
export async function teardown(emulator: Emulator, deployment?: Deployment): Promise<void> {
  if (deployment && emulator.kind === "external") {
    try {
      await destroyStack(deployment);
    } catch (error) {
      console.error(`[integration] destroy failed: ${(error as Error).message}`);
    }
  }
  try {
    await emulator.stop();
  } catch (error) {
    console.error(`[integration] stopping the emulator failed: ${(error as Error).message}`);
  }
}

interface CdkRun {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
}

/** Runs the pinned CDK CLI; resolves with the elapsed milliseconds, rejects with the log tail. */
function runCdk(phase: string, args: readonly string[], run: CdkRun): Promise<number> {
  const started = performance.now();
  const log = openSync(run.logFile, "w");
  return new Promise((resolveRun, reject) => {
    const child = spawn(CDK_BIN, [...args], {
      cwd: run.cwd,
      env: run.env,
      stdio: ["ignore", log, log],
    });
    child.once("error", (error) =>
      reject(new Error(`cdk ${phase} could not start: ${error.message}`)),
    );
    child.once("exit", (code, signal) => {
      if (code === 0) {
        resolveRun(Math.round(performance.now() - started));
        return;
      }
      reject(
        new Error(
          `cdk ${phase} failed (${signal ?? `exit ${code}`}); log ${run.logFile}:\n${readTail(run.logFile, 30)}`,
        ),
      );
    });
  });
}

function stripAssembly(assemblyDir: string, types: readonly string[]): string[] {
  if (types.length === 0) return [];
  const stripped: string[] = [];
  for (const file of readdirSync(assemblyDir).filter((f) => f.endsWith(".template.json"))) {
    const path = join(assemblyDir, file);
    const template = JSON.parse(readFileSync(path, "utf8")) as Template;
    const result = stripResourceTypes(template, types);
    if (result.removed.length === 0) continue;
    writeFileSync(path, JSON.stringify(result.template, null, 1));
    const stack = file.replace(/\.template\.json$/, "");
    for (const r of result.removed) stripped.push(`${stack}/${r.id} (${r.type})`);
  }
  return stripped;
}

function readOutputs(file: string): StackOutputs {
  if (!existsSync(file)) return {};
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (typeof parsed !== "object" || parsed === null) return {};
  const outputs: Record<string, Record<string, string>> = {};
  for (const [stack, values] of Object.entries(parsed)) {
    if (typeof values !== "object" || values === null) continue;
    outputs[stack] = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
  }
  return outputs;
}
