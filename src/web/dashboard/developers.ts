/**
 * Developers: the request log (test mode; filters by status, route, method, path and request id,
 * newest first, paged), and events with their webhook deliveries, next to the account's endpoints.
 * The events page has "Send test event" (the trigger's form, shared with the Webhooks page) and each
 * endpoint's chaos settings (changed on the Webhooks page).
 */
import { fundingSources } from '../../domain/lifecycle.js';
import { triggerAmountSatangDefault, triggerEvents } from '../../domain/trigger.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OmiseError } from '../../domain/errors.js';
import { filterParams, noFilter, parseRequestLogFilter, type RequestLogFilter } from '../../domain/request-log.js';
import { jobsOfEvents, listEventsForDashboard } from '../../store/dashboard.js';
import { requestLogPageBefore } from '../../store/request-log.js';
import { listDeliveriesOfEvents, listEndpoints } from '../../store/webhooks.js';
import { contextOf, page } from './context.js';
import { wordsOf } from './i18n.js';
import { refusalInWords } from './refusals.js';

export const requestLogEntriesPerPage = 50;
export const eventsPerPage = 25;
/** Delivery attempts shown per event on the events page (the charge's page shows them all). */
const deliveriesPerEvent = 5;
const eventKeys = ['charge.create', 'charge.update', 'charge.complete', 'charge.expire', 'refund.create'];

const query = (request: FastifyRequest) => request.query as Record<string, unknown>;
const positiveInteger = (value: unknown) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : undefined);

export async function developerRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/developers', { config: { dashboardRole: 'viewer' } }, async (request, reply) => {
    const ctx = await contextOf(request);
    const params = query(request);
    const given = { status: text(params.status), route: text(params.route), request_id: text(params.request_id), method: text(params.method), path: text(params.path) };
    let filter: RequestLogFilter = noFilter;
    let badFilter: string | null = null;
    try {
      filter = parseRequestLogFilter(given);
    } catch (error) {
      if (!(error instanceof OmiseError)) throw error;
      badFilter = refusalInWords(error.message, wordsOf(request)) ?? error.message;
    }
    const before = positiveInteger(params.before);
    const live = ctx.scope.livemode === 1;
    const rows =
      live || badFilter !== null
        ? []
        : await requestLogPageBefore(
            gateway.store.read,
            ctx.scope.accountId,
            filter,
            { sinceMs: gateway.wall.nowMs() - gateway.requestLog.ageMsMax, keep: gateway.requestLog.entriesPerAccountMax },
            before,
            requestLogEntriesPerPage,
          );
    const shown = rows.slice(0, requestLogEntriesPerPage);
    const keep = new URLSearchParams(badFilter === null ? filterParams(filter) : {});
    const next = new URLSearchParams(keep);
    const last = shown.at(-1);
    if (last) next.set('before', String(last.seq));
    return page(request, reply, 'developers', { page: 'developers', title: wordsOf(request).t('nav.developers') }, {
      tab: 'requests',
      live,
      // A request about a charge links to its page (not one that found no charge).
      entries: shown.map((row) => ({ ...row, chargeId: row.status === 404 ? null : (/^\/charges\/(chrg_test_[0-9a-z]{19})(\/|$)/.exec(row.path)?.[1] ?? null) })),
      filter: { status: given.status ?? '', route: given.route ?? '', request_id: given.request_id ?? '', method: given.method ?? '', path: given.path ?? '' },
      badFilter,
      next: rows.length > requestLogEntriesPerPage ? `/dashboard/developers?${next}` : null,
      first: before !== undefined ? `/dashboard/developers${keep.size > 0 ? `?${keep}` : ''}` : null,
    });
  });

  app.get('/developers/events', { config: { dashboardRole: 'viewer' } }, async (request, reply) => {
    const ctx = await contextOf(request);
    const params = query(request);
    const key = eventKeys.find((known) => known === params.key);
    const cursor = typeof params.before === 'string' ? /^(\d{1,15})_(\d{1,15})$/.exec(params.before) : null;
    const before = cursor ? { createdAt: Number(cursor[1]), seq: Number(cursor[2]) } : undefined;
    const db = gateway.store.read;
    const [rows, endpoints] = await Promise.all([listEventsForDashboard(db, ctx.scope, { key, before }, eventsPerPage), listEndpoints(db, ctx.scope)]);
    const shown = rows.slice(0, eventsPerPage);
    const ids = shown.map((event) => event.id);
    const [deliveries, jobs] = await Promise.all([listDeliveriesOfEvents(db, ids, deliveriesPerEvent), jobsOfEvents(db, ids)]);
    const keep = new URLSearchParams(key ? { key } : {});
    const next = new URLSearchParams(keep);
    const last = shown.at(-1);
    if (last) next.set('before', `${last.created_at}_${last.seq}`);
    return page(request, reply, 'developer-events', { page: 'developers', title: `${wordsOf(request).t('nav.developers')}: ${wordsOf(request).t('developers.tab.events')}` }, {
      tab: 'events',
      live: ctx.scope.livemode === 1,
      triggerEvents,
      triggerAmountSatangDefault,
      fundingSources,
      eventKeys,
      key: key ?? '',
      endpoints,
      events: shown.map((event) => ({
        event,
        // Newest first, as the attempts are listed to people.
        deliveries: [...(deliveries.get(event.id) ?? [])].reverse(),
        waiting: jobs.filter((job) => job.event_id === event.id && job.status !== 'delivered'),
      })),
      next: rows.length > eventsPerPage ? `/dashboard/developers/events?${next}` : null,
      first: before ? `/dashboard/developers/events${keep.size > 0 ? `?${keep}` : ''}` : null,
    });
  });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
