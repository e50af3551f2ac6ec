/**
 * Which webhook URLs are acceptable. Always http or https; an operator can also refuse
 * private, loopback and link-local targets (SATANG_WEBHOOK_ALLOW_PRIVATE=false), checked
 * when an endpoint is saved and again, after DNS, before every delivery.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface TargetPolicy {
  allowPrivateTargets: boolean;
}

export function isPrivateAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number);
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (isIP(address) === 6) {
    const lower = address.toLowerCase();
    return lower === '::1' || lower === '::' || lower.startsWith('fc') || lower.startsWith('fd') || lower.startsWith('fe80');
  }
  return false;
}

/** Why a URL cannot be an endpoint, or null when it can. */
export function urlProblem(text: string, policy: TargetPolicy): string | null {
  if (text.length > 2000) return 'url must be at most 2000 characters';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'url must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must be an http or https URL';
  if (url.username || url.password) return 'url must not carry credentials';
  if (!policy.allowPrivateTargets) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host)) return 'url must not point at a private or loopback address';
  }
  return null;
}

/** Resolves the host and refuses private addresses when the policy says so. */
export async function checkResolvedTarget(text: string, policy: TargetPolicy): Promise<string | null> {
  const early = urlProblem(text, policy);
  if (early || policy.allowPrivateTargets) return early;
  const host = new URL(text).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return null;
  const addresses = await lookup(host, { all: true });
  return addresses.some((entry) => isPrivateAddress(entry.address)) ? 'url resolves to a private or loopback address' : null;
}
