/**
 * Which service URLs Baton may call (SSRF guard). Link-local, cloud metadata, unspecified and
 * multicast targets are always refused; loopback and private ranges only unless
 * `BATON_ALLOW_PRIVATE_URLS=1` (local dev and tests). Checked on the literal URL and on every
 * address its hostname resolves to at registration.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/** Resolves a hostname to every address it has (A and AAAA). Injectable for tests. */
export type HostResolver = (hostname: string) => Promise<readonly string[]>;

export const dnsResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export interface UrlPolicy {
  readonly allowPrivate: boolean;
}

/** Set to `1` to allow loopback/private service URLs (local dev and tests only). */
export const ALLOW_PRIVATE_URLS_VARIABLE = "BATON_ALLOW_PRIVATE_URLS";

export const urlPolicyFromEnv = (env: NodeJS.ProcessEnv = process.env): UrlPolicy => ({
  allowPrivate: env[ALLOW_PRIVATE_URLS_VARIABLE] === "1",
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
    list(
      ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"],
      ["fc00::/7", "fec0::/10"],
    ),
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

/**
 * Classifies an IP literal. IPv4-mapped IPv6 addresses are checked as IPv4 by BlockList; IPv6
 * forms that carry an IPv4 address elsewhere (NAT64 `64:ff9b::/96`, 6to4 `2002::/16`,
 * IPv4-compatible `::a.b.c.d`) are classified by the IPv4 address they reach.
 */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  for (const [name, blockList] of CLASSES) {
    if (blockList.check(address, family)) return name;
  }
  const embedded = family === "ipv6" ? embeddedIpv4(address) : undefined;
  return embedded === undefined ? "public" : classifyAddress(embedded);
}

/** The IPv4 address an IPv6 translation or tunnelling form reaches, if it is one. */
function embeddedIpv4(address: string): string | undefined {
  const words = ipv6Words(address);
  if (words === undefined) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zero = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (words[0] === 0x64 && words[1] === 0xff9b && zero(2, 6))
    return v4(words[6] ?? 0, words[7] ?? 0);
  if (words[0] === 0x2002) return v4(words[1] ?? 0, words[2] ?? 0);
  if (zero(0, 6) && (words[6] ?? 0) !== 0) return v4(words[6] ?? 0, words[7] ?? 0);
  return undefined;
}

/** The eight 16-bit words of an IPv6 literal (dotted IPv4 tails included). */
function ipv6Words(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((w) => Number.parseInt(w, 16));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = 8 - left.length - right.length;
  const words =
    tail === undefined ? left : [...left, ...Array<number>(Math.max(fill, 0)).fill(0), ...right];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff)
    ? words
    : undefined;
}

/** Why an address is refused under `policy`, or undefined when it may be called. */
export function refuseAddress(address: string, policy: UrlPolicy): string | undefined {
  const kind = classifyAddress(address);
  if (kind === "public") return undefined;
  if (ALWAYS_REFUSED.has(kind)) return DESCRIPTIONS[kind];
  if (policy.allowPrivate) return undefined;
  return `${DESCRIPTIONS[kind]}; set ${ALLOW_PRIVATE_URLS_VARIABLE}=1 to allow it in local development`;
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
