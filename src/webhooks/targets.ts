/**
 * Which webhook URLs are acceptable (DECISIONS §10). Always http or https, without
 * credentials. An operator can also allow global unicast targets only
 * (SATANG_WEBHOOK_ALLOW_PRIVATE=false): a URL is checked when it is registered (its IP
 * literal, or its name, without resolving it) and again before every delivery, after DNS,
 * where every address the name resolves to must be public and the connection is made to
 * one of exactly those addresses (no second lookup a rebinding DNS server could answer
 * differently). Addresses are classified by ipaddr.js, not by hand.
 */
import { lookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { webhookUrlCharsMax } from '../domain/limits.js';

export interface TargetPolicy {
  allowPrivateTargets: boolean;
}

/** An address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses (injectable, so tests never leave loopback). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** What an attempt whose target is refused records: the same words whatever the address or port. */
export const targetRefusedMessage = 'target refused: not a public address';

/** Registration's answer for an address or name that is not a public target. */
const notPublicProblem = 'url must point at a public address: private, loopback, link-local, reserved, multicast and IPv4-embedding addresses and localhost are not allowed';

/**
 * IANA's global unicast block: every IPv6 address outside it is special, including those
 * ipaddr.js calls unicast (the deprecated IPv4-compatible ::/96, for one).
 */
const ipv6GlobalUnicast = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * Whether an address is global unicast: IPv4 outside every special range (loopback, private,
 * link-local, carrier-grade NAT, benchmarking, documentation, multicast, broadcast, reserved,
 * unspecified...); IPv6 inside 2000::/3 and outside every special range there (Teredo, 6to4,
 * documentation, benchmarking...). An IPv6 address embedding an IPv4 one (mapped,
 * compatible, NAT64, translated) is never public, whatever it embeds.
 */
export function isPublicAddress(address: string): boolean {
  if (isIP(address) === 0) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  return parsed.range() === 'unicast' && parsed.match(ipv6GlobalUnicast);
}

/** The URL's host without IPv6 brackets (WHATWG URL has already made IPv4 forms dotted quads). */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Why a host cannot be a target under a public-only policy, judged without resolving it; null when it can. */
function hostProblem(host: string): string | null {
  if (isIP(host) !== 0) return isPublicAddress(host) ? null : notPublicProblem;
  if (host.endsWith('.')) return 'url host must not end in a dot';
  if (host === 'localhost' || host.endsWith('.localhost')) return notPublicProblem;
  return null;
}

/**
 * Why a URL cannot be registered as a webhook target, or null when it can. Names are judged
 * by their spelling only: they are resolved, and their addresses checked, at delivery.
 */
export function urlProblem(text: string, policy: TargetPolicy): string | null {
  if (text.length > webhookUrlCharsMax) return `url must be at most ${webhookUrlCharsMax} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'url must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must be an http or https URL';
  if (url.username || url.password) return 'url must not carry credentials';
  return policy.allowPrivateTargets ? null : hostProblem(bareHost(url));
}

export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};

/** Where one attempt connects: the URL's host and port, and the addresses it may connect to. */
export interface CheckedTarget {
  /** The URL's host, IPv6 without brackets (TLS SNI and certificate checks are on it, never on an address). */
  host: string;
  port: number;
  /** Every address the host resolved to, in the resolver's order, all checked. */
  addresses: ResolvedAddress[];
}

/**
 * Resolves a delivery's target once and checks it: null when the policy refuses it (any
 * refused address refuses the attempt). An IP literal is its own address. Throws the
 * resolver's error when the name does not resolve.
 */
export async function checkTarget(text: string, policy: TargetPolicy, resolve: Resolver): Promise<CheckedTarget | null> {
  if (urlProblem(text, policy) !== null) return null;
  const url = new URL(text);
  const host = bareHost(url);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const family = isIP(host);
  const addresses: ResolvedAddress[] = family !== 0 ? [{ address: host, family: family === 6 ? 6 : 4 }] : await resolve(host);
  if (addresses.length === 0) throw Object.assign(new Error('the host has no address'), { code: 'ENOTFOUND' });
  if (!policy.allowPrivateTargets && !addresses.every((entry) => isPublicAddress(entry.address))) return null;
  return { host, port, addresses };
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net.connect that answers with addresses already resolved and checked, so
 * the connection goes to one of them and nothing is looked up again. Node's net asks with
 * `{all: true}` when it tries several addresses (autoSelectFamily, on by default since
 * Node 20), and for one address otherwise; both are answered, honouring a `family` asked for.
 */
export function pinnedLookup(addresses: ResolvedAddress[]) {
  return (_hostname: string, options: { all?: boolean; family?: number | string } | number | LookupCallback, callback?: LookupCallback): void => {
    const done = (typeof options === 'function' ? options : callback)!;
    const opts = typeof options === 'object' ? options : { family: typeof options === 'number' ? options : undefined };
    const family = opts.family === 'IPv4' ? 4 : opts.family === 'IPv6' ? 6 : Number(opts.family ?? 0);
    const usable = family === 4 || family === 6 ? addresses.filter((entry) => entry.family === family) : addresses;
    if (usable.length === 0) {
      done(Object.assign(new Error('no checked address of the family asked for'), { code: 'ENOTFOUND' }), opts.all ? [] : '');
      return;
    }
    if (opts.all) done(null, usable.map((entry) => ({ address: entry.address, family: entry.family })));
    else done(null, usable[0].address, usable[0].family);
  };
}

/**
 * What a failed connection records: a few fixed texts, never an address or a port, so a
 * merchant reading GET /events cannot use webhook attempts to map a network.
 */
export function networkFailure(error: unknown, timeoutMs: number): string {
  const e = (error ?? {}) as { name?: string; code?: string; message?: string };
  const code = typeof e.code === 'string' ? e.code : '';
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  // Node's words for a peer that hung up during the TLS handshake (code ECONNRESET).
  if (typeof e.message === 'string' && e.message.includes('before secure TLS connection was established')) return 'TLS handshake failed';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ENOTIMP', 'EREFUSED'].includes(code)) return 'could not resolve the host';
  if (['ECONNRESET', 'EPIPE', 'ECONNABORTED'].includes(code)) return 'connection reset';
  if (['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL'].includes(code)) return 'host unreachable';
  if (code.startsWith('HPE_')) return 'invalid HTTP response';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code === 'EPROTO' || /CERT|UNABLE_TO_|SELF_SIGNED/.test(code)) return 'TLS handshake failed';
  return 'connection failed';
}
