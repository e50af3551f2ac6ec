/**
 * Listeners (`satang listen`, test mode, secret key): made by the CLI, their deliveries streamed to
 * it as Server-Sent Events (webhooks/listener-streams.ts) and acknowledged one by one, then removed. The stream and the acknowledgements stay out of the request log.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { notFound, OmiseError } from '../../domain/errors.js';
import { parseForwardTo, parseListenerAck, parseListenerAcks, parseListenerEvents } from '../../domain/listeners.js';
import { requireTestMode } from '../../domain/test-mode.js';
import { renderListener, renderListenerDelivery } from '../../render/listeners.js';
import { findListener } from '../../store/listeners.js';
import { acknowledgeDeliveries, acknowledgeDelivery, createListener, removeListener } from '../../usecases/listeners.js';
import { callerOf, readContext, runChange } from '../requests.js';

type IdParams = { Params: { id: string } };
type DeliveryParams = { Params: { id: string; delivery: string } };

export async function listenerRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.post('/test/listeners', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    requireTestMode(caller.livemode);
    const params = request.omiseParams;
    const input = { events: parseListenerEvents(params.events), forwardTo: parseForwardTo(params.forward_to) };
    return runChange(request, reply, caller, async (tx, ctx) => renderListener(await createListener(tx, ctx, input, gateway.wall.nowMs())));
  });

  app.get<IdParams>('/test/listeners/:id', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    requireTestMode(ctx.scope.livemode);
    const listener = await findListener(gateway.store.read, ctx.scope, request.params.id);
    if (!listener) throw notFound('listener', request.params.id);
    return renderListener(listener);
  });

  app.get<IdParams>('/test/listeners/:id/stream', { config: { requestLog: false } }, async (request, reply) => {
    const { ctx } = await readContext(request, 'secret');
    requireTestMode(ctx.scope.livemode);
    const listener = await findListener(gateway.store.read, ctx.scope, request.params.id);
    if (!listener) throw notFound('listener', request.params.id);
    // A draining process takes no new stream: the CLI tries again (behind a load balancer, another process).
    if (app.ops.draining) throw new OmiseError('service_unavailable', 'the gateway is shutting down; connect again in a moment');
    const sink = new PassThrough();
    gateway.listeners.open(listener, sink);
    // X-Accel-Buffering: nginx passes each frame on as it comes, whatever its proxy_buffering.
    reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache, no-transform').header('x-accel-buffering', 'no');
    return reply.send(sink);
  });

  app.post<DeliveryParams>('/test/listeners/:id/deliveries/:delivery/ack', { config: { requestLog: false } }, async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    requireTestMode(caller.livemode);
    const ack = parseListenerAck(request.omiseParams);
    const { id, delivery } = request.params;
    const body = await runChange(request, reply, caller, async (tx, ctx) => {
      const done = await acknowledgeDelivery(tx, ctx, id, delivery, ack, gateway.wall.nowMs());
      return renderListenerDelivery(done.listener, done.job, done.finished);
    });
    gateway.listeners.acknowledged(id, delivery);
    return body;
  });

  app.post<IdParams>('/test/listeners/:id/acks', { config: { requestLog: false } }, async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    requireTestMode(caller.livemode);
    const acks = parseListenerAcks(request.omiseParams);
    const { id } = request.params;
    const body = await runChange(request, reply, caller, async (tx, ctx) => {
      const done = await acknowledgeDeliveries(tx, ctx, id, acks, gateway.wall.nowMs());
      return { object: 'list', location: `/test/listeners/${id}/acks`, data: done.map((item) => renderListenerDelivery(item.listener, item.job, item.finished)) };
    });
    for (const { delivery } of acks) gateway.listeners.acknowledged(id, delivery);
    return body;
  });

  app.delete<IdParams>('/test/listeners/:id', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    requireTestMode(caller.livemode);
    const body = await runChange(request, reply, caller, async (tx, ctx) => {
      const removed = await removeListener(tx, ctx, request.params.id);
      return { object: 'listener', id: removed.id, livemode: removed.livemode === 1, deleted: true };
    });
    gateway.listeners.listenerRemoved(request.params.id);
    return body;
  });
}
