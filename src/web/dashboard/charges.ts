/** Charges: the list (filters, search, keyset pages) and a charge's page with its actions. */
import type { FastifyInstance } from 'fastify';
import { listChargesForDashboard } from '../../store/dashboard.js';
import type { ChargeStatus } from '../../domain/lifecycle.js';
import { contextOf, page } from './context.js';
import { dayMs, parseDay } from './format.js';
import { chargePageRoutes } from './charge-page.js';

const statuses: ChargeStatus[] = ['pending', 'successful', 'failed', 'expired'];
export const chargesPerPage = 50;

export async function chargeRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/charges', { config: { dashboardRole: 'viewer' } }, async (request, reply) => {
    const ctx = await contextOf(request);
    const query = request.query as Record<string, unknown>;
    const status = statuses.find((s) => s === query.status);
    const fromMs = parseDay(query.from);
    const toDay = parseDay(query.to);
    const search = typeof query.q === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(query.q.trim()) ? query.q.trim() : undefined;
    let before: { createdAt: number; seq: number } | undefined;
    const cursor = typeof query.before === 'string' ? /^(\d{1,15})_(\d{1,15})$/.exec(query.before) : null;
    if (cursor) before = { createdAt: Number(cursor[1]), seq: Number(cursor[2]) };
    const rows = await listChargesForDashboard(gateway.store.read, ctx.scope, { status, fromMs, toMs: toDay === undefined ? undefined : toDay + dayMs, search, before }, chargesPerPage);
    const more = rows.length > chargesPerPage;
    const shown = rows.slice(0, chargesPerPage);
    const keep = new URLSearchParams();
    if (status) keep.set('status', status);
    for (const name of ['from', 'to'] as const) if (typeof query[name] === 'string' && parseDay(query[name]) !== undefined) keep.set(name, query[name] as string);
    if (search) keep.set('q', search);
    const last = shown.at(-1);
    const nextQuery = new URLSearchParams(keep);
    if (last) nextQuery.set('before', `${last.created_at}_${last.seq}`);
    return page(request, reply, 'charges', { page: 'charges', title: 'Charges' }, {
      charges: shown,
      statuses,
      filter: { status: status ?? '', from: keep.get('from') ?? '', to: keep.get('to') ?? '', q: search ?? (typeof query.q === 'string' ? query.q : '') },
      badSearch: typeof query.q === 'string' && query.q.trim() !== '' && !search,
      next: more ? `/dashboard/charges?${nextQuery}` : null,
      first: before ? `/dashboard/charges${keep.size > 0 ? `?${keep}` : ''}` : null,
    });
  });

  // A charge's page and its money actions (each asks first): charge-page.ts.
  await chargePageRoutes(app);
}
