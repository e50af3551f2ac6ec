/**
 * The emulator's clock and Bangkok (GMT+7, no daylight saving) calendar arithmetic.
 *
 * The injected clock is real time plus an offset: real time passing moves it, and tests move it forward
 * (never back) without waiting. SCB keys QR30 transactions by the payment's Bangkok date and time.
 */

/** Real time plus an offset that only grows. */
export class InjectedClock {
  private offsetMs: number;

  constructor(startAtMs?: number) {
    this.offsetMs = startAtMs === undefined ? 0 : startAtMs - Date.now();
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the clock forward to `atMs` (nothing when it is already there or past it). */
  jumpTo(atMs: number): void {
    const ahead = atMs - this.nowMs();
    if (ahead > 0) this.offsetMs += ahead;
  }
}

const bangkokOffsetMs = 7 * 3_600_000;

/** The Bangkok calendar date and wall time of an instant: `{ date: "2019-07-16", time: "11:30:58" }`. */
export function bangkokParts(atMs: number): { date: string; time: string } {
  const iso = new Date(atMs + bangkokOffsetMs).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 19) };
}

/** ISO 8601 in Bangkok time, as SCB writes `transactionDateandTime`: "2019-07-16T11:30:58+07:00". */
export function bangkokIso(atMs: number): string {
  const { date, time } = bangkokParts(atMs);
  return `${date}T${time}+07:00`;
}

/** The Bangkok date as YYYYMMDD (transaction ids, the slip's transDate). */
export function bangkokCompactDate(atMs: number): string {
  return bangkokParts(atMs).date.replaceAll('-', '');
}

/** A real calendar date written YYYY-MM-DD. */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}
