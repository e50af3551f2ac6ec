/** Lists the Omise way (omise-api.md §10): one account and mode, a time window, offset and limit, a total. */
import type { Kysely, Selectable } from 'kysely';
import type { DB } from './schema.js';
import type { Scope } from './scope.js';
import { seqColumn } from './sequence.js';

export interface ListWindow {
  fromMs: number;
  toMs: number;
  offset: number;
  limit: number;
  order: 'chronological' | 'reverse_chronological';
}

export interface Page<T> {
  rows: T[];
  total: number;
}

/** Tables listed the Omise way: one account and mode, by creation time, with a total. */
type ListedTable = 'charges' | 'events' | 'transactions' | 'refunds';

/**
 * One page of a list (omise-api.md §10): rows created within [from, to], in creation
 * order (then id), offset and limit applied in SQL, and how many rows the window holds.
 */
export async function listPage<T extends ListedTable>(
  db: Kysely<DB>,
  table: T,
  scope: Scope,
  window: ListWindow,
  where: { chargeId?: string } = {},
): Promise<Page<Selectable<DB[T]>>> {
  // The three tables share these columns; Kysely cannot see that through a type parameter.
  let base = (db as Kysely<any>)
    .selectFrom(table as string)
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .where('created_at', '>=', window.fromMs)
    .where('created_at', '<=', window.toMs);
  if (where.chargeId !== undefined) base = base.where('charge_id', '=', where.chargeId);
  const direction = window.order === 'chronological' ? 'asc' : 'desc';
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('created_at', direction).orderBy(seqColumn, direction).limit(window.limit).offset(window.offset).execute(),
    base.select((eb: any) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow() as Promise<{ total: number | string }>,
  ]);
  return { rows: rows as Selectable<DB[T]>[], total: Number(count.total) };
}
