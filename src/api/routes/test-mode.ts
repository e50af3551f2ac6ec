/**
 * Test-mode tools, clearly Satang's own (DECISIONS §8, §10): the test clock, test-data reset, the
 * account's test settings (the default scripted outcome) and test events on demand (the trigger).
 * Secret key, test mode only.
 */
import type { FastifyInstance } from 'fastify';
import { OmiseError } from '../../domain/errors.js';
import { formatTimestamp, parseTimestamp } from '../../domain/time.js';
import { requireTestMode } from '../../domain/test-mode.js';
import { resetTestData } from '../../usecases/reset.js';
import { testSettingsOf } from '../../domain/scripted-outcomes.js';
import { findAccount } from '../../store/accounts.js';
import type { Account } from '../../store/schema.js';
import { changeTestSettings } from '../../usecases/accounts.js';
import { advanceClock, type ClockAdvance } from '../../usecases/clock.js';
import { checkTrigger, type TriggerEvent } from '../../domain/trigger.js';
import { type Json, renderRefund, type RenderContext } from '../../render/omise-json.js';
import { triggerTestEvent, type TriggerResult } from '../../usecases/trigger.js';
import { integerParam, isGiven, type Params, stringParam } from '../params.js';
import { callerOf, readContext, runChange } from '../requests.js';
import { render as renderChargeWithSource } from './charges.js';

export function renderClock(nowMs: number, wallNowMs: number) {
  return {
    object: 'test_clock',
    livemode: false,
    location: '/test/clock',
    now: formatTimestamp(nowMs),
    // The wall clock is read after the account's clock: to the nearest second, never below 0 (a
    // millisecond between the reads once showed an unmoved clock as -1).
    offset_seconds: Math.max(0, Math.round((nowMs - wallNowMs) / 1000)),
  };
}

/** GET|PATCH /test/settings: the account's test settings that are Satang's own (DECISIONS §10). */
export function renderTestSettings(account: Account) {
  return { object: 'test_settings', livemode: false, location: '/test/settings', ...testSettingsOf(account) };
}

/** POST /test/trigger's answer: the objects the trigger made and the ids of the events it wrote, in order. */
export function renderTrigger(event: TriggerEvent, result: TriggerResult, ctx: RenderContext): Json {
  return {
    object: 'trigger',
    livemode: false,
    location: '/test/trigger',
    event,
    charge: renderChargeWithSource(result.charge, ctx),
    refund: result.refund ? renderRefund(result.refund) : null,
    events: result.events.map((row) => row.id),
  };
}

/** POST /test/trigger's parameters: `event`, `amount` (satang), `funding_source`. */
function parseTrigger(params: Params) {
  const amount = integerParam(params.amount);
  return checkTrigger({
    event: params.event,
    amount: amount.kind === 'ok' ? amount.value : amount.kind === 'invalid' ? Number.NaN : undefined,
    fundingSource: params.funding_source,
  });
}

function parseAdvance(params: Record<string, unknown>): ClockAdvance {
  const seconds = integerParam(params.seconds);
  const to = stringParam(params.to);
  if (seconds.kind !== 'missing' && isGiven(params.to)) throw new OmiseError('bad_request', 'give either seconds or to, not both');
  if (seconds.kind === 'ok') {
    if (seconds.value <= 0) throw new OmiseError('bad_request', 'seconds must be a positive integer');
    return { byMs: seconds.value * 1000 };
  }
  if (seconds.kind === 'invalid') throw new OmiseError('bad_request', 'seconds must be a positive integer');
  if (to === undefined) throw new OmiseError('bad_request', 'seconds or to is required');
  const toMs = to === null ? null : parseTimestamp(to);
  if (toMs === null) throw new OmiseError('bad_request', 'to must be an ISO 8601 date and time');
  return { toMs };
}

export async function testModeRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/test/clock', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    requireTestMode(ctx.scope.livemode);
    return renderClock(ctx.nowMs, gateway.wall.nowMs());
  });

  app.post('/test/clock/advance', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    const advance = parseAdvance(request.omiseParams);
    const wallNowMs = gateway.wall.nowMs();
    const body = await runChange(request, reply, caller, async (tx, ctx) => {
      const offsetMs = await advanceClock(tx, ctx.scope, wallNowMs, advance);
      return renderClock(wallNowMs + offsetMs, wallNowMs);
    });
    gateway.clockMoved(caller.accountId);
    return body;
  });

  app.get('/test/settings', async (request) => {
    const { ctx } = await readContext(request, 'secret');
    requireTestMode(ctx.scope.livemode);
    const account = await findAccount(gateway.store.read, ctx.scope.accountId);
    if (!account) throw new OmiseError('not_found', `account ${ctx.scope.accountId} was not found`);
    return renderTestSettings(account);
  });

  app.patch('/test/settings', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    const params = request.omiseParams;
    const change = {
      defaultOutcome: params.default_outcome,
      defaultOutcomeAfterSeconds: params.default_outcome_after_seconds,
      defaultFundingSource: params.default_funding_source,
    };
    return runChange(request, reply, caller, async (tx, ctx) => renderTestSettings(await changeTestSettings(tx, ctx, change)));
  });

  app.post('/test/trigger', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    requireTestMode(caller.livemode);
    const trigger = parseTrigger(request.omiseParams);
    return runChange(request, reply, caller, async (tx, ctx) => renderTrigger(trigger.event, await triggerTestEvent(tx, ctx, trigger), ctx));
  });

  app.post('/test/reset', async (request, reply) => {
    const caller = await callerOf(request, 'secret');
    return runChange(request, reply, caller, async (tx, ctx) => {
      const charges = await resetTestData(tx, ctx.scope);
      return { object: 'test_reset', livemode: false, location: '/test/reset', deleted_charges: charges };
    });
  });
}
