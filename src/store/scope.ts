/** Which account and mode an object belongs to, and the checks every scoped read and write by id makes. */
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';

/** Which account and mode an object belongs to: every read is scoped by it. */
export interface Scope {
  accountId: string;
  livemode: number;
}

/**
 * Point reads take the row by its primary key alone and check the scope here: with the
 * scope in SQL, PostgreSQL may plan an account index instead (it does on a table not yet
 * analyzed) and walk every row of the account to find one.
 */
export function inScope<T extends { account_id: string; livemode: number }>(row: T | undefined, scope: Scope): T | undefined {
  return row !== undefined && row.account_id === scope.accountId && row.livemode === scope.livemode ? row : undefined;
}

/**
 * What a write by primary key checks on the one row the key finds (its account and mode, its state), as one
 * condition no index can serve: the same trap as inScope's, for writes. As conditions of their own, `account_id =`,
 * `livemode =`, `status = 'pending'` and `expires_at >` let PostgreSQL, on a table whose statistics are older than
 * its rows (a new database, or charges made faster than autovacuum's next analyze), plan an account index or the
 * pending charges' partial index at the primary key's cost and filter every row it walks by id: a payment's
 * compare-and-set walked all 2,999 other pending charges of the account (EXPLAIN ANALYZE), 4.1 ms a payment in the
 * webhook bench against 0.8 ms once analyzed. Inside a CASE they are neither index conditions nor a proof of a
 * partial index's predicate, so the key is the only way in; the row is checked exactly as before.
 */
export function checkedOnTheRow(conditions: Expression<SqlBool>): RawBuilder<SqlBool> {
  return sql<SqlBool>`(case when ${conditions} then true else false end)`;
}

/** Which deadlines are due: all charges by the wall clock, or one account and mode by its own clock. */
export type DueFilter = { nowMs: number; scope?: Scope };
