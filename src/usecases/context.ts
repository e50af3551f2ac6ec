import type { Scope } from '../store/payments.js';

/** Who is acting, when, and where URLs point: what every use case is called with. */
export interface UseCaseContext {
  scope: Scope;
  /** The account's clock, read once per request. */
  nowMs: number;
  publicUrl: string;
}
