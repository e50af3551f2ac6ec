/**
 * Where "now" comes from. Everything time-based asks a Clock for an account and mode,
 * so the test clock can move one account's time without touching another's.
 */
export interface Clock {
  nowMs(accountId: string, livemode: boolean): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
};
