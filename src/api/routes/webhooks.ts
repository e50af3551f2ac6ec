/**
 * Webhook endpoints, the webhook secret and redelivery: Satang's own API (Omise keeps these
 * in its dashboard), secret key, per account and mode.
 */
import type { FastifyInstance } from 'fastify';
import { eventsJson } from './events.js';
import { OmiseError, notFound } from '../../domain/errors.js';
import { formatTimestamp } from '../../domain/time.js';
import { parseChaosSettings } from '../../domain/webhook-chaos.js';
import { renderWebhookEndpoint } from '../../render/omise-json.js';
import { findEvent } from '../../store/events.js';
import type { WebhookSecret } from '../../store/schema.js';
import { findEndpoint, listEndpoints } from '../../store/webhooks.js';
import {
  changeEndpoint,
  createEndpoint,
  type EndpointInput,
  ensureWebhookSecret,
  redeliverEvent,
  removeEndpoint,
  rollWebhookSecret,
} from '../../usecases/webhooks.js';
import { isGiven, type Params, stringParam } from '../params.js';
import { callerOf, readContext, runChange } from '../requests.js';

type IdParams = { Params: { id: string } };

function parseEndpointInput(params: Params): EndpointInput {
  const input: EndpointInput = {};
  const url = stringParam(params.url);
  if (url === null) throw new OmiseError('bad_request', 'url must be a string');
  if (url !== undefined) input.url = url;
  if (isGiven(params.enabled)) {
    const enabled = params.enabled;
    if (enabled === true || enabled === 'true') input.enabled = true;
    else if (enabled === false || enabled === 'false') input.enabled = false;
    else throw new OmiseError('bad_request', 'enabled must be true or false');
  }
  // Webhook chaos (test mode): settings, or JSON null to turn it off ("" is not given, as everywhere).
  const chaos = parseChaosSettings(params.chaos);
  if (chaos !== undefined) input.chaos = chaos;
  return input;
}

function renderSecret(secret: WebhookSecret, nowMs: number) {
  const overlapping = secret.previous_secret !== null && secret.previous_valid_until !== null && nowMs < secret.previous_valid_until;
  return {
    object: 'webhook_secret',
    livemode: secret.livemode === 1,
    location: '/webhook_secret',
    secret: secret.secret,
    previous_secret_valid_until: overlapping ? formatTimestamp(secret.previous_valid_until!) : null,
  };
}

export async function webhookRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/webhook_endpoints', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const endpoints = await listEndpoints(gateway.store.read, ctx.scope);
    return { object: 'list', data: endpoints.map(renderWebhookEndpoint), total: endpoints.length, location: '/webhook_endpoints' };
  });

  app.post('/webhook_endpoints', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    const input = parseEndpointInput(request.omiseParams);
    return runChange(request, reply, caller, async (tx, ctx) => renderWebhookEndpoint(await createEndpoint(tx, ctx, input, gateway.targetPolicy)));
  });

  app.get<IdParams>('/webhook_endpoints/:id', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    const endpoint = await findEndpoint(gateway.store.read, ctx.scope, request.params.id);
    if (!endpoint) throw notFound('webhook endpoint', request.params.id);
    return renderWebhookEndpoint(endpoint);
  });

  app.patch<IdParams>('/webhook_endpoints/:id', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    const input = parseEndpointInput(request.omiseParams);
    return runChange(request, reply, caller, async (tx, ctx) => renderWebhookEndpoint(await changeEndpoint(tx, ctx, request.params.id, input, gateway.targetPolicy)));
  });

  app.delete<IdParams>('/webhook_endpoints/:id', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    return runChange(request, reply, caller, async (tx, ctx) => {
      const removed = await removeEndpoint(tx, ctx, request.params.id);
      return { object: 'webhook_endpoint', id: removed.id, livemode: removed.livemode === 1, deleted: true };
    });
  });

  app.get('/webhook_secret', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    // Made on first sight for accounts older than webhooks.
    return runChange(request, reply, caller, async (tx, ctx) => renderSecret(await ensureWebhookSecret(tx, ctx.scope, ctx.nowMs), ctx.nowMs));
  });

  app.post('/webhook_secret/roll', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    return runChange(request, reply, caller, async (tx, ctx) => renderSecret(await rollWebhookSecret(tx, ctx), ctx.nowMs));
  });

  app.post<IdParams>('/events/:id/redeliver', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    const url = stringParam(request.omiseParams.url);
    if (url === null) throw new OmiseError('bad_request', 'url must be a string');
    await runChange(request, reply, caller, async (tx, ctx) => {
      const jobs = await redeliverEvent(tx, ctx, request.params.id, url, gateway.targetPolicy);
      return { object: 'redelivery', count: jobs.length };
    });
    // A test-data reset may have deleted the event (and the new jobs with it) since the commit,
    // or while it is rendered (its charge is then gone first): either way it was not found.
    const scope = { accountId: caller.accountId, livemode: caller.livemode };
    const event = await findEvent(gateway.store.read, scope, request.params.id);
    if (!event) throw notFound('event', request.params.id);
    try {
      return (await eventsJson(gateway.store.read, [event], 'all', gateway.publicUrl))[0];
    } catch (error) {
      if (!(await findEvent(gateway.store.read, scope, request.params.id))) throw notFound('event', request.params.id);
      throw error;
    }
  });
}
