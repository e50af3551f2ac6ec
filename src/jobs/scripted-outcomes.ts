/**
 * The background loop that applies due scripted outcomes (DECISIONS §10): every second, at once when a
 * charge is made with an outcome due now, and when a test clock moves. Each batch is one change through
 * the change runner (the webhook dispatcher is woken after it), bounded in size; due charges are found
 * through a partial index of charges with an outcome waiting, so other charges cost nothing. Several
 * gateway processes may run it on one PostgreSQL: each outcome is claimed and applied once.
 */
import type { WallClock } from '../domain/clock.js';
import { scriptedOutcomeBatchChargesMax, scriptedOutcomeIntervalMs } from '../domain/limits.js';
import type { Store } from '../store/store.js';
import type { ChangeRunner } from '../usecases/changes.js';
import { applyDueOutcomes } from '../usecases/scripted-outcomes.js';
import { dueFilters, Periodic } from './periodic.js';

export interface ScriptedOutcomeJobOptions {
  store: Store;
  wall: WallClock;
  changes: ChangeRunner;
  publicUrl: string;
  intervalMs?: number;
  batchSize?: number;
  onError?: (error: unknown) => void;
}

export class ScriptedOutcomeJob {
  private readonly loop: Periodic;
  private running: Promise<number> | undefined;

  constructor(private readonly options: ScriptedOutcomeJobOptions) {
    this.loop = new Periodic(options.intervalMs ?? scriptedOutcomeIntervalMs, () => this.runOnce(), options.onError);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Asks for a run soon (a charge whose outcome is due now, a clock advance), without waiting for the interval. */
  nudge(): void {
    this.loop.nudge();
  }

  /** Applies every outcome due now (by the wall clock and by each advanced test clock); returns how many charges it claimed. */
  runOnce(): Promise<number> {
    this.running ??= this.apply().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async apply(): Promise<number> {
    const { store, wall, changes, publicUrl } = this.options;
    const batchSize = this.options.batchSize ?? scriptedOutcomeBatchChargesMax;
    let claimed = 0;
    for (const due of await dueFilters(store, wall.nowMs())) {
      for (;;) {
        const count = await changes.system((tx) => applyDueOutcomes(tx, due, batchSize, wall.nowMs(), publicUrl));
        claimed += count;
        if (count < batchSize || this.loop.isStopped) break;
      }
    }
    return claimed;
  }
}
