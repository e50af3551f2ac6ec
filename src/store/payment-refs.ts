/**
 * Finding a charge by the references a customer holds instead of its id: the pay2 id of the
 * hosted payment page, and the ref1 a scanned QR carries. Neither is scoped by an account:
 * the reference itself names the payment (it is unique, and random enough to be a capability).
 */
import type { Kysely } from 'kysely';
import type { Account, ChargeRow, DB } from './schema.js';

/** A charge with the account it belongs to: what pages about a payment show. */
export interface ChargeOfAccount {
  charge: ChargeRow;
  account: Account;
}

async function withAccount(db: Kysely<DB>, charge: ChargeRow | undefined): Promise<ChargeOfAccount | undefined> {
  if (!charge) return undefined;
  const account = await db.selectFrom('accounts').selectAll().where('id', '=', charge.account_id).executeTakeFirst();
  return account ? { charge, account } : undefined;
}

/** The charge whose hosted payment page is /payments/{paymentRef}/authorize. */
export async function findChargeByPaymentRef(db: Kysely<DB>, paymentRef: string): Promise<ChargeOfAccount | undefined> {
  return withAccount(db, await db.selectFrom('charges').selectAll().where('payment_ref', '=', paymentRef).executeTakeFirst());
}

/** The charge whose QR carries this ref1 (tag 30, sub-tag 02). */
export async function findChargeByQrRef1(db: Kysely<DB>, ref1: string): Promise<ChargeOfAccount | undefined> {
  return withAccount(db, await db.selectFrom('charges').selectAll().where('qr_ref1', '=', ref1).executeTakeFirst());
}
