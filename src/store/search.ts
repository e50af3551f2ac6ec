/**
 * Running a search plan (domain/search.ts) on either database: one account and mode always, every
 * condition of the plan in SQL, the page by LIMIT/OFFSET (bounded by the plan) in creation order,
 * and the total by a COUNT of the same conditions. Free text is a LIKE over the scope's text
 * fields and metadata values; for charges, the full-text index (store/text-index.ts) narrows
 * the rows first, so a search at a million charges reads only the few that can match, and the
 * LIKE conditions still decide every row (the same answers with or without it). What differs
 * between SQLite and PostgreSQL in reading JSON and in the index is the dialect's (store/dialect.ts).
 */
import { type ExpressionBuilder, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { SearchPlan } from '../domain/search.js';
import { dialectOf } from './dialect.js';
import type { Page } from './lists.js';
import type { ChargeRow, DB, RefundRow } from './schema.js';
import type { Scope } from './scope.js';

/** A LIKE pattern that finds `text` anywhere (it is lower-cased already), its wildcards escaped with `\`. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

function like(column: string, pattern: string, lower: boolean): RawBuilder<SqlBool> {
  const ref = sql.ref(column);
  return lower ? sql<SqlBool>`lower(${ref}) like ${pattern} escape '\\'` : sql<SqlBool>`${ref} like ${pattern} escape '\\'`;
}

/** Characters JSON.stringify escapes: a term without them is found in the metadata's own text too. */
const jsonEscaped = /["\\\u0000-\u001f]/;

/** A metadata value contains the term: a LIKE over the JSON text first (cheap), then the values alone. */
function metadataContains(db: Kysely<any>, column: string, term: string, pattern: string): RawBuilder<SqlBool> {
  const values = dialectOf(db).jsonHasValueLike(sql.ref(column), pattern);
  return jsonEscaped.test(term) ? values : sql<SqlBool>`(${like(column, pattern, true)} and ${values})`;
}

/** Where a charge's free text is: ids, the pay2 reference, ref1, description, metadata values. */
function chargeText(db: Kysely<any>, term: string): RawBuilder<SqlBool> {
  const pattern = containsPattern(term);
  const fields = [
    like('charges.id', pattern, false),
    like('charges.source_id', pattern, false),
    like('charges.transaction_id', pattern, false),
    like('charges.payment_ref', pattern, false),
    like('charges.qr_ref1', pattern, true),
    like('charges.description', pattern, true),
    metadataContains(db, 'charges.metadata', term, pattern),
  ];
  return sql<SqlBool>`(${sql.join(fields, sql` or `)})`;
}

/** Where a refund's free text is: its id, its charge's id, its transaction, metadata values, and its charge's pay2 reference and ref1. */
function refundText(db: Kysely<any>, term: string): RawBuilder<SqlBool> {
  const pattern = containsPattern(term);
  const fields = [
    like('refunds.id', pattern, false),
    like('refunds.charge_id', pattern, false),
    like('refunds.transaction_id', pattern, false),
    metadataContains(db, 'refunds.metadata', term, pattern),
    sql<SqlBool>`exists (select 1 from charges as c where c.id = refunds.charge_id and (${like('c.payment_ref', pattern, false)} or ${like('c.qr_ref1', pattern, true)}))`,
  ];
  return sql<SqlBool>`(${sql.join(fields, sql` or `)})`;
}

/** Every refund is closed (DECISIONS §5). */
const refundStatus = sql.lit('closed');

type Table = 'charges' | 'refunds';

function conditions(db: Kysely<any>, table: Table, scope: Scope, plan: SearchPlan) {
  return (eb: ExpressionBuilder<any, any>) => {
    const all: Array<ReturnType<typeof eb> | RawBuilder<SqlBool>> = [eb(`${table}.account_id`, '=', scope.accountId), eb(`${table}.livemode`, '=', scope.livemode)];
    for (const id of plan.ids) all.push(eb(`${table}.id`, '=', id));
    for (const status of plan.statuses) all.push(table === 'charges' ? eb('charges.status', '=', status) : sql<SqlBool>`${refundStatus} = ${status}`);
    for (const range of plan.amounts) {
      // One amount is an equality, which the amount index serves newest first; a range is checked
      // on the list walked newest first (unary +: not by that index, whose range could be the whole
      // account, sorted before the first row).
      if (range.minSatang !== null && range.minSatang === range.maxSatang) {
        all.push(eb(`${table}.amount`, '=', range.minSatang));
        continue;
      }
      const amount = sql<number>`+${sql.ref(`${table}.amount`)}`;
      if (range.minSatang !== null) all.push(eb(amount, '>=', range.minSatang));
      if (range.maxSatang !== null) all.push(eb(amount, '<=', range.maxSatang));
    }
    for (const range of plan.created) {
      if (range.fromMs !== null) all.push(eb(`${table}.created_at`, '>=', range.fromMs));
      if (range.toMs !== null) all.push(eb(`${table}.created_at`, '<', range.toMs));
    }
    for (const { key, value } of plan.metadata) all.push(sql<SqlBool>`${dialectOf(db).jsonTopLevelText(sql.ref(`${table}.metadata`), key)} = ${value}`);
    for (const term of plan.texts) all.push(table === 'charges' ? chargeText(db, term) : refundText(db, term));
    return eb.and(all as any);
  };
}

export interface ChargeSearchOptions {
  /** Leave the full-text index out (the equality test compares both ways). */
  textIndex?: boolean;
}

/**
 * Every charge of the scope the plan finds, as a query (no order, no page): the caller selects
 * `charges` columns, orders and pages it (GET /search by offset, the dashboard by keyset).
 */
export async function chargeSearchQuery(db: Kysely<DB>, scope: Scope, plan: SearchPlan, options: ChargeSearchOptions = {}): Promise<SelectQueryBuilder<any, any, any>> {
  const any = db as Kysely<any>;
  const narrowing = plan.texts.length > 0 && options.textIndex !== false ? await dialectOf(any).textIndex.chargeNarrowing(any, plan.texts) : null;
  let query = (narrowing ? narrowing.from(any) : any.selectFrom('charges')).where(conditions(any, 'charges', scope, plan));
  for (const condition of narrowing?.where ?? []) query = query.where(condition);
  return query;
}

async function searchTable<T>(db: Kysely<DB>, table: Table, scope: Scope, plan: SearchPlan, options: ChargeSearchOptions = {}): Promise<Page<T>> {
  const base = table === 'charges' ? await chargeSearchQuery(db, scope, plan, options) : (db as Kysely<any>).selectFrom(table).where(conditions(db as Kysely<any>, table, scope, plan));
  const direction = plan.order === 'chronological' ? 'asc' : 'desc';
  const [rows, count] = await Promise.all([
    base
      .selectAll(table)
      .orderBy(`${table}.created_at`, direction)
      .orderBy(`${table}.seq`, direction)
      .limit(plan.perPage)
      .offset(plan.offset)
      .execute(),
    base.select((eb: any) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow() as Promise<{ total: number | string }>,
  ]);
  return { rows: rows as T[], total: Number(count.total) };
}

export function searchCharges(db: Kysely<DB>, scope: Scope, plan: SearchPlan, options: ChargeSearchOptions = {}): Promise<Page<ChargeRow>> {
  return searchTable<ChargeRow>(db, 'charges', scope, plan, options);
}

export function searchRefunds(db: Kysely<DB>, scope: Scope, plan: SearchPlan): Promise<Page<RefundRow>> {
  return searchTable<RefundRow>(db, 'refunds', scope, plan);
}
