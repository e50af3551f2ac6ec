/**
 * POST /test/trigger and the dashboard's "Send test event" (DECISIONS §10, test mode): the charge it makes is
 * its own (the account's default scripted outcome does not touch it), parameters as the SDKs send them (JSON
 * or form, numbers as text), each problem a 400 naming it, a live key 403, an Idempotency-Key replaying the
 * first trigger; the dashboard's form runs the same use case, is audited, leads to the charge's page and is
 * refused in live mode.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { addOperator, type DashboardClient, signIn } from '../support/dashboard.js';
import { describeEachStore } from '../support/harness.js';

describeEachStore('test events on demand: POST /test/trigger and the dashboard', (h) => {
  const trigger = (json: unknown, extra: { key?: string; headers?: Record<string, string> } = {}) =>
    h.request({ method: 'POST', url: '/test/trigger', key: extra.key ?? h.keys.secretKey, json, headers: extra.headers });

  test('the trigger\'s charge ends where the trigger drives it, whatever the account\'s default scripted outcome', async () => {
    const settings = await h.request({ method: 'PATCH', url: '/test/settings', key: h.keys.secretKey, json: { default_outcome: 'failed', default_outcome_after_seconds: 0 } });
    assert.equal(settings.status, 200, settings.body);
    try {
      const created = await trigger({ event: 'charge.create' });
      assert.equal(created.status, 200, created.body);
      const row = await h.store.read.selectFrom('charges').select(['scripted_outcome', 'status']).where('id', '=', created.json.charge.id).executeTakeFirstOrThrow();
      assert.deepEqual(row, { scripted_outcome: null, status: 'pending' });
      // A charge made through POST /charges gets the default and the job applies it; the trigger's charge is left alone.
      const control = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } } });
      await h.gateway.outcomes.runOnce();
      assert.equal((await h.request({ url: `/charges/${control.json.id}`, key: h.keys.secretKey })).json.status, 'failed');
      assert.equal((await h.request({ url: `/charges/${created.json.charge.id}`, key: h.keys.secretKey })).json.status, 'pending');
    } finally {
      await h.request({ method: 'PATCH', url: '/test/settings', key: h.keys.secretKey, json: { default_outcome: 'none' } });
    }
  });

  test('form parameters and numbers as text; each problem a 400 bad_request naming it; a live key 403', async () => {
    const form = await h.request({ method: 'POST', url: '/test/trigger', key: h.keys.secretKey, form: 'event=charge.complete&amount=12345&funding_source=pay_next' });
    assert.equal(form.status, 200, form.body);
    assert.equal(form.json.charge.amount, 12345);
    assert.equal(form.json.charge.status, 'successful');
    assert.equal(form.json.events.length, 2);

    const refusals: Array<[unknown, string]> = [
      [{}, 'event is required'],
      [{ event: 'charge.update' }, 'event must be one of charge.create, charge.complete, charge.failed, charge.expire, refund.create'],
      [{ event: 'charge.create', amount: 9999 }, 'amount must be greater than or equal to 10000'],
      [{ event: 'charge.create', amount: 5000001 }, 'amount must be less than or equal to 5000000'],
      [{ event: 'charge.create', amount: '100.50' }, 'amount must be an integer'],
      [{ event: 'charge.complete', funding_source: 'cash' }, 'funding_source must be one of wallet_balance, bank_account, credit_card, pay_next, pay_next_extra'],
      [{ event: 'charge.expire', funding_source: 'credit_card' }, 'funding_source is only used with charge.complete and refund.create'],
      [{ event: 'nope', amount: 1 }, 'event must be one of charge.create, charge.complete, charge.failed, charge.expire, refund.create and amount must be greater than or equal to 10000'],
    ];
    const before = (await h.request({ url: '/charges', key: h.keys.secretKey })).json.total;
    for (const [json, message] of refusals) {
      const res = await trigger(json);
      assert.equal(res.status, 400, JSON.stringify(json));
      assert.deepEqual([res.json.code, res.json.message], ['bad_request', message], JSON.stringify(json));
    }
    const live = await trigger({ event: 'charge.create' }, { key: h.keys.liveSecretKey });
    assert.equal(live.status, 403);
    assert.equal(live.json.code, 'not_authorized');
    assert.equal((await h.request({ url: '/charges', key: h.keys.secretKey })).json.total, before, 'nothing was made');
    assert.equal((await h.request({ url: '/charges', key: h.keys.liveSecretKey })).json.total, 0);
  });

  test('an Idempotency-Key replays the first trigger: one charge, the same answer', async () => {
    const headers = { 'idempotency-key': `trigger-${h.dialect}` };
    const first = await trigger({ event: 'refund.create' }, { headers });
    const again = await trigger({ event: 'refund.create' }, { headers });
    assert.equal(first.status, 200, first.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json, first.json);
    const events = await h.request({ url: `/charges/${first.json.charge.id}/events`, key: h.keys.secretKey });
    assert.equal(events.json.total, 3);
  });

  test('with TrueMoney QR disabled in test mode the trigger is refused as a charge would be', async () => {
    await h.store.transaction((tx) => tx.updateTable('accounts').set({ truemoney_qr_test: 0 }).where('id', '=', h.other.accountId).execute());
    const res = await trigger({ event: 'charge.complete' }, { key: h.other.secretKey });
    assert.equal(res.status, 400);
    assert.equal(res.json.code, 'invalid_charge');
  });

  describeDashboard();

  function describeDashboard() {
    let client: DashboardClient;
    before(async () => {
      await addOperator(h.store, `trigger-${h.dialect}@example.com`);
      client = await signIn(h.app, `trigger-${h.dialect}@example.com`);
    });

    test('dashboard: Send test event runs the same use case, is audited, and shows the charge it made', async () => {
      const page = await client.get('/dashboard/webhooks');
      assert.match(page.body, /<form method="post" action="\/dashboard\/webhooks\/test-event"/);
      for (const event of ['charge.create', 'charge.complete', 'charge.failed', 'charge.expire', 'refund.create']) assert.match(page.body, new RegExp(`<option value="${event}">`));

      const sent = await client.post('/dashboard/webhooks/test-event', { event: 'refund.create', amount: '1,234.50', funding_source: '' });
      assert.equal(sent.status, 303, sent.body);
      const chargeId = /^\/dashboard\/charges\/(chrg_test_[0-9a-z]{19})\?notice=test_event_sent$/.exec(sent.location ?? '')?.[1];
      assert.ok(chargeId, sent.location);
      const charge = await h.request({ url: `/charges/${chargeId}`, key: h.keys.secretKey });
      assert.equal(charge.json.amount, 123450);
      assert.equal(charge.json.refunded_amount, 123450);
      const events = await h.request({ url: `/charges/${chargeId}/events?order=chronological`, key: h.keys.secretKey });
      assert.deepEqual(
        events.json.data.map((e: any) => e.key),
        ['charge.create', 'charge.complete', 'refund.create'],
      );
      const shown = await client.get(sent.location!);
      assert.equal(shown.status, 200);
      assert.match(shown.body, /The test event was sent/);
      const audit = await h.store.read.selectFrom('audit_log').selectAll().where('action', '=', 'test.trigger').where('operator_email', '=', `trigger-${h.dialect}@example.com`).execute();
      assert.equal(audit.length, 1);
      assert.deepEqual(JSON.parse(audit[0].details), { event: 'refund.create', amount: 123450, funding_source: 'wallet_balance' });

      const bad = await client.post('/dashboard/webhooks/test-event', { event: 'charge.failed', funding_source: 'credit_card' });
      assert.equal(bad.status, 400);
      assert.match(bad.body, /funding_source is only used with charge\.complete and refund\.create/);
      const badAmount = await client.post('/dashboard/webhooks/test-event', { event: 'charge.create', amount: 'lots' });
      assert.equal(badAmount.status, 400);
      assert.match(badAmount.body, /amount must be a number of baht/);
    });

    test('dashboard: in live mode the form is not offered, and a post is refused with nothing made', async () => {
      assert.equal((await client.post('/dashboard/session/mode', { mode: 'live' })).status, 303);
      try {
        const page = await client.get('/dashboard/webhooks');
        assert.doesNotMatch(page.body, /action="\/dashboard\/webhooks\/test-event"/);
        assert.match(page.body, /Test events are a test-mode tool/);
        const refused = await client.post('/dashboard/webhooks/test-event', { event: 'charge.create' });
        assert.equal(refused.status, 403);
        assert.equal((await h.request({ url: '/charges', key: h.keys.liveSecretKey })).json.total, 0);
      } finally {
        await client.post('/dashboard/session/mode', { mode: 'test' });
      }
    });
  }
});
