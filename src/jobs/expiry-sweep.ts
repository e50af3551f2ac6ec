/**
 * The background loop that expires pending charges at their deadline and purges old
 * idempotency records. Each tick works in bounded batches, each batch one unit of work
 * in the store's transaction helper. Due charges are found through the partial index of
 * pending charges, so charges not yet due cost nothing.
 */
import type { WallClock } from '../domain/clock.js';
import { purgeIdempotencyRecords } from '../store/idempotency.js';
import type { Store } from '../store/store.js';
import { expireDueCharges } from '../usecases/lifecycle.js';
import { dueFilters, Periodic } from './periodic.js';
import { expiryBatchChargesMax, expirySweepIntervalMs, idempotencyRecordTtlMs } from '../domain/limits.js';


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
  private readonly loop: Periodic;
  private running: Promise<number> | undefined;

  constructor(private readonly options: SweepOptions) {
    this.loop = new Periodic(options.intervalMs ?? expirySweepIntervalMs, () => this.runOnce(), options.onError);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Asks for a sweep soon (after a clock advance), without waiting for the interval. */
  nudge(): void {
    this.loop.nudge();
  }

  /** Expires every charge due now (by the wall clock and by each advanced test clock); returns how many. */
  runOnce(): Promise<number> {
    this.running ??= this.sweep().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweep(): Promise<number> {
    const { store, wall } = this.options;
    const batchSize = this.options.batchSize ?? expiryBatchChargesMax;
    const wallNowMs = wall.nowMs();
    let expired = 0;
    for (const due of await dueFilters(store, wallNowMs)) {
      for (;;) {
        const count = await store.transaction((tx) => expireDueCharges(tx, due, batchSize));
        expired += count;
        if (count > 0) this.options.onExpired?.();
        if (count < batchSize || this.loop.isStopped) break;
      }
    }
    await store.transaction((tx) => purgeIdempotencyRecords(tx, wallNowMs - idempotencyRecordTtlMs, batchSize));
    return expired;
  }
}
