/** Charges: the list (filters, search, keyset pages) and a charge's page with its actions. */
import type { FastifyInstance } from 'fastify';
import { OmiseError, notFound } from '../../domain/errors.js';
import { type Completion, fundingSources, isFundingSource } from '../../domain/lifecycle.js';
import { eventsOfCharge, jobsOfEvents, listChargesForDashboard } from '../../store/dashboard.js';
import { findChargeWithSource } from '../../store/charges.js';
import type { ChargeStatus } from '../../domain/lifecycle.js';
import { listDeliveriesOfEvents } from '../../store/webhooks.js';
import { completeCharge, expireCharge } from '../../usecases/lifecycle.js';
import { createRefund } from '../../usecases/refunds.js';
import { redeliverEvent } from '../../usecases/webhooks.js';
import { runChange, contextOf, field, page, redirect } from './context.js';
import { dayMs, parseBaht, parseDay } from './format.js';
import { chargeActions } from '../../domain/charge-actions.js';

type IdParams = { Params: { id: string } };
const statuses: ChargeStatus[] = ['pending', 'successful', 'failed', 'expired'];
export const chargesPerPage = 50;

function chargeUrl(id: string, notice?: string): string {
  return `/dashboard/charges/${id}${notice ? `?notice=${notice}` : ''}`;
}

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

  app.get<IdParams>('/charges/:id', { config: { dashboardRole: 'viewer' } }, async (request, reply) => {
    const ctx = await contextOf(request);
    const db = gateway.store.read;
    const found = await findChargeWithSource(db, ctx.scope, request.params.id);
    if (!found) throw notFound('charge', request.params.id);
    const events = await eventsOfCharge(db, ctx.scope, found.charge.id);
    const eventIds = events.map((e) => e.id);
    const [deliveries, jobs] = await Promise.all([listDeliveriesOfEvents(db, eventIds), jobsOfEvents(db, eventIds)]);
    const { charge } = found;
    return page(request, reply, 'charge', { page: 'charges', title: `Charge ${charge.id}` }, {
      charge,
      source: found.source,
      refunds: found.refunds ?? [],
      timeline: events.map((event) => ({ event, deliveries: deliveries.get(event.id) ?? [], jobs: jobs.filter((j) => j.event_id === event.id) })),
      actions: chargeActions(charge, ctx.nowMs),
      fundingSources,
      qrUrl: `/charges/${charge.id}/documents/${charge.document_id}/downloads/${charge.download_token}`,
      nowMs: ctx.nowMs,
      // Event times follow the account's clock, delivery attempts the wall clock: say how far apart they are.
      clockAheadMs: ctx.nowMs - gateway.wall.nowMs(),
    });
  });

  app.post<IdParams>('/charges/:id/complete', { config: { dashboardRole: 'operator' } }, async (request, reply) => {
    const id = request.params.id;
    const outcome = field(request, 'outcome');
    let completion: Completion;
    if (outcome === 'failed') completion = { outcome: 'failed' };
    else if (outcome === 'successful') {
      const source = field(request, 'funding_source');
      if (!isFundingSource(source)) throw new OmiseError('bad_request', `choose a funding source: one of ${fundingSources.join(', ')}`);
      completion = { outcome: 'successful', fundingSource: source };
    } else throw new OmiseError('bad_request', 'outcome must be successful or failed');
    const details = completion.outcome === 'successful' ? { funding_source: completion.fundingSource } : {};
    await runChange(request, `charge.mark_${completion.outcome}`, id, details, (tx, ctx) => completeCharge(tx, ctx, id, completion, 'test tools'));
    return redirect(reply, chargeUrl(id, completion.outcome === 'successful' ? 'marked_successful' : 'marked_failed'));
  });

  app.post<IdParams>('/charges/:id/expire', { config: { dashboardRole: 'operator' } }, async (request, reply) => {
    const id = request.params.id;
    await runChange(request, 'charge.expire', id, {}, (tx, ctx) => expireCharge(tx, ctx, id));
    return redirect(reply, chargeUrl(id, 'expired'));
  });

  app.post<IdParams>('/charges/:id/refund', { config: { dashboardRole: 'operator' } }, async (request, reply) => {
    const id = request.params.id;
    const amount = parseBaht(field(request, 'amount'));
    if (amount === null || amount <= 0) throw new OmiseError('bad_request', 'amount must be a positive number of baht, like 120 or 120.50');
    const voidRequested = field(request, 'void') === 'on';
    const refund = await runChange(request, 'charge.refund', id, { amount, void: voidRequested }, (tx, ctx) => createRefund(tx, ctx, id, { amount, voidRequested, metadata: {} }));
    return redirect(reply, chargeUrl(id, refund.voided ? 'voided' : 'refunded'));
  });

  app.post<{ Params: { id: string; event: string } }>('/charges/:id/events/:event/redeliver', { config: { dashboardRole: 'operator' } }, async (request, reply) => {
    const { id, event } = request.params;
    await runChange(request, 'event.redeliver', event, {}, (tx, ctx) => redeliverEvent(tx, ctx, event, undefined, gateway.targetPolicy));
    return redirect(reply, chargeUrl(id, 'redelivered'));
  });
}
