import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { notFound } from '../../domain/errors.js';
import { renderEvents } from '../../render/events.js';
import { type Json, listJsonPieces, renderList } from '../../render/omise-json.js';
import { findCharge } from '../../store/charges.js';
import { findEvent, listEvents } from '../../store/events.js';
import { parseListWindow } from '../params.js';

/** Sends a list of events piece by piece (listJsonPieces): with their deliveries they run to megabytes. */
function sendList(reply: FastifyReply, list: Json & { data: Json[] }): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(Readable.from(listJsonPieces(list)));
}

export async function eventRoutes(app: FastifyInstance): Promise<void> {
  const { satang } = app;

  app.get('/events', async (request, reply) => {
    const { ctx } = await satang.authenticate(request, 'secret');
    const window = parseListWindow(request.params_, ctx.nowMs);
    const page = await listEvents(satang.store.read, ctx.scope, window);
    return sendList(reply, renderList(await renderEvents(satang.store.read, page.rows, ctx.publicUrl, 'recent'), { location: '/events', window, total: page.total }));
  });

  app.get<{ Params: { id: string } }>('/events/:id', async (request) => {
    const { ctx } = await satang.authenticate(request, 'secret');
    const event = await findEvent(satang.store.read, ctx.scope, request.params.id);
    if (!event) throw notFound('event', request.params.id);
    return (await renderEvents(satang.store.read, [event], ctx.publicUrl, 'all'))[0];
  });

  app.get<{ Params: { id: string } }>('/charges/:id/events', async (request, reply) => {
    const { ctx } = await satang.authenticate(request, 'secret');
    const window = parseListWindow(request.params_, ctx.nowMs);
    const charge = await findCharge(satang.store.read, ctx.scope, request.params.id);
    if (!charge) throw notFound('charge', request.params.id);
    const page = await listEvents(satang.store.read, ctx.scope, window, charge.id);
    return sendList(reply, renderList(await renderEvents(satang.store.read, page.rows, ctx.publicUrl, 'recent'), { location: `/charges/${charge.id}/events`, window, total: page.total }));
  });
}
