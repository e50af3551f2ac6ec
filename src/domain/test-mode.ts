/** Satang's test tools (DECISIONS §8): the test clock, test-data reset and the wallet simulator work in test mode only. */
import { OmiseError } from './errors.js';

/** Refuses a live-mode caller of a test tool (403 not_authorized, DECISIONS §9). */
export function requireTestMode(livemode: number): void {
  if (livemode === 1) throw new OmiseError('not_authorized', 'only available in test mode');
}
