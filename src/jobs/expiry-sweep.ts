/**
 * The background loop that expires pending charges at their deadline and purges old
 * idempotency records. Each tick works in bounded batches, each batch one unit of work
 * in the store's transaction helper. Due charges are found through the partial index of
 * pending charges, so charges not yet due cost nothing.
 */
import type { WallClock } from '../domain/clock.js';
import { listAdvancedClocks } from '../store/accounts.js';
import { purgeIdempotencyRecords } from '../store/idempotency.js';
import type { DueFilter } from '../store/payments.js';
import type { Store } from '../store/store.js';
import { expireDueCharges } from '../usecases/lifecycle.js';

export const expiryBatchSizeMax = 2000;
export const sweepIntervalMs = 1000;
export const idempotencyRecordTtlMs = 24 * 60 * 60 * 1000;

export interface SweepOptions {
  store: Store;
  wall: WallClock;
  publicUrl: () => string;
  intervalMs?: number;
  batchSize?: number;
  /** Called after charges expired (their events may have webhooks to send). */
  onExpired?: () => void;
  onError?: (error: unknown) => void;
}

export class ExpirySweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly options: SweepOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }

  /** Asks for a sweep soon (after a clock advance), without waiting for the interval. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.runOnce();
    } catch (error) {
      this.options.onError?.(error);
    }
    if (this.stopped) return;
    const rerun = this.again;
    this.again = false;
    this.schedule(rerun ? 0 : (this.options.intervalMs ?? sweepIntervalMs));
  }

  /** Expires every charge due now (by the wall clock and by each advanced test clock); returns how many. */
  runOnce(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.sweep().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweep(): Promise<number> {
    const { store, wall } = this.options;
    const batchSize = this.options.batchSize ?? expiryBatchSizeMax;
    const wallNowMs = wall.nowMs();
    // Anything due by the wall clock is due for every account (test clocks only run ahead).
    const filters: DueFilter[] = [{ nowMs: wallNowMs }];
    for (const clock of await listAdvancedClocks(store.read)) {
      filters.push({ nowMs: wallNowMs + clock.test_clock_offset_ms, scope: { accountId: clock.id, livemode: 0 } });
    }
    let expired = 0;
    for (const due of filters) {
      for (;;) {
        const count = await store.transaction((tx) => expireDueCharges(tx, store, due, batchSize));
        expired += count;
        if (count > 0) this.options.onExpired?.();
        if (count < batchSize || this.stopped) break;
      }
    }
    await store.transaction((tx) => purgeIdempotencyRecords(tx, wallNowMs - idempotencyRecordTtlMs, batchSize));
    return expired;
  }
}
