/**
 * Live providers' rows (DECISIONS §11): an account's settings, the bank's confirmations (recorded as they
 * arrive, deduped on the bank's transaction id, decided by a job after the inquiry), and the evidence of each
 * live charge's payment.
 */
import type { Kysely } from 'kysely';
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
 */
export async function liveChargesToReconcile(db: Kysely<DB>, nowMs: number, max: number, expiredWithinMs: number): Promise<ChargeRow[]> {
  const base = () =>
    db
      .selectFrom('charges')
      .selectAll('charges')
      .innerJoin('provider_settings', 'provider_settings.account_id', 'charges.account_id')
      .where('charges.livemode', '=', 1)
      .where((eb) => eb.or([eb('charges.status', '=', 'pending'), eb.and([eb('charges.status', '=', 'expired'), eb('charges.expired_at', '>', nowMs - expiredWithinMs)])]));
  const recent = await base().orderBy('charges.created_at', 'desc').orderBy('charges.id').limit(max).execute();
  const nearest = await base().orderBy('charges.expires_at').orderBy('charges.id').limit(max).execute();
  const picked = new Map<string, ChargeRow>();
  for (let i = 0; picked.size < max && (i < recent.length || i < nearest.length); i++) {
    if (i < recent.length && picked.size < max) picked.set(recent[i].id, recent[i]);
    if (i < nearest.length && picked.size < max) picked.set(nearest[i].id, nearest[i]);
  }
  return [...picked.values()];
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
