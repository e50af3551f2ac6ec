export const secondMs = 1000;
export const minuteMs = 60 * secondMs;
export const hourMs = 60 * minuteMs;
export const dayMs = 24 * hourMs;
/** Asia/Bangkok is UTC+7 all year (no daylight saving). */
export const bangkokOffsetMs = 7 * hourMs;

/** The start of the Asia/Bangkok day `ms` falls in, and that day's number since the epoch. */
export function bangkokDayOf(ms: number): number {
  return Math.floor((ms + bangkokOffsetMs) / dayMs);
}
export function bangkokDayStartMs(day: number): number {
  return day * dayMs - bangkokOffsetMs;
}

const recentTimestamps = new Map<number, string>();

/** Omise timestamps: ISO 8601 UTC with seconds and a Z, e.g. 2025-03-20T09:24:15Z. */
export function formatTimestamp(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  // One object renders the same few seconds many times over; remember the latest ones.
  let text = recentTimestamps.get(seconds);
  if (text === undefined) {
    text = new Date(seconds * 1000).toISOString().slice(0, 19) + 'Z';
    if (recentTimestamps.size >= 256) recentTimestamps.clear();
    recentTimestamps.set(seconds, text);
  }
  return text;
}

export function formatNullableTimestamp(ms: number | null): string | null {
  return ms === null ? null : formatTimestamp(ms);
}

/** Parses an ISO 8601 date or date-time; returns null when it is not one. */
export function parseTimestamp(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return null;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : null;
}
