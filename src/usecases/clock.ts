/**
 * The test clock (DECISIONS §8): test mode can move an account's time forward so expiry,
 * void cut-off, refund windows and webhook retries happen in seconds. It never moves back.
 */
import { accountNowMs, type WallClock } from '../domain/clock.js';
import { OmiseError } from '../domain/errors.js';
import { requireTestMode } from '../domain/test-mode.js';
import type { Scope } from '../store/scope.js';
import { advanceTestClock, findAccount } from '../store/accounts.js';
import type { Store, Tx } from '../store/store.js';
import { testClockAheadMsMax, testClockOffsetCacheMs } from '../domain/limits.js';


/**
 * Account clocks for request handling. Offsets are cached for a second: a clock advanced
 * by this process is seen at once, one advanced elsewhere (the `satang clock` command,
 * another process) within a second. On PostgreSQL, where several processes may serve one
 * database, a state change (`fresh`) always reads the offset (a primary-key read on the
 * pool): once an advance is acknowledged, every process's next change runs at the new time.
 */
export class AccountClocks {
  private readonly offsets = new Map<string, { offsetMs: number; fetchedAtMs: number }>();
  private readonly sharedDatabase: boolean;
  constructor(
    private readonly store: Store,
    readonly wall: WallClock,
  ) {
    this.sharedDatabase = store.dialect.sharedByProcesses;
  }

  /** The account's test-mode time (wall time in live mode); `fresh` for a state change. */
  async nowMs(accountId: string, livemode: boolean, fresh = false): Promise<number> {
    const wallNowMs = this.wall.nowMs();
    if (livemode) return wallNowMs;
    const cached = this.offsets.get(accountId);
    if (cached && !(fresh && this.sharedDatabase) && wallNowMs - cached.fetchedAtMs < testClockOffsetCacheMs) return accountNowMs(wallNowMs, false, cached.offsetMs);
    const account = await findAccount(this.store.read, accountId);
    const offsetMs = account?.test_clock_offset_ms ?? 0;
    this.remember(accountId, offsetMs);
    return accountNowMs(wallNowMs, false, offsetMs);
  }

  /**
   * The time for a state change whose use case checks the offset against the account row
   * it reads in its transaction (checkClock): the cached offset, however old (the check
   * catches a moved clock), so the change costs no read of the clock beforehand.
   */
  async forCheckedChange(accountId: string, livemode: boolean): Promise<{ nowMs: number; clockOffsetMs?: number }> {
    const wallNowMs = this.wall.nowMs();
    if (livemode) return { nowMs: wallNowMs };
    const cached = this.offsets.get(accountId);
    if (cached) return { nowMs: accountNowMs(wallNowMs, false, cached.offsetMs), clockOffsetMs: cached.offsetMs };
    const account = await findAccount(this.store.read, accountId);
    const offsetMs = account?.test_clock_offset_ms ?? 0;
    this.remember(accountId, offsetMs);
    return { nowMs: accountNowMs(wallNowMs, false, offsetMs), clockOffsetMs: offsetMs };
  }

  /** The offset a transaction found (ClockMoved): remembered, and the time at it now. */
  moved(accountId: string, offsetMs: number): number {
    this.remember(accountId, offsetMs);
    return accountNowMs(this.wall.nowMs(), false, offsetMs);
  }

  /** Drops the cached offset, so the next request reads the stored one. */
  forget(accountId: string): void {
    this.offsets.delete(accountId);
  }

  private remember(accountId: string, offsetMs: number): void {
    if (this.offsets.size > 10_000) this.offsets.clear();
    this.offsets.set(accountId, { offsetMs, fetchedAtMs: this.wall.nowMs() });
  }
}

export type ClockAdvance = { byMs: number } | { toMs: number };

/** Moves the account's test clock forward (test mode only); returns the new offset from the wall clock. */
export async function advanceClock(tx: Tx, scope: Scope, wallNowMs: number, advance: ClockAdvance): Promise<number> {
  requireTestMode(scope.livemode);
  const accountId = scope.accountId;
  const account = await findAccount(tx, accountId);
  if (!account) throw new OmiseError('not_found', `account ${accountId} was not found`);
  const currentOffsetMs = account.test_clock_offset_ms;
  let offsetMs: number;
  if ('byMs' in advance) {
    if (!Number.isSafeInteger(advance.byMs) || advance.byMs <= 0) throw new OmiseError('bad_request', 'seconds must be a positive integer');
    offsetMs = currentOffsetMs + advance.byMs;
  } else {
    offsetMs = advance.toMs - wallNowMs;
    if (offsetMs <= currentOffsetMs) throw new OmiseError('bad_request', 'the test clock never moves backward: `to` must be later than its current time');
  }
  if (!Number.isSafeInteger(offsetMs) || offsetMs > testClockAheadMsMax) {
    throw new OmiseError('bad_request', 'the test clock can move at most 100 years ahead');
  }
  const stored = await advanceTestClock(tx, accountId, offsetMs);
  return stored ?? offsetMs;
}

export async function readClockOffset(store: Store, accountId: string): Promise<number> {
  return (await findAccount(store.read, accountId))?.test_clock_offset_ms ?? 0;
}
