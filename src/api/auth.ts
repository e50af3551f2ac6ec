/**
 * HTTP Basic authentication with Omise keys (omise-api.md §1.3, DECISIONS §7): the key is
 * the user name; the password, and even the colon (omise.js sends none), may be absent.
 */
import { timingSafeEqual } from 'node:crypto';
import { authenticationFailure } from '../domain/errors.js';
import { findActiveKey } from '../store/accounts.js';
import type { Store } from '../store/store.js';
import { describeKey, secretDigest } from '../usecases/accounts.js';
import { apiKeyCacheEntriesMax, apiKeyCacheMs } from '../domain/limits.js';

export type KeyAccess = 'public' | 'secret';

export interface Caller {
  accountId: string;
  livemode: number;
  kind: 'public' | 'secret';
  /** The key's last four characters (what the request log shows of it). */
  keyLast4: string;
}

/** The key from an Authorization header, or null. */
export function keyFromAuthorization(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  return key.length > 0 ? key : null;
}

/**
 * Resolves keys to callers. Hits are cached for two seconds, so a rolled key stops working
 * within two seconds everywhere; unknown keys always go to the database.
 */
export class Authenticator {
  private readonly cache = new Map<string, { caller: Caller; expiresAtMs: number }>();
  constructor(private readonly store: Store) {}

  /** The caller an Authorization header names, allowed `access`; or 401 authentication_failure. */
  async authenticate(header: string | undefined, access: KeyAccess): Promise<Caller> {
    return allowed(await this.identify(header), access);
  }

  /** Whose key an Authorization header carries, whatever the route allows; or 401 authentication_failure. */
  async identify(header: string | undefined): Promise<Caller> {
    const nowMs = Date.now();
    // Keyed by the header itself, so a cached key costs no decoding and no hashing.
    const cached = header === undefined ? undefined : this.cache.get(header);
    return cached && cached.expiresAtMs > nowMs ? cached.caller : this.lookUp(header, nowMs);
  }

  private async lookUp(header: string | undefined, nowMs: number): Promise<Caller> {
    const key = keyFromAuthorization(header);
    const described = key ? describeKey(key) : null;
    if (!key || !described) throw authenticationFailure();
    const lookup = described.kind === 'public' ? key : secretDigest(key);
    // Found by the digest's index, then compared in constant time.
    const row = await findActiveKey(this.store.read, lookup);
    if (!row || !timingSafeEqual(Buffer.from(row.lookup), Buffer.from(lookup)) || row.kind !== described.kind || row.livemode !== (described.mode === 'live' ? 1 : 0)) {
      throw authenticationFailure();
    }
    const caller: Caller = { accountId: row.account_id, livemode: row.livemode, kind: row.kind, keyLast4: key.slice(-4) };
    if (this.cache.size >= apiKeyCacheEntriesMax) this.cache.clear();
    this.cache.set(header!, { caller, expiresAtMs: nowMs + apiKeyCacheMs });
    return caller;
  }
}

/** The caller, when its kind of key may call a route of `access`; or 401 authentication_failure (DECISIONS §9). */
export function allowed(caller: Caller, access: KeyAccess): Caller {
  if (access === 'secret' && caller.kind !== 'secret') throw authenticationFailure();
  return caller;
}
