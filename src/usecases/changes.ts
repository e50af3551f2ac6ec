/**
 * The change runner: every state change goes through it, whoever asks (the API, the dashboard,
 * the wallet simulator, the expiry sweep, the `satang` command). It owns what every change
 * needs and none should do for itself:
 *
 * - one transaction, through the store's group commit, replying only after the commit;
 * - for a change to an account and mode: the account read in that transaction and the test clock
 *   checked against it (the time a change runs at comes from a cached offset, so it costs no read
 *   beforehand; a clock that moved meanwhile is a value, and the change runs again at its time);
 * - an Idempotency-Key: the same key and request within 24 hours replays the first answer;
 * - the audit line of an operator's or the `satang` command's change, in the same transaction;
 * - after the commit, a nudge to the webhook dispatcher (the change may have written events).
 */
import { OmiseError } from '../domain/errors.js';
import { clockMovedRetriesMax, idempotencyRecordTtlMs } from '../domain/limits.js';
import type { WallClock } from '../domain/clock.js';
import { findAccount } from '../store/accounts.js';
import { deleteIdempotencyRecord, findIdempotencyRecord, insertIdempotencyRecord } from '../store/idempotency.js';
import type { IdempotencyRecord } from '../store/schema.js';
import type { Scope } from '../store/scope.js';
import { isUniqueViolation, type Store, type Tx } from '../store/store.js';
import type { AccountClocks } from './clock.js';
import type { UseCaseContext } from './context.js';
import { type Actor, recordAudit } from './operators.js';

/** An Idempotency-Key and what identifies the request it came with (method, path and parameters). */
export interface IdempotencyKey {
  key: string;
  requestHash: string;
}

/** The audit line of a change: who, what, on what (DECISIONS §7: operators' actions, and the `satang` command's). */
export interface AuditLine {
  actor: Actor;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

/** A change to one account and mode. */
export interface AccountChange {
  scope: Scope;
  idempotency?: IdempotencyKey;
  audit?: AuditLine;
}

/** What a change answered: its value, or (an Idempotency-Key seen before) the first answer again. */
export type ChangeResult<T> = { replayed: false; value: T } | { replayed: true; status: number; body: unknown };

/** What the transaction of a change found. */
type Attempt<T> = { kind: 'done'; value: T } | { kind: 'replay'; record: IdempotencyRecord } | { kind: 'clock moved'; offsetMs: number };

export interface ChangeRunnerOptions {
  store: Store;
  clocks: AccountClocks;
  wall: WallClock;
  publicUrl: string;
  /** After a change committed: there may be events to deliver. */
  onCommitted: () => void;
}

export class ChangeRunner {
  constructor(private readonly options: ChangeRunnerOptions) {}

  /**
   * Runs a change to one account and mode: `unit` gets the transaction and the context (the
   * account's time, checked against its test clock in this transaction, and the account row).
   */
  async forAccount<T>(change: AccountChange, unit: (tx: Tx, ctx: UseCaseContext) => Promise<T>): Promise<ChangeResult<T>> {
    const { clocks, publicUrl } = this.options;
    const { scope } = change;
    const livemode = scope.livemode === 1;
    let { nowMs, clockOffsetMs } = await clocks.forCheckedChange(scope.accountId, livemode);
    for (let attempt = 0, duplicates = 0; ; attempt++) {
      // Past the retries, another process keeps moving the clock: run at a fresh read, unchecked.
      const checkedOffsetMs = attempt <= clockMovedRetriesMax ? clockOffsetMs : undefined;
      let outcome: Attempt<T>;
      try {
        outcome = await this.options.store.transaction(async (tx): Promise<Attempt<T>> => {
          const account = await findAccount(tx, scope.accountId);
          if (!account) throw new Error(`account ${scope.accountId} vanished`);
          if (!livemode && checkedOffsetMs !== undefined && account.test_clock_offset_ms !== checkedOffsetMs) {
            return { kind: 'clock moved', offsetMs: account.test_clock_offset_ms };
          }
          const replay = change.idempotency && (await this.replayable(tx, scope, change.idempotency));
          if (replay) return { kind: 'replay', record: replay };
          const ctx: UseCaseContext = { scope, nowMs, publicUrl, account };
          const value = await unit(tx, ctx);
          if (change.idempotency) await this.remember(tx, scope, change.idempotency, value);
          if (change.audit) await this.audit(tx, scope, change.audit);
          return { kind: 'done', value };
        });
      } catch (error) {
        // Another process committed the same Idempotency-Key between our read and our write: replay it.
        if (change.idempotency && isUniqueViolation(error) && duplicates++ < 2) continue;
        throw error;
      }
      if (outcome.kind === 'clock moved') {
        if (attempt < clockMovedRetriesMax) {
          nowMs = clocks.moved(scope.accountId, outcome.offsetMs);
          clockOffsetMs = outcome.offsetMs;
        } else {
          nowMs = await clocks.nowMs(scope.accountId, false, true);
        }
        continue;
      }
      if (outcome.kind === 'replay') {
        if (outcome.record.request_hash !== change.idempotency!.requestHash) {
          throw new OmiseError('bad_request', 'Idempotency-Key was already used with different parameters');
        }
        return { replayed: true, status: outcome.record.response_status, body: JSON.parse(outcome.record.response_body) };
      }
      this.options.onCommitted();
      return { replayed: false, value: outcome.value };
    }
  }

  /**
   * Runs a change that belongs to no one account and mode (the expiry sweep's batch, operators
   * and their sessions, accounts made or changed by the `satang` command), with its audit line.
   */
  async system<T>(unit: (tx: Tx) => Promise<T>, audit?: AuditLine & { scope?: Scope }): Promise<T> {
    const value = await this.options.store.transaction(async (tx) => {
      const result = await unit(tx);
      if (audit) await this.audit(tx, audit.scope ?? null, audit);
      return result;
    });
    this.options.onCommitted();
    return value;
  }

  /** The record of an Idempotency-Key still in force; an older one frees the key (it is deleted). */
  private async replayable(tx: Tx, scope: Scope, idempotency: IdempotencyKey): Promise<IdempotencyRecord | undefined> {
    const existing = await findIdempotencyRecord(tx, scope, idempotency.key);
    if (!existing) return undefined;
    if (existing.created_at > this.options.wall.nowMs() - idempotencyRecordTtlMs) return existing;
    await deleteIdempotencyRecord(tx, scope, idempotency.key);
    return undefined;
  }

  private async remember(tx: Tx, scope: Scope, idempotency: IdempotencyKey, value: unknown): Promise<void> {
    await insertIdempotencyRecord(tx, {
      account_id: scope.accountId,
      livemode: scope.livemode,
      key: idempotency.key,
      request_hash: idempotency.requestHash,
      response_status: 200,
      response_body: JSON.stringify(value),
      created_at: this.options.wall.nowMs(),
    });
  }

  private async audit(tx: Tx, scope: Scope | null, line: AuditLine): Promise<void> {
    await recordAudit(tx, line.actor, scope, line.action, line.target, line.details, this.options.wall.nowMs());
  }
}

/** A change's value, whatever a replay would have said: for callers that send no Idempotency-Key. */
export function valueOf<T>(result: ChangeResult<T>): T {
  if (result.replayed) throw new Error('a change without an Idempotency-Key was replayed');
  return result.value;
}


