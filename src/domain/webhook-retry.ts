/**
 * The webhook retry schedule (DECISIONS §6), on the account's clock so the test clock can
 * fire retries: attempt n waits first × factor^(n-1), capped, with ±jitter, and a job
 * that has not succeeded three days after its event is marked failed.
 */
import { webhookGiveUpAfterMs, webhookRetryDelayFactor, webhookRetryDelayMsMax, webhookRetryFirstDelayMs, webhookRetryJitterRatio } from './limits.js';
export const webhookRetrySchedule = {
  firstDelayMs: webhookRetryFirstDelayMs,
  factor: webhookRetryDelayFactor,
  delayMsMax: webhookRetryDelayMsMax,
  jitterRatio: webhookRetryJitterRatio,
  giveUpAfterMs: webhookGiveUpAfterMs,
} as const;

/** The wait before the next attempt after `attemptsMade` failures; `random` is in [0, 1). */
export function retryDelayMs(attemptsMade: number, random: number): number {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) throw new Error(`attempts must be a positive integer: ${attemptsMade}`);
  if (!(random >= 0 && random < 1)) throw new Error(`random must be in [0, 1): ${random}`);
  const { firstDelayMs, factor, delayMsMax, jitterRatio } = webhookRetrySchedule;
  const baseMs = Math.min(firstDelayMs * factor ** Math.min(attemptsMade - 1, 30), delayMsMax);
  const delayMs = Math.round(baseMs * (1 - jitterRatio + 2 * jitterRatio * random));
  if (delayMs < firstDelayMs * (1 - jitterRatio) || delayMs > delayMsMax * (1 + jitterRatio)) throw new Error('retry delay out of bounds');
  return delayMs;
}
