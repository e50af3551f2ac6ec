import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { notFound } from '../../domain/errors.js';
import { renderEvents } from '../../render/events.js';
import { type Json, listJsonPieces, renderList } from '../../render/omise-json.js';
import { findCharge } from '../../store/charges.js';
import type { Kysely } from 'kysely';
import { type DeliveriesShown, findEvent, listEvents, loadEventRelations } from '../../store/events.js';
import type { DB, EventRow } from '../../store/schema.js';
import { parseListWindow } from '../params.js';
import { readContext } from '../requests.js';

/** Events as the API shows them: their rows loaded, then rendered. */
export async function eventsJson(db: Kysely<DB>, events: EventRow[], shown: DeliveriesShown, publicUrl: string): Promise<Json[]> {
  return renderEvents(events, await loadEventRelations(db, events, shown), publicUrl);
}

/** Sends a list of events piece by piece (listJsonPieces): with their deliveries they run to megabytes. */
function sendList(reply: FastifyReply, list: Json & { data: Json[] }): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(Readable.from(listJsonPieces(list)));
}

export async function eventRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/events', async (request, reply) => {
    const { ctx } = await readContext(request, 'secret');
    const window = parseListWindow(request.omiseParams, ctx.nowMs);
    const page = await listEvents(gateway.store.read, ctx.scope, window);
    return sendList(reply, renderList(await eventsJson(gateway.store.read, page.rows, 'recent', ctx.publicUrl), { location: '/events', window, total: page.total }));
  });

  app.get<{ Params: { id: string } }>('/events/:id', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const event = await findEvent(gateway.store.read, ctx.scope, request.params.id);
    if (!event) throw notFound('event', request.params.id);
    return (await eventsJson(gateway.store.read, [event], 'all', ctx.publicUrl))[0];
  });

  app.get<{ Params: { id: string } }>('/charges/:id/events', async (request, reply) => {
    const { ctx } = await readContext(request, 'secret');
    const window = parseListWindow(request.omiseParams, ctx.nowMs);
    const charge = await findCharge(gateway.store.read, ctx.scope, request.params.id);
    if (!charge) throw notFound('charge', request.params.id);
    const page = await listEvents(gateway.store.read, ctx.scope, window, charge.id);
    return sendList(reply, renderList(await eventsJson(gateway.store.read, page.rows, 'recent', ctx.publicUrl), { location: `/charges/${charge.id}/events`, window, total: page.total }));
  });
}
