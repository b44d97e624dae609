/**
 * What `jwt` auth costs a request: `GET /workflows` on `baton dev --auth jwt` (a bearer token
 * verified against the issuer's cached keys on every request, as the stack's Lambda authorizer
 * does) against the same request on a `baton dev` without auth in the same run (the baseline),
 * and the verification alone (`JwtVerifier.verify`, warm, RS256 and ES256).
 * Median and p95 of BENCH_ROUNDS requests each (default 300), alternating, over real HTTP.
 *
 *   npx tsx bench/auth.bench.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startDevServer } from "../lib/local/server.ts";
import { JwtVerifier } from "../lib/runtime/auth/jwt-verifier.ts";
import { goodClaims, mintToken, startIssuer, testKey } from "../test/support/oidc-issuer.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const WORKFLOWS = join(import.meta.dirname, "..", "workflows");
const AUDIENCE = "baton-bench";

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const ms = (value: number): string => `${value.toFixed(2)} ms`;

const rsa = testKey("rsa", "RS256");
const ec = testKey("ec", "ES256");
const issuer = await startIssuer([rsa, ec]);
const dir = await mkdtemp(join(tmpdir(), "baton-auth-bench-"));
const common = {
  port: 0,
  workflowsDir: WORKFLOWS,
  skipDelays: true,
  healthCheckSeconds: 3600,
  log: () => {},
  out: () => {},
  activity: false as const,
};
const open = await startDevServer({ ...common, dataDir: join(dir, "open") });
const guarded = await startDevServer({
  ...common,
  dataDir: join(dir, "jwt"),
  auth: { mode: "jwt", issuer: issuer.url, audience: AUDIENCE },
});
const token = mintToken(rsa, goodClaims(issuer.url, AUDIENCE, "bench"));

async function timed(url: string, headers: Record<string, string>): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${url}/workflows`, { headers });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - start;
}

try {
  for (let i = 0; i < 20; i++) {
    await timed(open.url, {});
    await timed(guarded.url, { authorization: `Bearer ${token}` });
  }
  const plain: number[] = [];
  const withJwt: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    plain.push(await timed(open.url, {}));
    withJwt.push(await timed(guarded.url, { authorization: `Bearer ${token}` }));
  }
  const verifier = new JwtVerifier({ issuer: issuer.url, audience: AUDIENCE });
  const verifyCost = async (key: typeof rsa): Promise<number> => {
    const t = mintToken(key, goodClaims(issuer.url, AUDIENCE));
    await verifier.verify(t);
    const start = performance.now();
    for (let i = 0; i < 2000; i++) await verifier.verify(t);
    return (performance.now() - start) / 2000;
  };
  const rs256 = await verifyCost(rsa);
  const es256 = await verifyCost(ec);
  const p50 = quantile(plain, 0.5);
  const j50 = quantile(withJwt, 0.5);
  console.log(`GET /workflows, ${ROUNDS} requests each, alternating`);
  console.log(`  no auth (baseline)   median ${ms(p50)}  p95 ${ms(quantile(plain, 0.95))}`);
  console.log(
    `  --auth jwt (RS256)   median ${ms(j50)}  p95 ${ms(quantile(withJwt, 0.95))}  (${(j50 / p50).toFixed(2)}x the baseline median)`,
  );
  console.log(`verify alone, warm: RS256 ${ms(rs256)}, ES256 ${ms(es256)} per token`);
  console.log(`JWKS fetches: ${issuer.fetches.jwks} (discovery ${issuer.fetches.discovery})`);
} finally {
  await open.stop();
  await guarded.stop();
  await issuer.close();
  await rm(dir, { recursive: true, force: true });
}
