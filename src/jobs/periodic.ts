/**
 * A background loop: runs its work every interval, or at once when nudged; never two
 * runs at a time (a nudge during a run asks for one more right after); stops cleanly.
 */
import type { WallClock } from '../domain/clock.js';
import type { DueFilter } from '../store/scope.js';
import { listAdvancedClocks } from '../store/accounts.js';
import type { Store } from '../store/store.js';

export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly work: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

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
    if (this.stopped || this.running) return;
    this.running = this.work().then(
      () => undefined,
      (error) => this.onError(error),
    );
    await this.running;
    this.running = undefined;
    if (this.stopped) return;
    const rerun = this.again;
    this.again = false;
    this.schedule(rerun ? 0 : this.intervalMs);
  }
}

/**
 * What is due now: everything by the wall clock (test clocks only run ahead, so that is
 * due for every account), then each account whose test clock runs ahead, by its clock.
 */
export async function dueFilters(store: Store, wallNowMs: number): Promise<DueFilter[]> {
  const filters: DueFilter[] = [{ nowMs: wallNowMs }];
  for (const clock of await listAdvancedClocks(store.read)) {
    filters.push({ nowMs: wallNowMs + clock.test_clock_offset_ms, scope: { accountId: clock.id, livemode: 0 } });
  }
  return filters;
}

/**
 * A job over what is due (the expiry sweep, scripted outcomes): each run works every due filter in
 * bounded batches until a batch comes back short or the job stops, then its `afterRun`; runs never
 * overlap: `runOnce` waits for a run in progress, then runs (a run that began before the caller's
 * write may have missed it). A subclass says what one batch does.
 */
export abstract class DueWorkJob {
  private readonly loop: Periodic;
  private running: Promise<number> | undefined;

  constructor(
    protected readonly store: Store,
    protected readonly wall: WallClock,
    protected readonly batchSize: number,
    intervalMs: number,
    onError?: (error: unknown) => void,
  ) {
    this.loop = new Periodic(intervalMs, () => this.runOnce(), onError);
  }

  /** One batch of what `due` makes due; returns how many it handled (fewer than batchSize: nothing more is due). */
  protected abstract batch(due: DueFilter): Promise<number>;

  /** After every due filter was worked (the expiry sweep purges idempotency records here). */
  protected async afterRun(_wallNowMs: number): Promise<void> {}

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Asks for a run soon (new work due now, a clock advance), without waiting for the interval. */
  nudge(): void {
    this.loop.nudge();
  }

  /** Works everything due now (by the wall clock and by each advanced test clock); returns how many it handled. */
  async runOnce(): Promise<number> {
    while (this.running) await this.running.catch(() => 0);
    const run = this.run().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async run(): Promise<number> {
    const wallNowMs = this.wall.nowMs();
    let handled = 0;
    for (const due of await dueFilters(this.store, wallNowMs)) {
      for (;;) {
        const count = await this.batch(due);
        handled += count;
        if (count < this.batchSize || this.loop.isStopped) break;
      }
    }
    await this.afterRun(wallNowMs);
    return handled;
  }
}
