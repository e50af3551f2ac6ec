/**
 * The background loop that expires pending charges at their deadline, purges old
 * idempotency records and removes listeners (`satang listen`) no stream held for an hour. Each tick works in bounded batches, each batch one unit of work
 * in the store's transaction helper. Due charges are found through the partial index of
 * pending charges, so charges not yet due cost nothing.
 */
import type { WallClock } from '../domain/clock.js';
import { purgeIdempotencyRecords } from '../store/idempotency.js';
import { purgeExpiredListeners } from '../store/listeners.js';
import type { Store } from '../store/store.js';
import type { ChangeRunner } from '../usecases/changes.js';
import { expireDueCharges } from '../usecases/lifecycle.js';
import type { DueFilter } from '../store/scope.js';
import { DueWorkJob } from './periodic.js';
import { expiryBatchChargesMax, expirySweepIntervalMs, idempotencyRecordTtlMs, listenerPurgeBatchMax } from '../domain/limits.js';


export interface SweepOptions {
  store: Store;
  wall: WallClock;
  /** Each batch is one change (the runner wakes the webhook dispatcher after it). */
  changes: ChangeRunner;
  intervalMs?: number;
  batchSize?: number;
  onError?: (error: unknown) => void;
}

export class ExpirySweep extends DueWorkJob {
  constructor(private readonly options: SweepOptions) {
    super(options.store, options.wall, options.batchSize ?? expiryBatchChargesMax, options.intervalMs ?? expirySweepIntervalMs, options.onError);
  }

  protected batch(due: DueFilter): Promise<number> {
    return this.options.changes.system((tx) => expireDueCharges(tx, due, this.batchSize));
  }

  protected async afterRun(wallNowMs: number): Promise<void> {
    await this.options.changes.system(async (tx) => {
      await purgeIdempotencyRecords(tx, wallNowMs - idempotencyRecordTtlMs, this.batchSize);
      // Listeners expire on the wall clock: a test clock moved forward never ages one.
      await purgeExpiredListeners(tx, wallNowMs, listenerPurgeBatchMax);
    });
  }
}
