import type { Account } from '../store/schema.js';
import type { Scope } from '../store/scope.js';

/** Who is acting, when, and where URLs point: what every use case is called with. */
export interface UseCaseContext {
  scope: Scope;
  /** The account's time for this change: its test clock in test mode, checked in the change's transaction. */
  nowMs: number;
  publicUrl: string;
  /** The account row, as the change runner read it in this transaction (a caller outside the runner may leave it out). */
  account?: Account;
}
