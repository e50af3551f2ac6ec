/** The overview: today's and the last 30 days' volume, count and success rate, as a bar chart. */
import type { FastifyInstance } from 'fastify';
import { dailyTotals, type DayTotals } from '../../store/daily-totals.js';
import { contextOf, page } from './context.js';
import { bangkokDay, baht, dayLabel } from './format.js';

const days = 30;

interface Summary {
  volume: number;
  count: number;
  successful: number;
  rate: string;
}

function summarize(rows: DayTotals[]): Summary {
  const count = rows.reduce((n, r) => n + r.count, 0);
  const successful = rows.reduce((n, r) => n + r.successful, 0);
  return { volume: rows.reduce((n, r) => n + r.volume, 0), count, successful, rate: count === 0 ? '—' : `${((successful * 100) / count).toFixed(1)}%` };
}

/** A bar per day, scaled to the largest day: server-side SVG, no chart library. */
function barChart(series: DayTotals[]): { bars: Array<{ x: number; y: number; h: number; label: string; title: string }>; width: number; height: number; max: number } {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...series.map((d) => d.volume));
  const step = width / series.length;
  const bars = series.map((d, index) => {
    const h = Math.round((d.volume / max) * (height - 20));
    return {
      x: Math.round(index * step + 1),
      y: height - h,
      h,
      label: dayLabel(d.day).slice(5),
      title: `${dayLabel(d.day)}: ฿${baht(d.volume)} from ${d.successful} of ${d.count} charges`,
    };
  });
  return { bars, width, height, max };
}

export async function overviewRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', async (request, reply) => {
    const ctx = await contextOf(request);
    const today = bangkokDay(ctx.nowMs);
    const first = today - (days - 1);
    // Kept up to date by every change to a charge (usecases/daily-totals.ts): at most 30 rows, whatever the charges.
    const rows = await dailyTotals(app.gateway.store.read, ctx.scope, first, today);
    const byDay = new Map(rows.map((r) => [r.day, r]));
    const series: DayTotals[] = [];
    for (let day = first; day <= today; day++) series.push(byDay.get(day) ?? { day, count: 0, successful: 0, volume: 0 });
    return page(request, reply, 'overview', { page: 'overview', title: 'Overview' }, {
      today: summarize(series.slice(-1)),
      month: summarize(series),
      chart: { ...barChart(series), step: 600 / series.length },
      nowMs: ctx.nowMs,
    });
  });
}
