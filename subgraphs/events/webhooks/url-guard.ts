/**
 * EV7: which URLs a webhook may be delivered to. In production only `https`, and never to an
 * address inside the service's own network (loopback, private, link-local, carrier-grade NAT,
 * cloud metadata, unspecified, multicast and reserved ranges), so registering an endpoint
 * cannot turn the delivery worker into a probe of the internal network (SSRF). The check runs
 * at registration and again before every attempt: a DNS name may be pointed elsewhere later.
 * In development any `http` or `https` URL is allowed, loopback included, so a receiver on the
 * developer's machine works.
 */
import dns from "node:dns";
import net from "node:net";
import { badInput } from "../../../common/errors/errors";

/** Resolves a host name to every address it has (node's dns.lookup with `all: true`); tests inject their own. */
export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: LookupAll = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * The look-up used when none is given: the system's. Tests that run the services in their own
 * process point it at names of their making (a name that moves to 127.0.0.1 after registration).
 */
export const hostResolver: { lookup: LookupAll } = { lookup: systemLookup };

export interface UrlGuardOptions {
  production: boolean;
  lookup?: LookupAll;
}

/** Why a URL is refused, in words a user can act on. */
export class RefusedUrl extends Error {}

const blocked = new net.BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network", 0.0.0.0 the unspecified address
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, 169.254.169.254 the cloud metadata service
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, 255.255.255.255 broadcast
] as const)
  blocked.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["64:ff9b:1::", 48], // local-use NAT64
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local (private), fd00:ec2::254 the EC2 metadata service
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated, still routed internally by some)
  ["ff00::", 8], // multicast
] as const)
  blocked.addSubnet(network, prefix, "ipv6");

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one that a host would reach:
 * IPv4-mapped (`::ffff:127.0.0.1`), IPv4-compatible (`::127.0.0.1`, deprecated) and NAT64
 * (`64:ff9b::7f00:1`). Otherwise undefined.
 */
export function embeddedIpv4(address: string): string | undefined {
  const words = ipv6Words(address);
  if (!words) return undefined;
  const high = words.slice(0, 6);
  const mapped = high.slice(0, 5).every((w) => w === 0) && high[5] === 0xffff;
  const compatible = high.every((w) => w === 0) && (words[6] !== 0 || words[7] > 1);
  const nat64 = words[0] === 0x64 && words[1] === 0xff9b && high.slice(2).every((w) => w === 0);
  if (!mapped && !compatible && !nat64) return undefined;
  return [words[6] >> 8, words[6] & 0xff, words[7] >> 8, words[7] & 0xff].join(".");
}

/** The eight 16-bit words of an IPv6 address (dotted IPv4 tail allowed), or undefined when it is not one. */
function ipv6Words(address: string): number[] | undefined {
  if (net.isIPv6(address) === false) return undefined;
  let text = address.split("%")[0].toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const b = dotted[1].split(".").map(Number);
    text = text.slice(0, -dotted[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headWords = head ? head.split(":") : [];
  const tailWords = tail === undefined ? [] : tail ? tail.split(":") : [];
  const fill = tail === undefined ? 0 : 8 - headWords.length - tailWords.length;
  const words = [...headWords, ...Array<string>(fill).fill("0"), ...tailWords].map((w) => parseInt(w, 16));
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}

/** Whether a delivery must never go to `address` in production. */
export function isInternalAddress(address: string): boolean {
  const v4 = net.isIPv4(address) ? address : embeddedIpv4(address);
  if (v4) return blocked.check(v4, "ipv4");
  if (net.isIPv6(address)) return blocked.check(address.split("%")[0], "ipv6");
  return true; // not an address at all: refuse rather than guess
}

/**
 * Throws RefusedUrl unless `url` may receive deliveries now. In production the host is
 * resolved and every address it has must be outside the internal ranges (one internal answer
 * among public ones would still let an attacker reach it).
 */
export async function assertDeliverableUrl(url: string, options: UrlGuardOptions): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RefusedUrl("is not an absolute URL.");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new RefusedUrl("must be an http or https URL.");
  if (parsed.username || parsed.password) throw new RefusedUrl("must not carry a user name or password.");
  if (!options.production) return parsed;
  if (parsed.protocol !== "https:") throw new RefusedUrl("must be an https URL in production.");
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (net.isIP(host)) {
    if (isInternalAddress(host)) throw new RefusedUrl(`must not point at an internal address (${host}).`);
    return parsed;
  }
  let addresses: { address: string }[];
  try {
    addresses = await (options.lookup ?? hostResolver.lookup)(host);
  } catch {
    throw new RefusedUrl(`its host ${host} does not resolve.`);
  }
  if (addresses.length === 0) throw new RefusedUrl(`its host ${host} does not resolve.`);
  const internal = addresses.find((a) => isInternalAddress(a.address));
  if (internal) throw new RefusedUrl(`its host ${host} resolves to an internal address (${internal.address}).`);
  return parsed;
}

/**
 * A lookup for the HTTP request of an attempt that refuses internal addresses in production:
 * the check happens on the very addresses the socket connects to, so a DNS answer changed
 * between the check and the connection (DNS rebinding) cannot slip through.
 */
export function guardedLookup(options: UrlGuardOptions): LookupAll {
  return async (hostname) => {
    const addresses = await (options.lookup ?? hostResolver.lookup)(hostname);
    if (!options.production) return addresses;
    const internal = addresses.find((a) => isInternalAddress(a.address));
    if (internal) throw new RefusedUrl(`its host ${hostname} resolves to an internal address (${internal.address}).`);
    return addresses;
  };
}

/** At registration or update: a refused URL is BAD_USER_INPUT on the input's `url` (I4). */
export async function checkEndpointUrl(url: string, options: UrlGuardOptions, field = "input.url"): Promise<string> {
  try {
    await assertDeliverableUrl(url, options);
    return url;
  } catch (error) {
    if (error instanceof RefusedUrl) throw badInput(field, error.message);
    throw error;
  }
}
