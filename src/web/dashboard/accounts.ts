/** Keys, settings, the test clock, test-data reset and the audit log of the account in view. */
import type { FastifyInstance } from 'fastify';
import { OmiseError } from '../../domain/errors.js';
import { findAccount, listActiveKeys } from '../../store/accounts.js';
import { listAudit } from '../../store/operators.js';
import { resetTestData } from '../../usecases/reset.js';
import { fundingSources } from '../../domain/lifecycle.js';
import { scriptedOutcomeAfterSecondsMax } from '../../domain/limits.js';
import { scriptedOutcomes, testSettingsOf } from '../../domain/scripted-outcomes.js';
import { changeSettings, changeTestSettings, liveProviderReady, rollKey, type SettingsInput } from '../../usecases/accounts.js';
import { advanceClock } from '../../usecases/clock.js';
import { runChange, contextOf, field, leaveFlash, page, redirect, sessionOf, takeFlash } from './context.js';
import { wordsOf } from './i18n.js';
import { spoken } from './refusals.js';
import { auditRows } from './audit.js';

const clockSteps: Record<string, number> = { '3600': 3600, '86400': 86_400, '604800': 604_800, '2592000': 2_592_000, '900': 900, '60': 60 };

export async function accountRoutes(app: FastifyInstance): Promise<void> {
  const { gateway } = app;

  app.get('/keys', { config: { dashboardRole: 'viewer' } }, async (request, reply) => {
    const session = sessionOf(request);
    const rolled = await takeFlash<{ mode: string; kind: string; key: string }>(request, 'keys');
    const keys = (await listActiveKeys(gateway.store.read, session.account_id)).filter((k) => k.livemode === session.livemode);
    return page(request, reply, 'keys', { page: 'keys', title: wordsOf(request).t('nav.keys') }, { keys, rolled, mode: session.livemode ? 'live' : 'test' });
  });

  app.post('/keys/roll', { config: { dashboardRole: 'owner' } }, async (request, reply) => {
    const session = sessionOf(request);
    const kind = field(request, 'kind');
    if (kind !== 'public' && kind !== 'secret') throw new OmiseError('bad_request', wordsOf(request).t('keys.error.kind'));
    if (field(request, 'confirm') !== 'yes') throw new OmiseError('bad_request', wordsOf(request).t('keys.error.confirm'));
    const mode = session.livemode ? 'live' : 'test';
    await runChange(request, 'key.roll', `${mode}/${kind}`, { mode, kind }, async (tx) => {
      const key = await rollKey(tx, session.account_id, mode, kind, gateway.wall.nowMs());
      await leaveFlash(tx, request, 'keys', { mode, kind, key });
    });
    // Post/Redirect/Get: reloading the keys page shows the key once and never rolls again.
    return redirect(reply, '/dashboard/keys');
  });

  app.get('/settings', { config: { dashboardRole: 'viewer' } }, async (request, reply) => {
    const ctx = await contextOf(request);
    const account = await findAccount(gateway.store.read, ctx.scope.accountId);
    return page(request, reply, 'settings', { page: 'settings', title: wordsOf(request).t('nav.settings') }, {
      settings: account,
      liveProviderAvailable: await liveProviderReady(gateway.store.read, ctx.scope.accountId),
      clockNowMs: ctx.nowMs,
      clockOffsetS: Math.floor((account?.test_clock_offset_ms ?? 0) / 1000),
      clockSteps: Object.keys(clockSteps),
      testSettings: account ? testSettingsOf(account) : null,
      outcomeChoices: scriptedOutcomes,
      fundingSources,
      outcomeAfterSecondsMax: scriptedOutcomeAfterSecondsMax,
    });
  });

  app.post('/settings', { config: { dashboardRole: 'owner' } }, spoken(async (request, reply) => {
    const session = sessionOf(request);
    const rate = field(request, 'fee_rate_bps');
    const flat = field(request, 'fee_flat_satang');
    const integer = (text: string | undefined, name: string) => {
      if (text === undefined) return undefined;
      if (!/^\d{1,9}$/.test(text.trim())) throw new OmiseError('bad_request', wordsOf(request).t('settings.error.whole_number', { field: wordsOf(request).t(name) }));
      return Number(text.trim());
    };
    const input: SettingsInput = {
      name: field(request, 'name'),
      merchantName: field(request, 'merchant_name'),
      billerId: field(request, 'biller_id')?.trim(),
      feeRateBps: integer(rate, 'settings.field.fee_rate'),
      feeFlatSatang: integer(flat, 'settings.field.fee_flat'),
      // Checkboxes: the form always sends `qr_form=1`, so an absent box means off.
      truemoneyQrTest: field(request, 'qr_form') === '1' ? field(request, 'truemoney_qr_test') === 'on' : undefined,
      truemoneyQrLive: field(request, 'qr_form') === '1' ? field(request, 'truemoney_qr_live') === 'on' : undefined,
    };
    const details = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    await runChange(request, 'account.settings', session.account_id, details, (tx) => changeSettings(tx, session.account_id, input));
    return redirect(reply, '/dashboard/settings?notice=settings_saved');
  }));

  // The default scripted outcome of new test charges (DECISIONS §10): the same rules as PATCH /test/settings.
  app.post('/test-settings', { config: { dashboardRole: 'owner' } }, spoken(async (request, reply) => {
    const session = sessionOf(request);
    const outcome = field(request, 'default_outcome');
    const change = {
      defaultOutcome: outcome,
      defaultOutcomeAfterSeconds: field(request, 'default_outcome_after_seconds')?.trim(),
      // The form always shows the funding source; it counts with a successful outcome only (otherwise it is cleared).
      defaultFundingSource: outcome === 'successful' ? field(request, 'default_funding_source') : undefined,
    };
    const details = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined && v !== ''));
    await runChange(request, 'test_settings.update', session.account_id, details, (tx, ctx) => changeTestSettings(tx, ctx, change));
    return redirect(reply, '/dashboard/settings?notice=test_settings_saved');
  }));

  app.post('/clock/advance', { config: { dashboardRole: 'owner' } }, spoken(async (request, reply) => {
    const session = sessionOf(request);
    const seconds = clockSteps[field(request, 'seconds') ?? ''];
    if (seconds === undefined) throw new OmiseError('bad_request', wordsOf(request).t('settings.error.clock_step'));
    const wallNowMs = gateway.wall.nowMs();
    await runChange(request, 'clock.advance', session.account_id, { seconds }, (tx, ctx) => advanceClock(tx, ctx.scope, wallNowMs, { byMs: seconds * 1000 }));
    gateway.clockMoved(session.account_id);
    return redirect(reply, '/dashboard/settings?notice=clock_advanced');
  }));

  app.post('/reset', { config: { dashboardRole: 'owner' } }, spoken(async (request, reply) => {
    const session = sessionOf(request);
    if (field(request, 'confirm') !== 'yes') throw new OmiseError('bad_request', wordsOf(request).t('settings.error.reset_confirm'));
    await runChange(request, 'test_data.reset', session.account_id, {}, (tx, ctx) => resetTestData(tx, ctx.scope));
    return redirect(reply, '/dashboard/settings?notice=reset');
  }));

  app.get('/audit', { config: { dashboardRole: 'viewer' } }, async (request, reply) => {
    const entries = await listAudit(gateway.store.read, 100);
    const words = wordsOf(request);
    return page(request, reply, 'audit', { page: 'audit', title: words.t('audit.page.title') }, { entries: auditRows(entries, words) });
  });
}
