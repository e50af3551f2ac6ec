/**
 * Where "now" comes from. The wall clock is injected (tests may fix it); an account's
 * test-mode clock runs ahead of it by an offset that only grows (DECISIONS §8).
 */
export interface WallClock {
  nowMs(): number;
}

export const systemClock: WallClock = {
  nowMs: () => Date.now(),
};

/** The account-and-mode time: live mode always follows the wall clock. */
export function accountNowMs(wallNowMs: number, livemode: boolean, testClockOffsetMs: number): number {
  return livemode ? wallNowMs : wallNowMs + testClockOffsetMs;
}
