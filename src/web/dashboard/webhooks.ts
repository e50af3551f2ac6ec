/** Webhook endpoints (their chaos settings too), the signing secret (reveal, roll), "Send test event" and recent deliveries, failures first. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AttemptChaos, type ChaosSettings, parseChaosSettings } from '../../domain/webhook-chaos.js';
import { OmiseError } from '../../domain/errors.js';
import { fundingSources } from '../../domain/lifecycle.js';
import { checkTrigger, triggerAmountSatangDefault, triggerEvents } from '../../domain/trigger.js';
import { triggerTestEvent } from '../../usecases/trigger.js';
import { parseBaht } from './format.js';
import { recentDeliveries } from '../../store/dashboard.js';
import { listEndpoints } from '../../store/webhooks.js';
import type { WebhookSecret } from '../../store/schema.js';
import type { Tx } from '../../store/store.js';
import { changeEndpoint, createEndpoint, ensureWebhookSecret, removeEndpoint, rollWebhookSecret } from '../../usecases/webhooks.js';
import { runChange, contextOf, field, leaveFlash, page, redirect, takeFlash } from './context.js';
import { wordsOf } from './i18n.js';
import { spoken } from './refusals.js';

type IdParams = { Params: { id: string } };
interface Revealed {
  secret: string;
  rolled: boolean;
  previousValidUntil: number | null;
}
const deliveriesShown = 50;

function failed(status: number | null): boolean {
  return status === null || status < 200 || status >= 300;
}

export async function webhookRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/webhooks', { config: { dashboardRole: 'viewer' } }, async (request, reply) => {
    const revealed = await takeFlash<Revealed>(request, 'webhooks');
    const ctx = await contextOf(request);
    const db = gateway.store.read;
    const [endpoints, deliveries] = await Promise.all([listEndpoints(db, ctx.scope), recentDeliveries(db, ctx.scope, deliveriesShown)]);
    // Failures first, newest first within each group.
    const sorted = [...deliveries.filter((d) => failed(d.status)), ...deliveries.filter((d) => !failed(d.status))];
    return page(request, reply, 'webhooks', { page: 'webhooks', title: wordsOf(request).t('nav.webhooks') }, {
      endpoints: endpoints.map((e) => ({ ...e, chaosSettings: e.chaos === null ? null : (JSON.parse(e.chaos) as ChaosSettings) })),
      // What webhook chaos did to each attempt; the template says it in words.
      deliveries: sorted.map((d) => ({ ...d, failed: failed(d.status), attemptChaos: d.chaos === null ? null : (JSON.parse(d.chaos) as AttemptChaos) })),
      revealed,
      nowMs: ctx.nowMs,
      triggerEvents,
      triggerAmountSatangDefault,
      fundingSources,
    });
  });

  // "Send test event" (test mode): the same use case as POST /test/trigger; the charge's page shows what it wrote.
  app.post('/webhooks/test-event', { config: { dashboardRole: 'operator' } }, spoken(async (request, reply) => {
    const amountText = field(request, 'amount');
    let amount: number | undefined;
    if (amountText !== undefined && amountText.trim() !== '') {
      const parsed = parseBaht(amountText);
      if (parsed === null) throw new OmiseError('bad_request', wordsOf(request).t('webhooks.error.amount'));
      amount = parsed;
    }
    const trigger = checkTrigger({ event: field(request, 'event'), amount, fundingSource: field(request, 'funding_source') });
    const details = { event: trigger.event, amount: trigger.amount, funding_source: trigger.fundingSource };
    const result = await runChange(request, 'test.trigger', trigger.event, details, (tx, ctx) => triggerTestEvent(tx, ctx, trigger));
    return redirect(reply, `/dashboard/charges/${result.charge.charge.id}?notice=test_event_sent`);
  }));

  app.post('/webhooks/endpoints', { config: { dashboardRole: 'owner' } }, spoken(async (request, reply) => {
    const url = field(request, 'url') ?? '';
    await runChange(request, 'webhook_endpoint.create', url, { url }, (tx, ctx) => createEndpoint(tx, ctx, { url: url.trim() }, gateway.targetPolicy));
    return redirect(reply, '/dashboard/webhooks?notice=endpoint_added');
  }));

  app.post<IdParams>('/webhooks/endpoints/:id', { config: { dashboardRole: 'owner' } }, spoken(async (request, reply) => {
    const id = request.params.id;
    const url = field(request, 'url');
    const enabled = field(request, 'enabled');
    const input = {
      ...(url !== undefined ? { url: url.trim() } : {}),
      ...(enabled === 'true' || enabled === 'false' ? { enabled: enabled === 'true' } : {}),
    };
    await runChange(request, 'webhook_endpoint.update', id, input, (tx, ctx) => changeEndpoint(tx, ctx, id, input, gateway.targetPolicy));
    return redirect(reply, '/dashboard/webhooks?notice=endpoint_changed');
  }));

  // Webhook chaos (test mode): the settings replace the old ones whole; a field left empty takes its default.
  app.post<IdParams>('/webhooks/endpoints/:id/chaos', { config: { dashboardRole: 'owner' } }, spoken(async (request, reply) => {
    const id = request.params.id;
    const delayMin = field(request, 'delay_min_ms')?.trim() ?? '';
    const delayMax = field(request, 'delay_max_ms')?.trim() ?? '';
    const chaos =
      field(request, 'off') === 'yes'
        ? null
        : parseChaosSettings({
            duplicate_rate: field(request, 'duplicate_rate'),
            delay_ms: delayMin === '' && delayMax === '' ? undefined : [delayMin || '0', delayMax || delayMin],
            reorder_window_ms: field(request, 'reorder_window_ms'),
            fail_first_attempts: field(request, 'fail_first_attempts'),
            seed: field(request, 'seed'),
          })!;
    await runChange(request, 'webhook_endpoint.chaos', id, { chaos }, (tx, ctx) => changeEndpoint(tx, ctx, id, { chaos }, gateway.targetPolicy));
    return redirect(reply, `/dashboard/webhooks?notice=${chaos ? 'chaos_saved' : 'chaos_off'}`);
  }));

  app.post<IdParams>('/webhooks/endpoints/:id/delete', { config: { dashboardRole: 'owner' } }, spoken(async (request, reply) => {
    const id = request.params.id;
    await runChange(request, 'webhook_endpoint.delete', id, {}, (tx, ctx) => removeEndpoint(tx, ctx, id));
    return redirect(reply, '/dashboard/webhooks?notice=endpoint_removed');
  }));

  /** Leaves the secret for the next load of the webhooks page (Post/Redirect/Get), which shows it once. */
  const revealOnce = (tx: Tx, request: FastifyRequest, secret: WebhookSecret, rolled: boolean) =>
    leaveFlash(tx, request, 'webhooks', { secret: secret.secret, rolled, previousValidUntil: secret.previous_valid_until } satisfies Revealed);

  // Revealing is an action (audited, CSRF-protected); the secret is shown on the next page load only.
  app.post('/webhooks/secret/reveal', { config: { dashboardRole: 'owner' } }, async (request, reply) => {
    await runChange(request, 'webhook_secret.reveal', null, {}, async (tx, ctx) => revealOnce(tx, request, await ensureWebhookSecret(tx, ctx.scope, ctx.nowMs), false));
    return redirect(reply, '/dashboard/webhooks');
  });

  app.post('/webhooks/secret/roll', { config: { dashboardRole: 'owner' } }, async (request, reply) => {
    if (field(request, 'confirm') !== 'yes') return redirect(reply, '/dashboard/webhooks');
    await runChange(request, 'webhook_secret.roll', null, {}, async (tx, ctx) => revealOnce(tx, request, await rollWebhookSecret(tx, ctx), true));
    return redirect(reply, '/dashboard/webhooks');
  });
}
