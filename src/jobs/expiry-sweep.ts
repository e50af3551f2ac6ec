/**
 * The background loop that expires pending charges at their deadline and purges old
 * idempotency records. Each tick works in bounded batches, each batch one unit of work
 * in the store's transaction helper. Due charges are found through the partial index of
 * pending charges, so charges not yet due cost nothing.
 */
import type { WallClock } from '../domain/clock.js';
import { purgeIdempotencyRecords } from '../store/idempotency.js';
import type { Store } from '../store/store.js';
import type { ChangeRunner } from '../usecases/changes.js';
import { expireDueCharges } from '../usecases/lifecycle.js';
import { dueFilters, Periodic } from './periodic.js';
import { expiryBatchChargesMax, expirySweepIntervalMs, idempotencyRecordTtlMs } from '../domain/limits.js';


export interface SweepOptions {
  store: Store;
  wall: WallClock;
  /** Each batch is one change (the runner wakes the webhook dispatcher after it). */
  changes: ChangeRunner;
  intervalMs?: number;
  batchSize?: number;
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
    const { store, wall, changes } = this.options;
    const batchSize = this.options.batchSize ?? expiryBatchChargesMax;
    const wallNowMs = wall.nowMs();
    let expired = 0;
    for (const due of await dueFilters(store, wallNowMs)) {
      for (;;) {
        const count = await changes.system((tx) => expireDueCharges(tx, due, batchSize));
        expired += count;
        if (count < batchSize || this.loop.isStopped) break;
      }
    }
    await changes.system((tx) => purgeIdempotencyRecords(tx, wallNowMs - idempotencyRecordTtlMs, batchSize));
    return expired;
  }
}
