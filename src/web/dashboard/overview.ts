/** The overview: today's and the last 30 days' volume, count and success rate, as a bar chart. */
import type { FastifyInstance } from 'fastify';
import { dailyTotals, type DayTotals } from '../../store/daily-totals.js';
import { contextOf, page } from './context.js';
import { bangkokDay, bangkokDayStart } from './format.js';
import { wordsOf } from './i18n.js';

const days = 30;

interface Summary {
  volume: number;
  count: number;
  successful: number;
  /** Successful of all (0..1), or null when there were none; the template writes it for the language. */
  rate: number | null;
}

function summarize(rows: DayTotals[]): Summary {
  const count = rows.reduce((n, r) => n + r.count, 0);
  const successful = rows.reduce((n, r) => n + r.successful, 0);
  return { volume: rows.reduce((n, r) => n + r.volume, 0), count, successful, rate: count === 0 ? null : successful / count };
}

/**
 * A bar per day, scaled to the largest day: server-side SVG in a fixed viewBox (it scales with the
 * page), no chart library. Each bar carries its numbers; the template writes its words (the day,
 * the amount) in the page's language.
 */
function barChart(series: DayTotals[]): { bars: Array<{ x: number; y: number; h: number; dayMs: number } & DayTotals>; width: number; height: number; max: number } {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...series.map((d) => d.volume));
  const step = width / series.length;
  const bars = series.map((d, index) => {
    const h = Math.round((d.volume / max) * (height - 20));
    return { ...d, x: Math.round(index * step + 1), y: height - h, h, dayMs: bangkokDayStart(d.day) };
  });
  return { bars, width, height, max };
}

export async function overviewRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', { config: { dashboardRole: 'viewer' } }, async (request, reply) => {
    const ctx = await contextOf(request);
    const today = bangkokDay(ctx.nowMs);
    const first = today - (days - 1);
    // Kept up to date by every change to a charge (usecases/daily-totals.ts): at most 30 rows, whatever the charges.
    const rows = await dailyTotals(app.gateway.store.read, ctx.scope, first, today);
    const byDay = new Map(rows.map((r) => [r.day, r]));
    const series: DayTotals[] = [];
    for (let day = first; day <= today; day++) series.push(byDay.get(day) ?? { day, count: 0, successful: 0, volume: 0 });
    return page(request, reply, 'overview', { page: 'overview', title: wordsOf(request).t('nav.overview') }, {
      today: summarize(series.slice(-1)),
      month: summarize(series),
      chart: { ...barChart(series), step: 600 / series.length },
      nowMs: ctx.nowMs,
      wallNowMs: app.gateway.wall.nowMs(),
    });
  });
}
