/**
 * Indexes the charges queued for SQLite's full-text index (store/text-index.ts deferWrites) in
 * batches, each its own unit of the group commit, one after another until the queue is short of a
 * batch, then again after the interval. A search never waits for it: queued charges are candidates
 * of every search until they are indexed.
 */
import { textIndexBatchCharges, textIndexIntervalMs } from '../domain/limits.js';
import { dialectOf } from '../store/dialect.js';
import type { Store } from '../store/store.js';
import { Periodic } from './periodic.js';

export class TextIndexJob {
  private readonly loop: Periodic;
  private stopping = false;

  constructor(
    private readonly store: Store,
    onError?: (error: unknown) => void,
    private readonly batchSize = textIndexBatchCharges,
  ) {
    this.loop = new Periodic(textIndexIntervalMs, () => this.runOnce(), onError);
  }

  /** Whether this store's index needs the job at all (PostgreSQL's does not). */
  get needed(): boolean {
    return this.store.dialect.textIndex.defersWrites;
  }

  start(): void {
    if (this.needed) this.loop.start();
  }

  stop(): Promise<void> {
    this.stopping = true;
    return this.loop.stop();
  }

  /** Indexes every queued charge; returns how many. */
  async runOnce(): Promise<number> {
    let indexed = 0;
    for (;;) {
      const count = await this.store.transaction((tx) => dialectOf(tx).textIndex.indexQueued(tx, this.batchSize));
      indexed += count;
      if (count < this.batchSize || this.stopping) return indexed;
    }
  }
}
