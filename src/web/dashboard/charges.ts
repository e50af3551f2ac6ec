/** Charges: the list (charge-list.ts) and a charge's page with its actions. */
import type { FastifyInstance } from 'fastify';
import { OmiseError, notFound } from '../../domain/errors.js';
import { type Completion, fundingSources, isFundingSource } from '../../domain/lifecycle.js';
import { eventsOfCharge, jobsOfEvents } from '../../store/dashboard.js';
import { chargeListPage } from './charge-list.js';
import { findChargeWithSource } from '../../store/charges.js';
import { listDeliveriesOfEvents } from '../../store/webhooks.js';
import { completeCharge, expireCharge } from '../../usecases/lifecycle.js';
import { createRefund } from '../../usecases/refunds.js';
import { redeliverEvent } from '../../usecases/webhooks.js';
import { runChange, contextOf, field, page, redirect } from './context.js';
import { parseBaht } from './format.js';
import { chargeActions } from '../../domain/charge-actions.js';

type IdParams = { Params: { id: string } };

function chargeUrl(id: string, notice?: string): string {
  return `/dashboard/charges/${id}${notice ? `?notice=${notice}` : ''}`;
}

export async function chargeRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  // The list, its search and filters: charge-list.ts.
  app.get('/charges', { config: { dashboardRole: 'viewer' } }, chargeListPage);

  app.get<IdParams>('/charges/:id', async (request, reply) => {
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

  app.post<IdParams>('/charges/:id/complete', async (request, reply) => {
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

  app.post<IdParams>('/charges/:id/expire', async (request, reply) => {
    const id = request.params.id;
    await runChange(request, 'charge.expire', id, {}, (tx, ctx) => expireCharge(tx, ctx, id));
    return redirect(reply, chargeUrl(id, 'expired'));
  });

  app.post<IdParams>('/charges/:id/refund', async (request, reply) => {
    const id = request.params.id;
    const amount = parseBaht(field(request, 'amount'));
    if (amount === null || amount <= 0) throw new OmiseError('bad_request', 'amount must be a positive number of baht, like 120 or 120.50');
    const voidRequested = field(request, 'void') === 'on';
    const refund = await runChange(request, 'charge.refund', id, { amount, void: voidRequested }, (tx, ctx) => createRefund(tx, ctx, id, { amount, voidRequested, metadata: {} }));
    return redirect(reply, chargeUrl(id, refund.voided ? 'voided' : 'refunded'));
  });

  app.post<{ Params: { id: string; event: string } }>('/charges/:id/events/:event/redeliver', async (request, reply) => {
    const { id, event } = request.params;
    await runChange(request, 'event.redeliver', event, {}, (tx, ctx) => redeliverEvent(tx, ctx, event, undefined, gateway.targetPolicy));
    return redirect(reply, chargeUrl(id, 'redelivered'));
  });
}
