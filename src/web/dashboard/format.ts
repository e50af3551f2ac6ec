/** How the dashboard writes money and times. */
import { bangkokDayOf, bangkokDayStartMs, bangkokOffsetMs, dayMs } from '../../domain/time.js';

/** 123456 satang → "1,234.56". */
export function baht(satang: number): string {
  const sign = satang < 0 ? '-' : '';
  const abs = Math.abs(satang);
  return `${sign}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

/** A time in Bangkok (UTC+7, no daylight saving): "2026-11-27 23:59:01". */
export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms + bangkokOffsetMs).toISOString().slice(0, 19).replace('T', ' ');
}

/** A length of time for people: "1 d 2 h 5 min", "45 s". */
export function span(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'min'],
  ];
  const shown = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}`);
  return shown.length > 0 ? shown.join(' ') : `${seconds} s`;
}

/** The Bangkok day number of a time, and the time a Bangkok day starts. */
export { bangkokDayOf as bangkokDay, bangkokDayStartMs as bangkokDayStart };
export function dayLabel(day: number): string {
  return new Date(day * dayMs).toISOString().slice(0, 10);
}
export { bangkokOffsetMs, dayMs };

/** "123.45" or "123" baht typed by a person → satang, or null when it is not an amount. */
export function parseBaht(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const match = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text.replace(/,/g, ''));
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** A YYYY-MM-DD date typed in a filter → the Bangkok day's start, or undefined. */
export function parseDay(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(ms) ? ms - bangkokOffsetMs : undefined;
}
