/**
 * The request log's background work (DECISIONS §10):
 *
 * - RequestLogWriter: entries wait in a bounded queue after their replies and are written in
 *   batches, one transaction per flush (every requestLogFlushIntervalMs, or as soon as
 *   requestLogFlushEntries wait), which also prunes an account back to its newest entries once
 *   requestLogPruneSlackEntries more were written for it, and once a minute every account written
 *   to and a bounded number of entries past their age. Best effort: a full
 *   queue drops new entries and a failed flush drops its batch, both counted (/metrics); a request
 *   never waits for the log.
 * - RequestLogTail: what streams read. While any stream is open, one poll per process reads every
 *   account's new rows by seq, so a stream shows what every process on the database served. On
 *   PostgreSQL rows may commit out of seq order (two processes' flushes): a seq skipped over is
 *   looked for again until requestLogTailGapWaitMs, so a late commit is still shown, once.
 */
import type { WallClock } from '../domain/clock.js';
import { newId } from '../domain/ids.js';
import {
  requestLogAgeMsMax,
  requestLogAgePruneEntriesMax,
  requestLogAgePruneIntervalMs,
  requestLogEntriesPerAccountMax,
  requestLogFlushEntries,
  requestLogFlushIntervalMs,
  requestLogPruneSlackEntries,
  requestLogQueueEntriesMax,
  requestLogTailBatchEntries,
  requestLogTailGapsMax,
  requestLogTailGapWaitMs,
  requestLogTailPollMs,
} from '../domain/limits.js';
import { matchesRequestLogFilter, type RequestLogCapture, type RequestLogFilter } from '../domain/request-log.js';
import {
  insertRequestLogRows,
  lastRequestLogSeq,
  pruneRequestLogBefore,
  pruneRequestLogOfAccount,
  requestLogRowsAfter,
  type SequencedRequestLogRow,
} from '../store/request-log.js';
import type { RequestLogRow } from '../store/schema.js';
import type { Store } from '../store/store.js';

/** Bounds a test may make small (the defaults are domain/limits.ts's). */
export interface RequestLogSettings {
  entriesPerAccountMax?: number;
  ageMsMax?: number;
  flushIntervalMs?: number;
  flushEntries?: number;
  queueEntriesMax?: number;
  pruneSlackEntries?: number;
  tailPollMs?: number;
}

export interface RequestLogWriterOptions extends RequestLogSettings {
  store: Store;
  wall: WallClock;
  /** Entries lost: the queue was full, or their flush failed. */
  onDropped?: (count: number) => void;
  onError?: (error: unknown) => void;
  /** After each flush that wrote entries (the tail looks at once). */
  onFlushed?: () => void;
}

export class RequestLogWriter {
  private queue: RequestLogCapture[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastAgePruneMs = Number.NEGATIVE_INFINITY;
  /** Entries this process wrote for each account since it last pruned that account. */
  private readonly writtenSincePrune = new Map<string, number>();
  /** How many entries an account keeps (lists show no more). */
  readonly entriesPerAccountMax: number;
  private readonly pruneSlackEntries: number;
  /** How long entries are kept at most (lists show none older). */
  readonly ageMsMax: number;
  private readonly flushIntervalMs: number;
  private readonly flushEntries: number;
  private readonly queueEntriesMax: number;

  constructor(private readonly options: RequestLogWriterOptions) {
    this.entriesPerAccountMax = options.entriesPerAccountMax ?? requestLogEntriesPerAccountMax;
    this.ageMsMax = options.ageMsMax ?? requestLogAgeMsMax;
    this.flushIntervalMs = options.flushIntervalMs ?? requestLogFlushIntervalMs;
    this.flushEntries = options.flushEntries ?? requestLogFlushEntries;
    this.queueEntriesMax = options.queueEntriesMax ?? requestLogQueueEntriesMax;
    this.pruneSlackEntries = options.pruneSlackEntries ?? requestLogPruneSlackEntries;
  }

  /** Entries waiting to be written. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Queues an entry (or drops it, counted, when the queue is full); never waits. */
  record(entry: RequestLogCapture): void {
    if (this.queue.length >= this.queueEntriesMax) {
      this.options.onDropped?.(1);
      return;
    }
    this.queue.push(entry);
    if (this.queue.length >= this.flushEntries && !this.flushing) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
    } else this.schedule();
  }

  /** Writes everything queued now (after a flush under way); resolves when it is written or dropped. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.write(batch).finally(() => {
      this.flushing = undefined;
      if (this.queue.length >= this.flushEntries) void this.flush();
      else this.schedule();
    });
    await this.flushing;
  }

  /** Writes what waits and stops the timer (a gateway stopping: before its store closes). */
  async stop(): Promise<void> {
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.flushing || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushIntervalMs);
    // A queued entry never keeps a process alive by itself (a test's, a command's).
    this.timer.unref();
  }

  private async write(batch: RequestLogCapture[]): Promise<void> {
    const nowMs = this.options.wall.nowMs();
    const rows: RequestLogRow[] = batch.map((entry) => ({
      id: newId('rqlg', false, entry.createdAtMs),
      account_id: entry.accountId,
      created_at: entry.createdAtMs,
      method: entry.method,
      route: entry.route,
      path: entry.path,
      status: entry.status,
      duration_ms: entry.durationMs,
      request_id: entry.requestId,
      idempotency_key: entry.idempotencyKey,
      key_kind: entry.keyKind,
      key_last4: entry.keyLast4,
    }));
    const periodic = nowMs - this.lastAgePruneMs >= requestLogAgePruneIntervalMs;
    if (periodic) this.lastAgePruneMs = nowMs;
    for (const row of rows) this.writtenSincePrune.set(row.account_id, (this.writtenSincePrune.get(row.account_id) ?? 0) + 1);
    const pruned = [...this.writtenSincePrune].filter(([, written]) => periodic || written >= this.pruneSlackEntries).map(([accountId]) => accountId);
    try {
      // Beside the API's batches where the database allows (PostgreSQL): no request's commit waits for the log's.
      await this.options.store.transactionNow(async (tx) => {
        await insertRequestLogRows(tx, rows);
        for (const accountId of pruned) await pruneRequestLogOfAccount(tx, accountId, this.entriesPerAccountMax);
        if (periodic) await pruneRequestLogBefore(tx, nowMs - this.ageMsMax, requestLogAgePruneEntriesMax);
      });
    } catch (error) {
      this.options.onDropped?.(batch.length);
      this.options.onError?.(error);
      return;
    }
    for (const accountId of pruned) this.writtenSincePrune.delete(accountId);
    this.options.onFlushed?.();
  }
}

/** A stream's side of the tail: whose entries, which of them, and where they go. */
export interface RequestLogSubscriber {
  accountId: string;
  filter: RequestLogFilter;
  deliver(row: SequencedRequestLogRow): void;
  /** The tail stopped (the gateway is stopping): no more entries will come. */
  end(): void;
}

export interface RequestLogTailOptions {
  store: Store;
  wall: WallClock;
  pollMs?: number;
  onError?: (error: unknown) => void;
}

export class RequestLogTail {
  private readonly subscribers = new Set<RequestLogSubscriber>();
  /** The largest seq read; undefined until the first poll after a stream opened. */
  private cursor: number | undefined;
  /** Seqs skipped over, and when each was first missed. */
  private readonly gaps = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private readonly pollMs: number;

  constructor(private readonly options: RequestLogTailOptions) {
    this.pollMs = options.pollMs ?? requestLogTailPollMs;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Entries of the subscriber's account that pass its filter, from now on, each once; returns a
   * function that unsubscribes. Resolves once the tail knows where "now" is (what is already
   * written is not delivered).
   */
  async subscribe(subscriber: RequestLogSubscriber): Promise<() => void> {
    this.subscribers.add(subscriber);
    try {
      if (this.cursor === undefined) {
        const cursor = await lastRequestLogSeq(this.options.store.read);
        // Another subscriber's poll may have set it meanwhile: keep the one already in use.
        this.cursor ??= cursor;
      }
    } catch (error) {
      this.subscribers.delete(subscriber);
      throw error;
    }
    this.schedule(this.pollMs);
    return () => this.unsubscribe(subscriber);
  }

  /** Looks for new entries now (after a flush of this process), if any stream is open. */
  nudge(): void {
    if (this.subscribers.size === 0 || this.cursor === undefined) return;
    if (this.polling) return;
    this.schedule(0);
  }

  /** Ends every subscription and stops polling. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const subscribers = [...this.subscribers];
    this.subscribers.clear();
    this.reset();
    for (const subscriber of subscribers) subscriber.end();
    await this.polling;
  }

  private unsubscribe(subscriber: RequestLogSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.reset();
    }
  }

  /** With no stream open nothing is read: the next stream starts from the end again. */
  private reset(): void {
    this.cursor = undefined;
    this.gaps.clear();
  }

  private schedule(delayMs: number): void {
    if (this.subscribers.size === 0 || this.polling) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      let full = false;
      this.polling = this.poll().then(
        (more) => {
          full = more;
        },
        (error) => this.options.onError?.(error),
      );
      void this.polling.finally(() => {
        this.polling = undefined;
        this.schedule(full ? 0 : this.pollMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** Reads and delivers one batch; true when there may be more right away. */
  private async poll(): Promise<boolean> {
    const cursor = this.cursor;
    if (cursor === undefined || this.subscribers.size === 0) return false;
    const nowMs = this.options.wall.nowMs();
    for (const [seq, missedAtMs] of this.gaps) if (nowMs - missedAtMs > requestLogTailGapWaitMs) this.gaps.delete(seq);
    let rows: SequencedRequestLogRow[];
    try {
      rows = await requestLogRowsAfter(this.options.store.read, cursor, requestLogTailBatchEntries, [...this.gaps.keys()]);
    } catch (error) {
      this.options.onError?.(error);
      return false;
    }
    // Unsubscribed (or stopped and started again) meanwhile: this read belongs to no one.
    if (this.cursor !== cursor) return false;
    let expected = cursor + 1;
    let newer = 0;
    for (const row of rows) {
      if (row.seq <= cursor) {
        if (!this.gaps.delete(row.seq)) continue;
      } else {
        newer++;
        for (let seq = expected; seq < row.seq && seq - expected < requestLogTailGapsMax; seq++) this.gaps.set(seq, nowMs);
        expected = row.seq + 1;
        this.cursor = row.seq;
      }
      this.deliver(row);
    }
    while (this.gaps.size > requestLogTailGapsMax) this.gaps.delete(this.gaps.keys().next().value as number);
    return newer >= requestLogTailBatchEntries;
  }

  private deliver(row: SequencedRequestLogRow): void {
    for (const subscriber of this.subscribers) {
      if (subscriber.accountId !== row.account_id || !matchesRequestLogFilter(row, subscriber.filter)) continue;
      try {
        subscriber.deliver(row);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }
}
