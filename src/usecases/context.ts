import type { Scope } from '../store/scope.js';

/** Who is acting, when, and where URLs point: what every use case is called with. */
export interface UseCaseContext {
  scope: Scope;
  /** The account's clock, read once per request. */
  nowMs: number;
  /**
   * The test-clock offset nowMs was taken with, when the use case is to check it against
   * the account row it reads in its transaction (checkClock) instead of the clock being
   * read before the transaction.
   */
  clockOffsetMs?: number;
  publicUrl: string;
}
