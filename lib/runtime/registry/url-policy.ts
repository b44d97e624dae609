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
  [
    "metadata",
    list(
      ["169.254.169.254", "169.254.170.2", "169.254.170.23", "100.100.100.200"],
      ["fd00:ec2::254", "fd00:ec2::23"],
    ),
  ],
  ["link-local", list(["169.254.0.0/16"], ["fe80::/10"])],
  ["unspecified", list(["0.0.0.0/8"], ["::"])],
  // Discard-only 100::/64 and documentation 2001:db8::/32 are never a service.
  ["multicast", list(["224.0.0.0/4", "240.0.0.0/4"], ["ff00::/8", "100::/64", "2001:db8::/32"])],
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
 * Classifies an IP literal. IPv4-mapped IPv6 addresses are checked as IPv4 by BlockList. IPv6 forms
 * that reach an IPv4 address are classified by it (the most severe when a form holds two):
 * IPv4-translated `::ffff:0:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
 * `2002::/16`, Teredo `2001::/32` (server and client), ISATAP interface ids (`…:5efe:a.b.c.d`).
 * The local-use NAT64 prefix `64:ff9b:1::/48` is private whatever it embeds, and refused outright
 * when any RFC 6052 layout (/48, /56, /64, /96) would reach a metadata or link-local address.
 */
export function classifyAddress(literal: string): AddressClass {
  // A zone id (`fe80::1%eth0`, as DNS may answer) names an interface, not another address.
  const address = literal.replace(/%.*$/, "");
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  const own = CLASSES.find(([, blockList]) => blockList.check(address, family))?.[0] ?? "public";
  if (family === "ipv4") return own;
  const words = ipv6Words(address);
  if (words === undefined) return own;
  const embedded = embeddedIpv4(words).map(classifyAddress);
  if (isLocalNat64(words)) {
    // Layouts that do not apply read zeros (0.0.0.0): only a reachable metadata or link-local
    // address counts, or every local-use address would be refused.
    const dangerous = embedded.filter((kind) => kind === "metadata" || kind === "link-local");
    return mostSevere([own, "private", ...dangerous]);
  }
  return mostSevere([own, ...embedded]);
}

/** Classes from most to least severe (the order of CLASSES, then public). */
const SEVERITY: readonly AddressClass[] = [...CLASSES.map(([name]) => name), "public"];
const mostSevere = (kinds: readonly AddressClass[]): AddressClass =>
  SEVERITY.find((kind) => kinds.includes(kind)) ?? "public";

const isLocalNat64 = (w: readonly number[]): boolean =>
  w[0] === 0x64 && w[1] === 0xff9b && w[2] === 0x0001;

const dotted = (bytes: readonly number[]): string => bytes.join(".");
const bytesOf = (words: readonly number[]): number[] => words.flatMap((w) => [w >> 8, w & 255]);

/** The IPv4 addresses an IPv6 translation or tunnelling form reaches (none for a plain address). */
function embeddedIpv4(w: readonly number[]): string[] {
  const b = bytesOf(w);
  const zero = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  const low32 = dotted(b.slice(12, 16));
  // IPv4-translated ::ffff:0:a.b.c.d (SIIT); IPv4-mapped ::ffff:a.b.c.d is BlockList's own.
  if (zero(0, 4) && w[4] === 0xffff && w[5] === 0) return [low32];
  if (zero(0, 6) && (w[6] !== 0 || (w[7] ?? 0) > 1)) return [low32]; // IPv4-compatible ::a.b.c.d
  if (w[0] === 0x64 && w[1] === 0xff9b && zero(2, 6)) return [low32]; // NAT64 well-known prefix
  if (isLocalNat64(w)) {
    // RFC 6052 layouts: bits 64-71 are always skipped (the "u" octet).
    return [
      dotted([...b.slice(6, 8), ...b.slice(9, 11)]), // /48
      dotted([b[7] ?? 0, ...b.slice(9, 12)]), // /56
      dotted(b.slice(9, 13)), // /64
      low32, // /96
    ];
  }
  if (w[0] === 0x2002) return [dotted(b.slice(2, 6))]; // 6to4
  if (w[0] === 0x2001 && w[1] === 0) {
    // Teredo: the server's address, and the client's, stored inverted.
    return [dotted(b.slice(4, 8)), dotted(b.slice(12, 16).map((x) => x ^ 255))];
  }
  if ((w[4] === 0 || w[4] === 0x200) && w[5] === 0x5efe) return [low32]; // ISATAP
  return [];
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
  if (isIP(address.replace(/%.*$/, "")) === 0) return "not an IP address";
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
