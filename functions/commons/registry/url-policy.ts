/**
 * Which service URLs Baton may call (SSRF guard). Link-local, cloud metadata, unspecified and
 * multicast targets are always refused; loopback and private ranges only unless
 * `BATON_ALLOW_PRIVATE_URLS=1` (local dev and tests). Checked on the literal URL and on every
 * address its hostname resolves to at registration.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { ENV } from "../config.ts";

/** Resolves a hostname to every address it has (A and AAAA). Injectable for tests. */
export type HostResolver = (hostname: string) => Promise<readonly string[]>;

export const dnsResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export interface UrlPolicy {
  readonly allowPrivate: boolean;
}

export const urlPolicyFromEnv = (env: NodeJS.ProcessEnv = process.env): UrlPolicy => ({
  allowPrivate: env[ENV.allowPrivateUrls] === "1",
});

type AddressClass =
  | "metadata"
  | "link-local"
  | "unspecified"
  | "multicast"
  | "loopback"
  | "private"
  | "public";

const METADATA_HOSTNAMES = new Set([
  "metadata.google.internal",
  "metadata",
  "instance-data",
  "instance-data.ec2.internal",
]);

function list(v4: readonly string[], v6: readonly string[]): BlockList {
  const blockList = new BlockList();
  for (const cidr of v4) addCidr(blockList, cidr, "ipv4");
  for (const cidr of v6) addCidr(blockList, cidr, "ipv6");
  return blockList;
}

function addCidr(blockList: BlockList, cidr: string, family: "ipv4" | "ipv6"): void {
  const [address = "", prefix] = cidr.split("/");
  if (prefix === undefined) blockList.addAddress(address, family);
  else blockList.addSubnet(address, Number(prefix), family);
}

// Order matters: the first matching class names the refusal.
const CLASSES: readonly (readonly [AddressClass, BlockList])[] = [
  ["metadata", list(["169.254.169.254", "169.254.170.2", "100.100.100.200"], ["fd00:ec2::254"])],
  ["link-local", list(["169.254.0.0/16"], ["fe80::/10"])],
  ["unspecified", list(["0.0.0.0/8"], ["::"])],
  ["multicast", list(["224.0.0.0/4", "240.0.0.0/4"], ["ff00::/8"])],
  ["loopback", list(["127.0.0.0/8"], ["::1"])],
  [
    "private",
    list(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"], ["fc00::/7"]),
  ],
];

const ALWAYS_REFUSED: ReadonlySet<AddressClass> = new Set([
  "metadata",
  "link-local",
  "unspecified",
  "multicast",
]);

const DESCRIPTIONS: Record<AddressClass, string> = {
  metadata: "a cloud metadata address",
  "link-local": "a link-local address (169.254.0.0/16, fe80::/10)",
  unspecified: "an unspecified address (0.0.0.0, ::)",
  multicast: "a multicast or reserved address",
  loopback: "a loopback address",
  private: "a private network address",
  public: "a public address",
};

/** Classifies an IP literal (IPv4-mapped IPv6 addresses are checked as IPv4 by BlockList). */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  for (const [name, blockList] of CLASSES) {
    if (blockList.check(address, family)) return name;
  }
  return "public";
}

/** Why an address is refused under `policy`, or undefined when it may be called. */
export function refuseAddress(address: string, policy: UrlPolicy): string | undefined {
  const kind = classifyAddress(address);
  if (kind === "public") return undefined;
  if (ALWAYS_REFUSED.has(kind)) return DESCRIPTIONS[kind];
  if (policy.allowPrivate) return undefined;
  return `${DESCRIPTIONS[kind]}; set ${ENV.allowPrivateUrls}=1 to allow it in local development`;
}

/** The hostname without IPv6 brackets and without a trailing dot, lowercased. */
export const bareHostname = (url: URL): string =>
  url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();

/** Syntax and literal-address checks of a service URL; returns every problem found. */
export function checkServiceUrl(value: string, policy: UrlPolicy): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`"${value}" is not an absolute URL; use e.g. https://inventory.internal:8443`];
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return [`scheme "${url.protocol.replace(/:$/, "")}" is not allowed; use http or https`];
  }
  const problems: string[] = [];
  if (url.username !== "" || url.password !== "") {
    problems.push("credentials in the URL are not allowed; use a secret header instead");
  }
  if (url.search !== "" || url.hash !== "") {
    problems.push("query string and fragment are not allowed in an instance URL");
  }
  const host = bareHostname(url);
  if (host === "") return [...problems, "the URL has no host"];
  if (isIP(host) !== 0) {
    const refusal = refuseAddress(host, policy);
    if (refusal !== undefined) problems.push(`host ${host} is ${refusal}`);
  } else if (METADATA_HOSTNAMES.has(host)) {
    problems.push(`host ${host} is ${DESCRIPTIONS.metadata}`);
  } else if ((host === "localhost" || host.endsWith(".localhost")) && !policy.allowPrivate) {
    problems.push(`host ${host} is ${refuseAddress("127.0.0.1", policy)}`);
  }
  return problems;
}

/**
 * Resolves a URL's hostname and checks every address. IP literals need no lookup. Returns the
 * problems found (an unresolvable host is one).
 */
export async function checkResolvedUrl(
  value: string,
  policy: UrlPolicy,
  resolver: HostResolver,
): Promise<string[]> {
  const host = bareHostname(new URL(value));
  if (isIP(host) !== 0) return [];
  let addresses: readonly string[];
  try {
    addresses = await resolver(host);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return [`host ${host} does not resolve${typeof code === "string" ? ` (${code})` : ""}`];
  }
  if (addresses.length === 0) return [`host ${host} does not resolve`];
  const problems: string[] = [];
  for (const address of addresses) {
    const refusal = isIP(address) === 0 ? "not an IP address" : refuseAddress(address, policy);
    if (refusal !== undefined) problems.push(`host ${host} resolves to ${address}, ${refusal}`);
  }
  return problems;
}
