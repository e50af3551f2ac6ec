import type { Kysely } from 'kysely';
import type { ChargeRow, ChargeTable, DB, EventRow, SourceRow } from './schema.js';

/** Which account and mode an object belongs to: every read is scoped by it. */
export interface Scope {
  accountId: string;
  livemode: number;
}

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

export async function insertSource(db: Kysely<DB>, source: SourceRow): Promise<void> {
  await db.insertInto('sources').values(source).execute();
}

export async function findSource(db: Kysely<DB>, scope: Scope, id: string): Promise<SourceRow | undefined> {
  return db
    .selectFrom('sources')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .executeTakeFirst();
}

export async function insertCharge(db: Kysely<DB>, charge: ChargeRow): Promise<void> {
  await db.insertInto('charges').values(charge).execute();
}

export async function findCharge(db: Kysely<DB>, scope: Scope, id: string): Promise<ChargeRow | undefined> {
  return db
    .selectFrom('charges')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .executeTakeFirst();
}

export async function findChargeBySource(db: Kysely<DB>, sourceId: string): Promise<ChargeRow | undefined> {
  return db.selectFrom('charges').selectAll().where('source_id', '=', sourceId).executeTakeFirst();
}

/** The charge whose QR download this is, by id, document and capability token. */
export async function findChargeForDownload(db: Kysely<DB>, chargeId: string, documentId: string, token: string): Promise<ChargeRow | undefined> {
  return db
    .selectFrom('charges')
    .selectAll()
    .where('id', '=', chargeId)
    .where('document_id', '=', documentId)
    .where('download_token', '=', token)
    .executeTakeFirst();
}

/** A charge with its source, the two rows every charge rendering needs. */
export interface ChargeWithSource {
  charge: ChargeRow;
  source: SourceRow;
}

export async function findSourcesByIds(db: Kysely<DB>, ids: string[]): Promise<Map<string, SourceRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('sources').selectAll().where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, row]));
}

export async function updateChargeFields(
  db: Kysely<DB>,
  scope: Scope,
  id: string,
  fields: Partial<Pick<ChargeTable, 'description' | 'metadata' | 'updated_at'>>,
): Promise<boolean> {
  const result = await db
    .updateTable('charges')
    .set(fields)
    .where('id', '=', id)
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listCharges(db: Kysely<DB>, scope: Scope, window: ListWindow): Promise<Page<ChargeRow>> {
  const base = db
    .selectFrom('charges')
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .where('created_at', '>=', window.fromMs)
    .where('created_at', '<=', window.toMs);
  const direction = window.order === 'chronological' ? 'asc' : 'desc';
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('created_at', direction).orderBy('id', direction).limit(window.limit).offset(window.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}

export async function insertEvent(db: Kysely<DB>, event: EventRow): Promise<void> {
  await db.insertInto('events').values(event).execute();
}

export async function findEvent(db: Kysely<DB>, scope: Scope, id: string): Promise<EventRow | undefined> {
  return db
    .selectFrom('events')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .executeTakeFirst();
}

export async function listEvents(db: Kysely<DB>, scope: Scope, window: ListWindow, chargeId?: string): Promise<Page<EventRow>> {
  let base = db
    .selectFrom('events')
    .where('account_id', '=', scope.accountId)
    .where('livemode', '=', scope.livemode)
    .where('created_at', '>=', window.fromMs)
    .where('created_at', '<=', window.toMs);
  if (chargeId !== undefined) base = base.where('charge_id', '=', chargeId);
  const direction = window.order === 'chronological' ? 'asc' : 'desc';
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('created_at', direction).orderBy('id', direction).limit(window.limit).offset(window.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.total) };
}
