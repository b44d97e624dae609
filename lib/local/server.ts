/**
 * `baton dev`: the whole of Baton in one Node process, no AWS account. The same compiled ASL runs
 * in aws-local-stepfunctions, the same handlers serve the same HTTP API (API Gateway proxy events
 * built from node:http requests), DynamoDB is dynalite persisted under `<dataDir>/db`, EventBridge
 * is the local bus. Executions that were running when the server stopped (even by `kill -9`) are
 * resumed at the next start on the same data dir, or finish the compensation they had started.
 */
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { formatProblems } from "../core/problems.ts";
import { registrySeedIn } from "../core/project/load.ts";
import { loadTemplateDir } from "../core/project/load-templates.ts";
import { precompileInputSchema } from "../core/schema/input-validator-code.ts";
import { NOT_REPLAYED, STATUS_CHANGE_DETAIL_TYPE, STEP_FUNCTIONS_SOURCE } from "../core/wire.ts";
import { handleApiEvent } from "../runtime/api/app.ts";
import type { ApiDeps } from "../runtime/api/deps.ts";
import { InputValidator } from "../runtime/api/input-validation.ts";
import { JwtVerifier } from "../runtime/auth/jwt-verifier.ts";
import { awaitSignal } from "../runtime/await-signal.ts";
import { setClients } from "../runtime/aws/clients.ts";
import { DynamoDriftStore } from "../runtime/aws/dynamo-drift-store.ts";
import { DynamoEventHistory } from "../runtime/aws/dynamo-event-history.ts";
import { DynamoPauseStore } from "../runtime/aws/dynamo-pause-store.ts";
import { DynamoPeerStore } from "../runtime/aws/dynamo-peer-store.ts";
import { DynamoRegistryStore } from "../runtime/aws/dynamo-registry-store.ts";
import { DynamoServiceLimitStore } from "../runtime/aws/dynamo-service-limit-store.ts";
import { DynamoSignalStore } from "../runtime/aws/dynamo-signal-store.ts";
import { DynamoSlotStore } from "../runtime/aws/dynamo-slot-store.ts";
import { DynamoWorkflowStore } from "../runtime/aws/dynamo-workflow-store.ts";
import { ENV } from "../runtime/aws/env.ts";
import { systemClock } from "../runtime/circuit/clock.ts";
import { LOCAL_REGION } from "../runtime/contracts/drift-record.ts";
import { refreshAllContracts } from "../runtime/contracts/scheduled-refresh.ts";
import { ValidationError } from "../runtime/errors.ts";
import { startExecution } from "../runtime/execution-lifecycle.ts";
import { runHealthChecks } from "../runtime/health-check.ts";
import { releaseOnStatusChange } from "../runtime/limits/concurrency.ts";
import type { SlotStore } from "../runtime/limits/slot-store.ts";
import { MemoryLoadStore } from "../runtime/load/memory-load-store.ts";
import { consoleLogger } from "../runtime/logger.ts";
import { SoleWriterPauseStore } from "../runtime/pause/sole-writer-pause-store.ts";
import { recordHeartbeat } from "../runtime/peers/heartbeat.ts";
import { NO_REPLICATION, SHARED_STORE } from "../runtime/peers/replication-lag.ts";
import { starterDelta } from "../runtime/records/observe.ts";
import type { SignalStore } from "../runtime/records/signal-store.ts";
import { RegistryService } from "../runtime/registry/registry-service.ts";
import { EnvSecretResolver } from "../runtime/registry/secret-headers.ts";
import { seedRegistry } from "../runtime/registry/seed.ts";
import { syncDeployed } from "../runtime/workflows/deployed-sync.ts";
import { StoredCatalogue } from "../runtime/workflows/stored-catalogue.ts";
import { attachActivityLog } from "./activity-log.ts";
import { demoBanner } from "./demo/banner.ts";
import { type DemoServices, startDemoServices } from "./demo/services.ts";
import { countRequests, type RequestCount, startLocalDynamo } from "./dynamo.ts";
import { type ProxyHandler, serveProxyHandler } from "./http-adapter.ts";
import { jwtGate } from "./jwt-gate.ts";
import { LocalDeployer } from "./local-deployer.ts";
import { LocalReplayer } from "./local-replayer.ts";
import { startRecordsWorker } from "./records-worker.ts";
import { createLocalRuntime, type LocalRuntime } from "./runtime.ts";
import { openSharedRegistry } from "./shared-registry.ts";
import { type Watcher, watchWorkflows } from "./watch.ts";
import { type CompiledSet, loadAndCompileDir } from "./workflows.ts";

export interface DevServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly workflowsDir: string;
  /** Registry seed; default `<workflowsDir>/services.yaml` (or `.yml`, `.json`) when it exists. */
  readonly servicesFile?: string;
  readonly dataDir: string;
  /** Templates served by `GET /templates` (docs/templates.md). @default none */
  readonly templatesDir?: string;
  /** Also start the demo services (on the ports of the seed file) and print how to try them. */
  readonly demo?: boolean;
  /** Zero pauses for retries and Wait states (tests). @default false */
  readonly skipDelays?: boolean;
  /** With `skipDelays`, compensations still wait their retry intervals (`LocalEngineOptions`). */
  readonly realUndoDelays?: boolean;
  /** Seconds between health-check rounds. @default 5 */
  readonly healthCheckSeconds?: number;
  /**
   * Seconds between contract refreshes (every registered URL or inline contract read again and
   * the served workflows judged against it; docs/contracts.md). @default 60
   */
  readonly contractRefreshSeconds?: number;
  /** Where lines for the user go. @default console.error for problems, console.log for the banner */
  readonly log?: (line: string) => void;
  readonly out?: (line: string) => void;
  /**
   * Where the activity lines go (execution starts and ends, step failures, retries and undos,
   * registry, health and circuit changes); `false` silences them (`--quiet`). @default `out`
   */
  readonly activity?: ((line: string) => void) | false;
  /** Colour the activity lines. @default false */
  readonly color?: boolean;
  /**
   * `jwt`: every API request needs a bearer token from `issuer` for `audience`, verified as the
   * stack's JWT authorizer does (`jwt-gate.ts`). @default none (callers are `anonymous`)
   */
  readonly auth?: {
    readonly mode: "jwt";
    readonly issuer: string;
    readonly audience: string;
    readonly jwksUrl?: string;
  };
  /**
   * The Region this instance plays: the key of its drift records and its name in `GET /peers`.
   * @default `local`
   */
  readonly region?: string;
  /**
   * Keep the registry in a store shared with every `baton dev` given the same folder, so they are
   * peers (`GET /peers`) and see each other's services (`shared-registry.ts`). @default none: the
   * registry is in the data dir's own store
   */
  readonly registryDir?: string;
  /**
   * Reload workflow files and the services seed when they change (`--watch`, `watch.ts`): each
   * saved workflow is published as its next version, problems are logged. @default false
   */
  readonly watch?: boolean;
}

export interface DevServer {
  readonly url: string;
  readonly compiled: CompiledSet;
  readonly runtime: LocalRuntime;
  /** The signal waiters (tests use it to know an await step is parked). */
  readonly signals: SignalStore;
  /** Concurrency slots and queues (tests check that no slot leaks). */
  readonly slots: SlotStore;
  readonly demo?: DemoServices;
  /** With `watch`: the file watcher (tests wait for it to apply changes). */
  readonly watcher?: Watcher;
  /**
   * Counts the DynamoDB requests of this server's clients (the records thread's included) from
   * now on, by kind (`dynamo.ts` `countRequests`); the function it answers stops and returns the
   * counts. For the benchmarks.
   */
  countDynamoRequests(options?: {
    readonly capacity?: boolean;
  }): Promise<() => Promise<Map<string, RequestCount>>>;
  stop(): Promise<void>;
  /** Same as `stop` (the CLI calls `close`). */
  close(): Promise<void>;
}

const TABLES = {
  registry: "baton-local-registry",
  executions: "baton-local-executions",
  workflows: "baton-local-workflows",
  events: "baton-local-events",
} as const;

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  const out = options.out ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir);
  const servicesFile = options.servicesFile ?? registrySeedIn(options.workflowsDir);
  configureEnvironment();

  const compiled = loadAndCompileDir(
    options.workflowsDir,
    servicesFile === undefined ? {} : { exclude: [servicesFile] },
  );
  for (const line of formatProblems(compiled.problems)) log(line);
  const templates =
    options.templatesDir === undefined
      ? undefined
      : loadTemplateDir(options.templatesDir, basename(options.templatesDir));
  for (const line of formatProblems(templates?.problems ?? [])) log(line);
  for (const file of compiled.refused)
    log(`baton dev: ${file} refused (fix the errors above); the other workflows are served`);

  const cleanup: (() => Promise<void>)[] = [];
  const undo = async (): Promise<void> => {
    for (const step of cleanup.reverse())
      await step().catch((error: unknown) => log(`baton dev: ${String(error)}`));
  };
  try {
    const demo = options.demo === true ? await startDemo(servicesFile) : undefined;
    if (demo !== undefined) cleanup.push(() => demo.close());

    const dynamo = await startLocalDynamo({ path: join(dataDir, "db"), tables: TABLES });
    cleanup.push(() => dynamo.close());
    setClients({ dynamo: dynamo.client });
    const region = options.region ?? LOCAL_REGION;
    const shared =
      options.registryDir === undefined
        ? undefined
        : await openSharedRegistry({
            dir: resolve(options.registryDir),
            tableName: TABLES.registry,
          });
    if (shared !== undefined) {
      cleanup.push(() => shared.close());
      log(
        `baton dev: region ${region}; registry shared through ${resolve(options.registryDir ?? "")} (${shared.hosted ? "served by this instance: stop it last" : `served by another baton dev at ${shared.endpoint}`})`,
      );
    }
    // The registry table (services, circuits, health, drift, peer heartbeats): shared or our own.
    const registryClient = shared?.client ?? dynamo.client;
    const registryStore = new DynamoRegistryStore({
      client: registryClient,
      tableName: TABLES.registry,
    });
    const peerStore = new DynamoPeerStore({ client: registryClient, tableName: TABLES.registry });
    // The records thread keeps the execution records and the bus history (`records-worker.ts`):
    // its store writes every record and workflow head (this API's, its records target's), so what
    // it read once it keeps, with what it wrote since (DynamoDB requests are its main cost).
    const recordsWorker = await startRecordsWorker({
      endpoint: dynamo.endpoint,
      tables: { executions: TABLES.executions, events: TABLES.events },
      catalogue: compiled.catalogue,
    });
    cleanup.push(() => recordsWorker.close());
    const executions = recordsWorker.executions;
    const signals = new DynamoSignalStore({ client: dynamo.client, tableName: TABLES.executions });
    const controlPlane = await openControlPlane(dynamo.client, compiled);

    const slots = new DynamoSlotStore({ client: dynamo.client, tableName: TABLES.executions });
    // This process is the flags' only writer (its API), so each execution's flag is read once.
    const pauses = new SoleWriterPauseStore(
      new DynamoPauseStore({ client: dynamo.client, tableName: TABLES.executions }),
    );
    // One process is every caller: the load counters stay in memory (no DynamoDB request per call,
    // which baton dev's throughput would pay), shared by the service calls and the API.
    const load = new MemoryLoadStore();
    let deps: ApiDeps | undefined;
    const live = await createLocalRuntime({
      compiled,
      machines: (key) => controlPlane.deployer.machine(key),
      registry: registryStore,
      dataDir,
      skipDelays: options.skipDelays ?? false,
      realUndoDelays: options.realUndoDelays ?? false,
      log,
      records: (event) => recordsWorker.record(event),
      parkSignal: (request, engine) => awaitSignal(request, { signals, engine }),
      pauses,
      // A new execution was never paused, and has no record yet: neither is read.
      onNewExecution: (id) => {
        pauses.neverPaused(id);
        executions.created(id);
      },
      serviceLimits: new DynamoServiceLimitStore({
        client: dynamo.client,
        tableName: TABLES.executions,
      }),
      load,
      recordStarter: async (executionId, startedBy) => {
        await executions.merge(
          executionId,
          starterDelta(executionId, { by: startedBy, source: "trigger" }),
        );
      },
      startTriggered: async (workflow, input, key, startedBy) => {
        const entry = compiled.catalogue.get(workflow);
        if (deps === undefined || entry === undefined) {
          log(`baton dev: ${workflow} was not started: the server is still starting`);
          return;
        }
        try {
          await startExecution(deps, entry, input, key, {
            startedBy: { by: startedBy, source: "trigger" },
          });
        } catch (error) {
          log(`baton dev: ${workflow} was not started: ${(error as Error).message}`);
        }
      },
    });
    cleanup.push(() => live.stop());
    recordsWorker.attach({
      publisher: live.publisher,
      trace: (name) => live.engine.trace(name),
    });
    // The bus history (`GET /events`), as the events rule keeps it in AWS: every event but Step
    // Functions' own status changes (the default bus's, in AWS) and replays, from the first one.
    // Stored by the records thread, read here (`GET /events`).
    const history = new DynamoEventHistory({ client: dynamo.client, tableName: TABLES.events });
    live.bus.addRule(
      "event-history",
      { source: [{ "anything-but": [STEP_FUNCTIONS_SOURCE] }], ...NOT_REPLAYED },
      (event) => recordsWorker.history(event),
    );
    const activity = options.activity ?? out;
    if (activity !== false) {
      const detach = attachActivityLog(live.bus, {
        write: activity,
        color: options.color === true,
      });
      cleanup.push(async () => detach());
    }

    for (const { name, wantedPort, url } of demo?.moved ?? [])
      log(`baton dev: demo service ${name} listens on ${url} (port ${wantedPort} is taken)`);
    const seedText =
      demo !== undefined && servicesFile === undefined
        ? demo.servicesYaml()
        : await readSeed(servicesFile).then((text) =>
            text === undefined || demo === undefined ? text : demo.relocate(text),
          );
    if (seedText !== undefined)
      await seed(registryStore, seedText, live, servicesFile ?? "demo services", log);

    const reported = await live.engine.reconcileRecords(
      async (id) => (await executions.get(id))?.status,
    );
    if (reported.length > 0)
      log(`baton dev: ${reported.length} final status(es) the last run did not record, recorded`);
    const { resumed, compensating } = live.engine.resumeInterrupted();
    if (resumed.length + compensating.length > 0) {
      log(
        `baton dev: ${resumed.length + compensating.length} execution(s) were running when the server stopped: ${resumed.length} resumed, ${compensating.length} finishing their compensation`,
      );
    }
    const health = startHealthChecks(registryStore, live, options.healthCheckSeconds ?? 5, log);
    cleanup.push(() => health.stop());
    const drift = new DynamoDriftStore({ client: registryClient, tableName: TABLES.registry });
    const contracts = startTimer(options.contractRefreshSeconds ?? 60, async () => {
      try {
        await refreshAllContracts({
          registry: registryStore,
          catalogue: compiled.catalogue,
          events: live.publisher,
          drift,
          region,
          logger: { ...consoleLogger, warn: (message) => log(`baton dev: ${message}`) },
        });
      } catch (error) {
        log(`baton dev: contract refresh failed: ${(error as Error).message}`);
      }
    });
    cleanup.push(() => contracts.stop());

    deps = {
      catalogue: compiled.catalogue,
      executions,
      signals,
      engine: live.executionEngine,
      slots,
      pauses,
      events: live.publisher,
      registry: new RegistryService({ store: registryStore, events: live.publisher }),
      drift,
      region,
      dlq: live.deadLetters,
      bus: { put: async (entries) => live.bus.put(entries).map((event) => event.id) },
      history,
      replayer: new LocalReplayer(history, live.bus, () => recordsWorker.flushHistory()),
      // Versions an older Baton stored in the data dir have no precompiled code: made here.
      inputValidator: new InputValidator({ precompile: precompileInputSchema }),
      controlPlane,
      load,
      ...(templates === undefined ? {} : { templates: async () => templates.templates }),
      healthChecks: [
        { name: "executions", check: describeTable(dynamo.client, TABLES.executions) },
        { name: "registry", check: describeTable(registryClient, TABLES.registry) },
        { name: "dlq", check: async () => void (await live.deadLetters.count()) },
      ],
    };
    const api = deps;
    // Terminal status changes of limited workflows free their slot and start the next queued one,
    // as the concurrency-slots rule does in AWS.
    live.bus.addRule(
      "concurrency-slots",
      { source: [STEP_FUNCTIONS_SOURCE], "detail-type": [STATUS_CHANGE_DETAIL_TYPE] },
      async (event) => {
        await releaseOnStatusChange(event, { ...api, slots, logger: consoleLogger });
      },
    );
    // Triggers start through the start use case (`deps`), so they are added once it exists;
    // unfinished deliveries resume once every rule is back.
    live.startTriggers();
    const redelivered = live.bus.deliverPending();
    if (redelivered > 0)
      log(`baton dev: ${redelivered} event delivery(ies) the last run left unfinished, resumed`);
    // `GET /peers` needs this instance's URL, known once it listens (port 0 picks one).
    let served: ApiDeps = api;
    const apiHandler: ProxyHandler = (event) => handleApiEvent(event, served);
    const http = await serveProxyHandler(
      options.auth === undefined ? apiHandler : jwtGate(new JwtVerifier(options.auth), apiHandler),
      { port: options.port },
    );
    cleanup.push(() => http.close());
    const heartbeatSeconds = options.healthCheckSeconds ?? 5;
    served = {
      ...api,
      peers: {
        store: peerStore,
        region,
        apiUrl: http.url,
        lag: shared === undefined ? NO_REPLICATION : SHARED_STORE,
        // Three missed heartbeats, and never under 15 s on a loaded machine.
        staleAfterMs: Math.max(15_000, 3 * heartbeatSeconds * 1000),
      },
    };
    const heartbeats = startTimer(heartbeatSeconds, async () => {
      try {
        await recordHeartbeat({ store: peerStore, region, apiUrl: http.url });
      } catch (error) {
        log(`baton dev: peer heartbeat not written: ${(error as Error).message}`);
      }
    });
    cleanup.push(() => heartbeats.stop());
    if (demo !== undefined) out(demoBanner(http.url, compiled, demo));
    const watcher =
      options.watch === true
        ? watchWorkflows({
            workflowsDir: options.workflowsDir,
            ...(servicesFile === undefined ? {} : { servicesFile }),
            ...(seedText === undefined ? {} : { seededText: seedText }),
            publish: { ...controlPlane, catalogue: compiled.catalogue },
            registry: api.registry,
            ...(demo === undefined ? {} : { transformSeed: (text: string) => demo.relocate(text) }),
            log,
          })
        : undefined;
    if (watcher !== undefined) {
      cleanup.push(async () => watcher.close());
      log(`baton dev: watching ${options.workflowsDir} for changes (--watch)`);
    }

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= undo();
      return stopped;
    };
    return {
      url: http.url,
      compiled,
      runtime: live,
      signals,
      slots,
      ...(demo === undefined ? {} : { demo }),
      ...(watcher === undefined ? {} : { watcher }),
      countDynamoRequests: async (options = {}) => {
        const here = countRequests(dynamo.client, options);
        await recordsWorker.countRequests(options);
        return async () => {
          const counts = here.stop();
          for (const [kind, count] of (await recordsWorker.countRequests(false)) ?? []) {
            const sum = counts.get(kind) ?? { requests: 0, units: 0 };
            counts.set(kind, {
              requests: sum.requests + count.requests,
              units: sum.units + count.units,
            });
          }
          return counts;
        };
      },
      stop,
      close: stop,
    };
  } catch (error) {
    await undo();
    throw error;
  }
}

/**
 * The workflows table: the served files join the version history (a changed file goes live as
 * its version), then every stored version is loaded, those published through the API in earlier
 * runs on the same data dir included.
 */
async function openControlPlane(
  client: DynamoDBClient,
  compiled: CompiledSet,
): Promise<{ readonly store: DynamoWorkflowStore; readonly deployer: LocalDeployer }> {
  const store = new DynamoWorkflowStore({ client, tableName: TABLES.workflows, soleWriter: true });
  const deployer = new LocalDeployer(compiled.catalogue, (name) => compiled.machines.get(name));
  const deps = { store, deployer, catalogue: compiled.catalogue };
  await syncDeployed(
    deps,
    compiled.catalogue.list().map((entry) => {
      const text = compiled.project.workflow(entry.name)?.text;
      return text === undefined ? { entry } : { entry, source: text };
    }),
  );
  await new StoredCatalogue({ store, catalogue: compiled.catalogue, everyVersion: true }).refresh();
  return { store, deployer };
}

/** Loopback service URLs are what local development is about; the handlers read these. */
function configureEnvironment(): void {
  process.env[ENV.allowPrivateUrls] = "1";
  process.env[ENV.registryTable] ??= TABLES.registry;
  process.env[ENV.executionsTable] ??= TABLES.executions;
  process.env[ENV.eventBus] ??= "baton-local";
  process.env.AWS_REGION ??= "us-east-1";
}

async function readSeed(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read the services file ${file}: ${(error as Error).message}`);
  }
}

async function seed(
  store: DynamoRegistryStore,
  text: string,
  runtime: LocalRuntime,
  source: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    const services = await seedRegistry(store, text, { events: runtime.publisher });
    log(`baton dev: registry seeded from ${source} (${services.length} services)`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    for (const problem of error.errors)
      log(`${source}: ${problem.path || "/"}: ${problem.message}`);
    log(`baton dev: ${source} refused; register services with PUT /services/{name}`);
  }
}

/** Demo services listen on the ports of the seed file's instances (so the registry is right). */
async function startDemo(servicesFile: string | undefined): Promise<DemoServices> {
  const ports: Record<string, number> = {};
  if (servicesFile !== undefined) {
    const text = await readSeed(servicesFile);
    for (const match of (text ?? "").matchAll(
      /name:\s*([a-z][a-z0-9-]*)[\s\S]*?url:\s*"?http:\/\/127\.0\.0\.1:(\d+)/g,
    )) {
      const [, name, port] = match;
      if (name !== undefined && port !== undefined && ports[name] === undefined)
        ports[name] = Number(port);
    }
  }
  return startDemoServices(
    servicesFile === undefined ? { basePort: 0 } : { ports, movePortsWhenBusy: true },
  );
}

function startHealthChecks(
  store: DynamoRegistryStore,
  runtime: LocalRuntime,
  seconds: number,
  log: (line: string) => void,
): { stop(): Promise<void> } {
  return startTimer(seconds, async () => {
    try {
      await runHealthChecks({
        registry: store,
        events: runtime.publisher,
        clock: systemClock,
        secrets: new EnvSecretResolver(),
      });
    } catch (error) {
      log(`baton dev: health checks failed: ${(error as Error).message}`);
    }
  });
}

/**
 * Runs `work` now and every `seconds`, never two rounds at once. Stopping waits for a round in
 * flight: its registry scan must not outlive the local DynamoDB, which closes its database under
 * it (an uncaught "Database is not open" otherwise).
 */
function startTimer(seconds: number, work: () => Promise<void>): { stop(): Promise<void> } {
  let current: Promise<void> | undefined;
  const round = (): Promise<void> => {
    current ??= work().finally(() => {
      current = undefined;
    });
    return current;
  };
  void round();
  const timer = setInterval(() => void round(), seconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await current;
    },
  };
}

function describeTable(client: DynamoDBClient, table: string) {
  return async (): Promise<void> => {
    await client.send(new DescribeTableCommand({ TableName: table }));
  };
}
