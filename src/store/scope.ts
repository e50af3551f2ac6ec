/** Which account and mode an object belongs to, and the checks every scoped read makes. */

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

/** Which deadlines are due: all charges by the wall clock, or one account and mode by its own clock. */
export type DueFilter = { nowMs: number; scope?: Scope };
