/** Refunds and voids: written with their charge's compare-and-set (store/charges.ts), read and listed. */
import type { Kysely } from 'kysely';
import { listPage, type ListWindow, type Page } from './lists.js';
import { preparedInsert } from './prepared.js';
import { rowsByKey, rowsGroupedByKey } from './row-maps.js';
import type { DB, RefundRow } from './schema.js';
import { inScope, type Scope } from './scope.js';
import { seqColumn, seqOfOne } from './sequence.js';

export async function insertRefund(db: Kysely<DB>, refund: RefundRow): Promise<void> {
  await preparedInsert(db, 'refunds', refund, await seqOfOne(db, 'refunds'));
}

export async function findRefund(db: Kysely<DB>, scope: Scope, id: string): Promise<RefundRow | undefined> {
  return inScope(await db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst(), scope);
}

export async function findRefundsByIds(db: Kysely<DB>, ids: string[]): Promise<Map<string, RefundRow>> {
  if (ids.length === 0) return new Map();
  return rowsByKey(await db.selectFrom('refunds').selectAll().where('id', 'in', ids).execute(), 'id');
}

/** The refunds of these charges in the order they were applied (a charge has at most 15). */
export async function refundsOfCharges(db: Kysely<DB>, chargeIds: string[]): Promise<Map<string, RefundRow[]>> {
  if (chargeIds.length === 0) return new Map();
  return rowsGroupedByKey(await db.selectFrom('refunds').selectAll().where('charge_id', 'in', chargeIds).orderBy('created_at').orderBy(seqColumn).execute(), 'charge_id');
}

export function listRefunds(db: Kysely<DB>, scope: Scope, window: ListWindow, chargeId?: string): Promise<Page<RefundRow>> {
  return listPage(db, 'refunds', scope, window, { chargeId });
}
