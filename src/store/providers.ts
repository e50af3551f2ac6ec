/**
 * Live providers' rows (DECISIONS §11): an account's settings, the bank's confirmations (recorded as they
 * arrive, deduped on the bank's transaction id, decided by a job after the inquiry), and the evidence of each
 * live charge's payment.
 */
import type { Kysely } from 'kysely';
import { chargeExpiryMs } from '../domain/limits.js';
import type { ChargeRow, DB, ProviderConfirmation, ProviderPayment, ProviderSettings } from './schema.js';

export async function findProviderSettings(db: Kysely<DB>, accountId: string): Promise<ProviderSettings | undefined> {
  return db.selectFrom('provider_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

export async function findProviderSettingsByCallback(db: Kysely<DB>, digest: string): Promise<ProviderSettings | undefined> {
  return db.selectFrom('provider_settings').selectAll().where('callback_digest', '=', digest).executeTakeFirst();
}

export async function saveProviderSettings(db: Kysely<DB>, settings: ProviderSettings): Promise<void> {
  const { account_id: _key, created_at: _created, ...changes } = settings;
  await db
    .insertInto('provider_settings')
    .values(settings)
    .onConflict((oc) => oc.column('account_id').doUpdateSet(changes))
    .execute();
}

/** Records a confirmation unless one with the same transaction id is recorded already; true when it is new. */
export async function insertConfirmation(db: Kysely<DB>, row: ProviderConfirmation): Promise<boolean> {
  const result = await db
    .insertInto('provider_confirmations')
    .values(row)
    .onConflict((oc) => oc.columns(['provider', 'transaction_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function findConfirmationByTransaction(db: Kysely<DB>, provider: ProviderSettings['provider'], transactionId: string): Promise<ProviderConfirmation | undefined> {
  return db.selectFrom('provider_confirmations').selectAll().where('provider', '=', provider).where('transaction_id', '=', transactionId).executeTakeFirst();
}

/** Confirmations waiting for the inquiry and due now, oldest due first. */
export async function dueConfirmations(db: Kysely<DB>, nowMs: number, max: number): Promise<ProviderConfirmation[]> {
  return db.selectFrom('provider_confirmations').selectAll().where('status', '=', 'received').where('next_attempt_at', '<=', nowMs).orderBy('next_attempt_at').orderBy('id').limit(max).execute();
}

/** Takes a due confirmation for `leaseMs` (another process skips it meanwhile); false when someone else took it. */
export async function leaseConfirmation(db: Kysely<DB>, row: ProviderConfirmation, untilMs: number): Promise<boolean> {
  const result = await db
    .updateTable('provider_confirmations')
    .set({ next_attempt_at: untilMs, attempts: row.attempts + 1 })
    .where('id', '=', row.id)
    .where('status', '=', 'received')
    .where('next_attempt_at', '=', row.next_attempt_at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function decideConfirmation(
  db: Kysely<DB>,
  id: string,
  decision: { status: Exclude<ProviderConfirmation['status'], 'received'>; detail: string | null; chargeId: string | null; atMs: number },
): Promise<void> {
  await db
    .updateTable('provider_confirmations')
    .set({ status: decision.status, detail: decision.detail, charge_id: decision.chargeId, decided_at: decision.atMs })
    .where('id', '=', id)
    .where('status', '=', 'received')
    .execute();
}

export async function retryConfirmationAt(db: Kysely<DB>, id: string, atMs: number, detail: string): Promise<void> {
  await db.updateTable('provider_confirmations').set({ next_attempt_at: atMs, detail }).where('id', '=', id).where('status', '=', 'received').execute();
}

export async function insertProviderPayment(db: Kysely<DB>, row: ProviderPayment): Promise<void> {
  await db.insertInto('provider_payments').values(row).execute();
}

/** The live charge a bank reference names, in the account that owns the provider settings. */
export async function findLiveChargeByRef1(db: Kysely<DB>, accountId: string, ref1: string): Promise<ChargeRow | undefined> {
  return db.selectFrom('charges').selectAll().where('qr_ref1', '=', ref1).where('account_id', '=', accountId).where('livemode', '=', 1).executeTakeFirst();
}

/**
 * Live charges of accounts with a provider for the reconciliation sweep: pending ones, and those that expired within
 * `expiredWithinMs` (a payment that reached the bank late is reported, DECISIONS §11). `max` of them, half the most
 * recent and half those nearest their deadline, each once.
 *
 * Read from the accounts with provider settings inward: each of the four lists (pending or lately expired, newest
 * first or nearest the deadline first) is a range of charges_status_list (account, mode, status, created_at), so a
 * pass reads only live charges of those accounts, never the table (a join that started from charges walked every
 * charge, test mode's too: 100 ms of SQLite's reader, on the event loop, every 30 s at 200,000 charges). A charge
 * expires at most chargeExpiryMs after it was made (its deadline is set then, and an expiry only brings it forward,
 * with expired_at at the deadline or, expired by hand, at a moment before it), so one that expired within
 * `expiredWithinMs` was made within `expiredWithinMs + chargeExpiryMs`: that bound changes no answer, and keeps the
 * expired range to a day's charges.
 */
export async function liveChargesToReconcile(db: Kysely<DB>, nowMs: number, max: number, expiredWithinMs: number): Promise<ChargeRow[]> {
  const live = (status: 'pending' | 'expired') => {
    const query = db
      .selectFrom('charges')
      .selectAll()
      .where('account_id', 'in', (eb) => eb.selectFrom('provider_settings').select('provider_settings.account_id'))
      .where('livemode', '=', 1)
      .where('status', '=', status);
    return status === 'pending' ? query : query.where('created_at', '>', nowMs - expiredWithinMs - chargeExpiryMs).where('expired_at', '>', nowMs - expiredWithinMs);
  };
  const [pendingRecent, expiredRecent, pendingNearest, expiredNearest] = await Promise.all([
    live('pending').orderBy('created_at', 'desc').orderBy('id').limit(max).execute(),
    live('expired').orderBy('created_at', 'desc').orderBy('id').limit(max).execute(),
    live('pending').orderBy('expires_at').orderBy('id').limit(max).execute(),
    live('expired').orderBy('expires_at').orderBy('id').limit(max).execute(),
  ]);
  const recent = [...pendingRecent, ...expiredRecent].sort((a, b) => b.created_at - a.created_at || compareIds(a.id, b.id)).slice(0, max);
  const nearest = [...pendingNearest, ...expiredNearest].sort((a, b) => a.expires_at - b.expires_at || compareIds(a.id, b.id)).slice(0, max);
  const picked = new Map<string, ChargeRow>();
  for (let i = 0; picked.size < max && (i < recent.length || i < nearest.length); i++) {
    if (i < recent.length && picked.size < max) picked.set(recent[i].id, recent[i]);
    if (i < nearest.length && picked.size < max) picked.set(nearest[i].id, nearest[i]);
  }
  return [...picked.values()];
}

/** Ids as ORDER BY id gives them: live charge ids differ only in lower-case base-36 characters, which SQLite and PostgreSQL's collations order as ASCII does. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ------------------------------------------------------------------ the dashboard's reads (evidence, reconciliation)

/** The bank's evidence of one charge of an account, if its payment was confirmed. */
export async function providerPaymentOfCharge(db: Kysely<DB>, accountId: string, chargeId: string): Promise<ProviderPayment | undefined> {
  return db.selectFrom('provider_payments').selectAll().where('charge_id', '=', chargeId).where('account_id', '=', accountId).executeTakeFirst();
}

/**
 * The confirmations about one charge of an account, newest first: those decided for it, and those that carry its
 * ref1 without naming a charge (waiting for the inquiry, or rejected before one was found).
 */
export async function confirmationsOfCharge(db: Kysely<DB>, accountId: string, chargeId: string, ref1: string, limit: number): Promise<ProviderConfirmation[]> {
  return db
    .selectFrom('provider_confirmations')
    .selectAll()
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('charge_id', '=', chargeId), eb.and([eb('charge_id', 'is', null), eb('ref1', '=', ref1)])]))
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** An account's confirmations in one of `statuses`, newest first, at most `limit` (the reconciliation report). */
export async function confirmationsWithStatus(db: Kysely<DB>, accountId: string, statuses: readonly ProviderConfirmation['status'][], limit: number): Promise<ProviderConfirmation[]> {
  if (statuses.length === 0) return [];
  return db
    .selectFrom('provider_confirmations')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('status', 'in', [...statuses])
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** A live charge as the reconciliation report lists it. */
export type ReconciledCharge = Pick<ChargeRow, 'id' | 'amount' | 'currency' | 'qr_ref1' | 'paid_at' | 'created_at' | 'refunded_amount' | 'voided_amount' | 'status'>;

/** An account's successful live charges the bank gave no evidence for (no provider_payments row), newest first, at most `limit`. */
export async function successfulLiveChargesWithoutPayment(db: Kysely<DB>, accountId: string, limit: number): Promise<ReconciledCharge[]> {
  return db
    .selectFrom('charges')
    .select(['charges.id', 'charges.amount', 'charges.currency', 'charges.qr_ref1', 'charges.paid_at', 'charges.created_at', 'charges.refunded_amount', 'charges.voided_amount', 'charges.status'])
    .where('charges.account_id', '=', accountId)
    .where('charges.livemode', '=', 1)
    .where('charges.status', '=', 'successful')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('provider_payments').select('provider_payments.charge_id').whereRef('provider_payments.charge_id', '=', 'charges.id'))))
    .orderBy('charges.created_at', 'desc')
    .orderBy('charges.id', 'desc')
    .limit(limit)
    .execute();
}

/** The ids of an account's live charges by ref1, for the references given (a report's links). */
export async function liveChargeIdsByRef1(db: Kysely<DB>, accountId: string, ref1s: readonly string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ref1s.filter((ref1) => ref1 !== ''))];
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom('charges').select(['id', 'qr_ref1']).where('account_id', '=', accountId).where('livemode', '=', 1).where('qr_ref1', 'in', wanted).execute();
  return new Map(rows.map((row) => [row.qr_ref1, row.id]));
}
