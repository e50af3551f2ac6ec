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
import type { DueFilter } from '../store/scope.js';
import { DueWorkJob } from './periodic.js';

export interface ScriptedOutcomeJobOptions {
  store: Store;
  wall: WallClock;
  changes: ChangeRunner;
  publicUrl: string;
  intervalMs?: number;
  batchSize?: number;
  onError?: (error: unknown) => void;
}

export class ScriptedOutcomeJob extends DueWorkJob {
  constructor(private readonly options: ScriptedOutcomeJobOptions) {
    super(options.store, options.wall, options.batchSize ?? scriptedOutcomeBatchChargesMax, options.intervalMs ?? scriptedOutcomeIntervalMs, options.onError);
  }

  protected batch(due: DueFilter): Promise<number> {
    const { changes, wall, publicUrl } = this.options;
    return changes.system((tx) => applyDueOutcomes(tx, due, this.batchSize, wall.nowMs(), publicUrl));
  }
}
