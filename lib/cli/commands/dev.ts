import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { DevServer, DevServerOptions } from "../../local/server.ts";
import { type Command, writeJson } from "../command.ts";
import { EXIT, UsageError } from "../io.ts";
import { importLocal } from "./local.ts";

interface ServerModule {
  startDevServer(options: DevServerOptions): Promise<DevServer>;
}

export const dev: Command = {
  name: "dev",
  summary: "run the local server (API, Step Functions, registry) in one process",
  synopsis:
    "dev [--port 3000] [--workflows dir] [--services services.yaml] [--templates dir] [--data-dir .baton] [--region name [--registry-dir dir]] [--demo] [--quiet] [--watch] [--auth jwt --jwt-issuer url --jwt-audience aud [--jwt-jwks-url url]]",
  help: [
    "--port n             HTTP port (default 3000)",
    "--workflows dir      workflow folder (default workflows/)",
    "--services file      service registry seed (default: <workflows>/services.yaml when present)",
    "--templates dir      templates served by GET /templates (default templates/ when present)",
    "--data-dir dir       where local state is kept (default .baton/, or .baton/regions/<name> with --region)",
    "--region name        the Region this instance plays (GET /peers, drift records); with it the registry is shared",
    "--registry-dir dir   with --region: the registry store shared by every baton dev given this folder (default .baton/shared-registry)",
    "--demo               also start the demo services the examples call",
    "--quiet              no activity lines (executions, step failures, retries, undos, registry)",
    "--auth none|jwt      jwt: every request needs a bearer token, checked as the stack's JWT authorizer does (default none)",
    "--jwt-issuer url     with --auth jwt: the OIDC issuer tokens must come from (iss)",
    "--jwt-audience aud   with --auth jwt: the audience tokens must name (aud)",
    "--jwt-jwks-url url   with --auth jwt: the issuer's keys (default: from its OIDC discovery document)",
    "--watch              reload workflow files and the services file when they change",
  ],
  options: {
    port: { type: "string", short: "p" },
    workflows: { type: "string" },
    services: { type: "string" },
    templates: { type: "string" },
    "data-dir": { type: "string" },
    region: { type: "string" },
    "registry-dir": { type: "string" },
    demo: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
    auth: { type: "string" },
    "jwt-issuer": { type: "string" },
    "jwt-audience": { type: "string" },
    "jwt-jwks-url": { type: "string" },
    watch: { type: "boolean", short: "w" },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const port = parsePort(ctx.values.port);
    const text = (name: string): string | undefined => {
      const value = ctx.values[name];
      return typeof value === "string" ? value : undefined;
    };
    const workflowsDir = resolve(ctx.cwd, text("workflows") ?? "workflows");
    if (!isDirectory(workflowsDir)) {
      throw new UsageError(`--workflows ${workflowsDir} is not a folder of workflow files`);
    }
    const services = text("services");
    const templatesDir = resolve(ctx.cwd, text("templates") ?? "templates");
    if (text("templates") !== undefined && !isDirectory(templatesDir)) {
      throw new UsageError(`--templates ${templatesDir} is not a folder of template files`);
    }
    const auth = authOption(text);
    const peer = peerOption(text);
    const module = await importLocal<ServerModule>("server", "startDevServer");
    const line = (write: (text: string) => void) => (text: string) => write(`${text}\n`);
    const server = await startOrExplain(() =>
      module.startDevServer({
        port,
        workflowsDir,
        ...(services === undefined ? {} : { servicesFile: resolve(ctx.cwd, services) }),
        dataDir: resolve(
          ctx.cwd,
          text("data-dir") ?? (peer === undefined ? ".baton" : `.baton/regions/${peer.region}`),
        ),
        ...(peer === undefined
          ? {}
          : { region: peer.region, registryDir: resolve(ctx.cwd, peer.registryDir) }),
        ...(isDirectory(templatesDir) ? { templatesDir } : {}),
        demo: ctx.values.demo === true,
        watch: ctx.values.watch === true,
        log: line(ctx.io.stderr),
        // With --json, stdout carries only the JSON object.
        out: line(ctx.json ? ctx.io.stderr : ctx.io.stdout),
        activity:
          ctx.values.quiet === true ? false : line(ctx.json ? ctx.io.stderr : ctx.io.stdout),
        color: !ctx.json && process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
        ...(auth === undefined ? {} : { auth }),
      }),
    );
    const url = server.url;
    if (ctx.json) writeJson(ctx.io, { ok: true, url });
    else {
      ctx.io.stdout(`baton dev: listening on ${url} (Ctrl-C to stop)\n`);
      if (auth === undefined) ctx.io.stdout(`baton dev: web console at ${url}/\n`);
      else
        ctx.io.stdout(
          `baton dev: every API request needs a bearer token from ${auth.issuer} for ${auth.audience} (web console at ${url}/: paste one there)\n`,
        );
    }
    await stopped(ctx.io.signal);
    await server.close();
    if (!ctx.json) ctx.io.stdout("baton dev: stopped\n");
    return EXIT.ok;
  },
};

/** `--auth jwt` and its issuer and audience (both required: the audience is always enforced). */
function authOption(
  text: (name: string) => string | undefined,
): DevServerOptions["auth"] | undefined {
  const mode = text("auth") ?? "none";
  const issuer = text("jwt-issuer");
  const audience = text("jwt-audience");
  const jwksUrl = text("jwt-jwks-url");
  if (mode === "none") {
    if (issuer !== undefined || audience !== undefined || jwksUrl !== undefined)
      throw new UsageError("--jwt-issuer, --jwt-audience and --jwt-jwks-url need --auth jwt");
    return undefined;
  }
  if (mode !== "jwt") throw new UsageError(`--auth must be none or jwt; got "${mode}"`);
  if (issuer === undefined || !URL.canParse(issuer))
    throw new UsageError(`--auth jwt needs --jwt-issuer <url>; got ${issuer ?? "none"}`);
  if (audience === undefined || audience.trim() === "")
    throw new UsageError("--auth jwt needs --jwt-audience <aud>: the audience is always enforced");
  if (jwksUrl !== undefined && !URL.canParse(jwksUrl))
    throw new UsageError(`--jwt-jwks-url must be a URL; got "${jwksUrl}"`);
  return { mode: "jwt", issuer, audience, ...(jwksUrl === undefined ? {} : { jwksUrl }) };
}

/**
 * `--region` makes this instance a peer: its own data dir, the registry in a store shared with the
 * other instances given the same `--registry-dir` (docs/peers.md#locally-baton-dev-peers).
 */
function peerOption(
  text: (name: string) => string | undefined,
): { readonly region: string; readonly registryDir: string } | undefined {
  const region = text("region");
  const registryDir = text("registry-dir");
  if (region === undefined) {
    if (registryDir !== undefined)
      throw new UsageError(
        "--registry-dir needs --region <name>: each instance sharing a registry plays its own Region",
      );
    return undefined;
  }
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(region))
    throw new UsageError(
      `--region must be lower-case letters, digits and hyphens, at most 32, starting with a letter (e.g. eu-west-1); got "${region}"`,
    );
  return { region, registryDir: registryDir ?? ".baton/shared-registry" };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A server that cannot start because of what it was given (a busy port, an unreadable services
 * file or data folder) is bad usage: a clear message and exit 2, not a stack trace.
 */
async function startOrExplain<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "EADDRINUSE") throw new UsageError(`--port: ${(error as Error).message}`);
    if (
      code === "EACCES" ||
      code === "ENOENT" ||
      code === "ENOTDIR" ||
      code === "EEXIST" ||
      /services file/i.test((error as Error).message ?? "")
    ) {
      throw new UsageError((error as Error).message);
    }
    throw error;
  }
}

function parsePort(raw: string | boolean | readonly string[] | undefined): number {
  if (raw === undefined) return 3000;
  const port = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535; got "${String(raw)}"`);
  }
  return port;
}

/** Resolves when the signal aborts, or on SIGINT/SIGTERM when there is no signal. */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    if (signal) {
      if (signal.aborted) done();
      else signal.addEventListener("abort", () => done(), { once: true });
      return;
    }
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      done();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
