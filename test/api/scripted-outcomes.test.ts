/**
 * Scripted outcomes (DECISIONS §10): a test charge whose metadata says `satang_outcome` is driven there by
 * Satang itself, `satang_outcome_after_seconds` after it was made on the account's clock, through the same
 * use cases as mark_as_paid, mark_as_failed and expire (the same state, events and webhooks); the account's
 * default outcome (GET|PATCH /test/settings) serves code that cannot set metadata.
 */
import assert from 'node:assert/strict';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Gateway } from '../../src/gateway.js';
import { updateAccount } from '../../src/store/accounts.js';
import { openStore } from '../../src/store/store.js';
import { addOperator, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness, type Keys, makeKeys, postgresUrl, withLiveProvider } from '../support/harness.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

const amount = 40000;

async function newCharge(h: Harness, metadata: Record<string, unknown> | undefined, options: { key?: string; hook?: string; form?: string } = {}) {
  const key = options.key ?? h.keys.secretKey;
  const res =
    options.form !== undefined
      ? await h.request({ method: 'POST', url: '/charges', key, form: options.form })
      : await h.request({
          method: 'POST',
          url: '/charges',
          key,
          json: { amount, currency: 'THB', source: { type: 'truemoney_qr' }, ...(metadata ? { metadata } : {}), ...(options.hook ? { webhook_endpoints: [options.hook] } : {}) },
        });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.json.status, 'pending', 'POST /charges answers pending as always');
  return res.json;
}

async function getCharge(h: Harness, id: string, key = h.keys.secretKey) {
  const res = await h.request({ url: `/charges/${id}`, key });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

/** Polls GET /charges/:id until the charge is no longer pending (the job runs by itself: sweep on). */
async function settled(h: Harness, id: string, key = h.keys.secretKey, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const charge = await getCharge(h, id, key);
    if (charge.status !== 'pending') return charge;
    if (Date.now() > deadline) assert.fail(`charge ${id} still pending after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function events(h: Harness, chargeId: string, key = h.keys.secretKey): Promise<any[]> {
  const res = await h.request({ url: `/charges/${chargeId}/events?limit=100`, key });
  assert.equal(res.status, 200, res.body);
  return res.json.data;
}

async function chargeCount(h: Harness): Promise<number> {
  const row = await h.store.read.selectFrom('charges').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function advance(h: Harness, key: string, seconds: number) {
  const res = await h.request({ method: 'POST', url: '/test/clock/advance', key, json: { seconds } });
  assert.equal(res.status, 200, res.body);
}

/** A charge's JSON with what differs from charge to charge (ids, times, references, metadata) taken out. */
function shape(value: any): any {
  if (typeof value === 'string') {
    return value
      .replace(/\b(chrg|src|trxn|evnt|docu|pay2)_test_[0-9a-z]+/g, '$1_test_…')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, 'TIME')
      .replace(/downloads\/[0-9A-F]{16}/g, 'downloads/TOKEN');
  }
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) if (key !== 'metadata' && key !== 'webhook_deliveries') out[key] = shape(child);
    return out;
  }
  return value;
}

describeEachStore(
  'scripted outcomes',
  (h) => {
    let receiver: Receiver;
    let clockKeys: Keys;
    let defaultsKeys: Keys;
    before(async () => {
      receiver = await startReceiver();
      // Accounts of their own for the tests that move the test clock or set a default outcome.
      clockKeys = await makeKeys(h.store, 'Clock merchant');
      defaultsKeys = await makeKeys(h.store, 'Defaults merchant');
    });
    after(() => releaseAll([['the receiver', () => receiver?.close()]]));

    const hookOf = (name: string) => `${receiver.url}/${name}`;
    const delivered = async (name: string, key: string) => {
      await receiver.waitFor((all) => all.some((r) => r.path === `/${name}` && r.json?.key === key));
      return receiver.received.find((r) => r.path === `/${name}` && r.json?.key === key)!.json;
    };

    for (const [outcome, manual, eventKey, afterSeconds] of [
      ['successful', 'mark_as_paid', 'charge.complete', 0],
      ['failed', 'mark_as_failed', 'charge.complete', '0'],
      ['expired', 'expire', 'charge.expire', 0],
    ] as const) {
      test(`satang_outcome=${outcome} reaches ${outcome} on its own, with the ${eventKey} event and webhook that ${manual} makes`, async () => {
        const metadata = { order_id: 'A-1', satang_outcome: outcome, satang_outcome_after_seconds: afterSeconds };
        const scripted = await newCharge(h, metadata, { hook: hookOf(`scripted-${outcome}`) });
        const done = await settled(h, scripted.id);
        assert.equal(done.status, outcome);
        assert.deepEqual(done.metadata, metadata, 'the satang_ keys stay in the metadata as given');

        // The same ending by hand, for comparison.
        const byHand = await newCharge(h, { order_id: 'A-1' }, { hook: hookOf(`manual-${outcome}`) });
        const res = await h.request({ method: 'POST', url: `/charges/${byHand.id}/${manual}`, key: h.keys.secretKey });
        assert.equal(res.status, 200, res.body);
        assert.deepEqual(shape(done), shape(await getCharge(h, byHand.id)));

        const scriptedEvents = await events(h, scripted.id);
        const manualEvents = await events(h, byHand.id);
        assert.deepEqual(scriptedEvents.map((e) => e.key), ['charge.create', eventKey]);
        assert.deepEqual(shape(scriptedEvents), shape(manualEvents));

        const scriptedHook = await delivered(`scripted-${outcome}`, eventKey);
        const manualHook = await delivered(`manual-${outcome}`, eventKey);
        assert.equal(scriptedHook.data.id, scripted.id);
        assert.equal(scriptedHook.data.status, outcome);
        assert.deepEqual(shape(scriptedHook), shape(manualHook));

        if (outcome === 'successful') {
          assert.equal(done.paid, true);
          assert.match(done.transaction, /^trxn_test_/);
          const row = await h.store.read.selectFrom('charges').select('funding_source').where('id', '=', scripted.id).executeTakeFirstOrThrow();
          assert.equal(row.funding_source, 'wallet_balance');
        }
        if (outcome === 'expired') {
          // Like POST /expire: expired when applied, and expires_at becomes that time.
          assert.equal(done.expired_at, done.expires_at);
          assert.ok(Date.parse(done.expired_at) < Date.parse(scripted.expires_at));
        }
      });
    }

    test('satang_funding_source sets how the success was funded, and the refund flags follow it', async () => {
      const charge = await newCharge(h, { satang_outcome: 'successful', satang_funding_source: 'credit_card' });
      const done = await settled(h, charge.id);
      assert.equal(done.status, 'successful');
      const row = await h.store.read.selectFrom('charges').select('funding_source').where('id', '=', charge.id).executeTakeFirstOrThrow();
      assert.equal(row.funding_source, 'credit_card');
      // DECISIONS §5: a credit card payment can be voided in full only; a wallet one in part as well.
      assert.equal(done.can_perform_void, true);
      assert.equal(done.partially_refundable, false);
      const wallet = await settled(h, (await newCharge(h, { satang_outcome: 'successful' })).id);
      assert.equal(wallet.partially_refundable, true);
    });

    test('invalid satang_ keys are 400 invalid_charge, and nothing is created', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ satang_outcome: 'paid' }, /metadata\[satang_outcome\] must be one of successful, failed, expired or none/],
        [{ satang_outcome: 1 }, /metadata\[satang_outcome\] must be one of/],
        [{ satang_outcome: 'successful', satang_outcome_after_seconds: 86400 }, /metadata\[satang_outcome_after_seconds\] must be an integer from 0 to 86399/],
        [{ satang_outcome: 'successful', satang_outcome_after_seconds: -1 }, /satang_outcome_after_seconds\] must be an integer/],
        [{ satang_outcome: 'successful', satang_outcome_after_seconds: 1.5 }, /satang_outcome_after_seconds\] must be an integer/],
        [{ satang_outcome: 'failed', satang_outcome_after_seconds: '10s' }, /satang_outcome_after_seconds\] must be an integer/],
        [{ satang_outcome: 'failed', satang_funding_source: 'credit_card' }, /metadata\[satang_funding_source\] is only used with satang_outcome successful/],
        [{ satang_outcome: 'successful', satang_funding_source: 'gold_bars' }, /metadata\[satang_funding_source\] must be one of wallet_balance, bank_account, credit_card, pay_next, pay_next_extra/],
        [{ satang_outcome_after_seconds: 5 }, /metadata\[satang_outcome_after_seconds\] needs metadata\[satang_outcome\]/],
        [{ satang_outcome: 'none', satang_outcome_after_seconds: 5 }, /none takes neither/],
      ];
      const before = await chargeCount(h);
      for (const [metadata, message] of cases) {
        const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' }, metadata } });
        assert.equal(res.status, 400, JSON.stringify(metadata));
        assert.equal(res.json.code, 'invalid_charge');
        assert.match(res.json.message, message);
      }
      // With the charge's other problems, in one message.
      const both = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: 'amount=5&currency=THB&source[type]=truemoney_qr&metadata[satang_outcome]=later' });
      assert.equal(both.status, 400);
      assert.match(both.json.message, /amount must be greater than or equal to 10000 and metadata\[satang_outcome\] must be one of/);
      assert.equal(await chargeCount(h), before);
    });

    test('a live key with a satang_ key is 400 invalid_charge; the same charge without it is made', async () => {
      await withLiveProvider(h.store, h.keys.accountId);
    await h.store.transaction((tx) => updateAccount(tx, h.keys.accountId, { truemoney_qr_live: 1 }));
      try {
        const before = await chargeCount(h);
        for (const metadata of [{ satang_outcome: 'successful' }, { satang_outcome: 'none' }]) {
          const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.liveSecretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' }, metadata } });
          assert.equal(res.status, 400, res.body);
          assert.equal(res.json.code, 'invalid_charge');
          assert.equal(res.json.message, 'metadata[satang_outcome] is only available in test mode');
        }
        assert.equal(await chargeCount(h), before);
        const plain = await h.request({ method: 'POST', url: '/charges', key: h.keys.liveSecretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' }, metadata: { order: 1 } } });
        assert.equal(plain.status, 200, plain.body);
        assert.equal(plain.json.livemode, true);
      } finally {
        await h.store.transaction((tx) => updateAccount(tx, h.keys.accountId, { truemoney_qr_live: 0 }));
      }
    });

    describe('on the account clock', () => {
      test('after_seconds 3600 stays pending until the test clock has moved an hour, then applies at that time', async () => {
        const charge = await newCharge(h, { satang_outcome: 'successful', satang_outcome_after_seconds: '3600' }, { key: clockKeys.secretKey, hook: hookOf('clock') });
        await h.gateway.outcomes.runOnce();
        await new Promise((resolve) => setTimeout(resolve, 1200)); // a tick of the job by itself
        assert.equal((await getCharge(h, charge.id, clockKeys.secretKey)).status, 'pending');
        await advance(h, clockKeys.secretKey, 1800);
        await h.gateway.outcomes.runOnce();
        assert.equal((await getCharge(h, charge.id, clockKeys.secretKey)).status, 'pending', 'half an hour is not enough');
        await advance(h, clockKeys.secretKey, 1800);
        const done = await settled(h, charge.id, clockKeys.secretKey);
        assert.equal(done.status, 'successful');
        const lateBy = Date.parse(done.paid_at) - Date.parse(charge.created_at);
        assert.ok(lateBy >= 3600_000 && lateBy < 3600_000 + 10_000, `paid ${lateBy} ms after creation, on the account's clock`);
        assert.equal((await delivered('clock', 'charge.complete')).data.id, charge.id);
      });

      test('a charge paid or expired by hand before its outcome is due is left alone, and its outcome dropped', async () => {
        const paid = await newCharge(h, { satang_outcome: 'failed', satang_outcome_after_seconds: 600 }, { key: clockKeys.secretKey });
        const expired = await newCharge(h, { satang_outcome: 'successful', satang_outcome_after_seconds: 600 }, { key: clockKeys.secretKey });
        const mark = await h.request({ method: 'POST', url: `/charges/${paid.id}/mark_as_paid`, key: clockKeys.secretKey, json: { funding_source: 'bank_account' } });
        assert.equal(mark.status, 200, mark.body);
        const expire = await h.request({ method: 'POST', url: `/charges/${expired.id}/expire`, key: clockKeys.secretKey });
        assert.equal(expire.status, 200, expire.body);
        await advance(h, clockKeys.secretKey, 600);
        await h.gateway.outcomes.runOnce();
        const rows = await h.store.read
          .selectFrom('charges')
          .select(['id', 'status', 'funding_source', 'scripted_outcome', 'scripted_outcome_due_at'])
          .where('id', 'in', [paid.id, expired.id])
          .orderBy('id')
          .execute();
        const byId = new Map(rows.map((row) => [row.id, row]));
        assert.deepEqual({ ...byId.get(paid.id) }, { id: paid.id, status: 'successful', funding_source: 'bank_account', scripted_outcome: null, scripted_outcome_due_at: null });
        assert.deepEqual({ ...byId.get(expired.id) }, { id: expired.id, status: 'expired', funding_source: null, scripted_outcome: null, scripted_outcome_due_at: null });
        assert.deepEqual((await events(h, paid.id, clockKeys.secretKey)).map((e) => e.key), ['charge.create', 'charge.complete']);
        assert.deepEqual((await events(h, expired.id, clockKeys.secretKey)).map((e) => e.key), ['charge.create', 'charge.expire']);
      });

      test('the outcome is read at creation: metadata changed later neither changes nor adds one', async () => {
        const scripted = await newCharge(h, { satang_outcome: 'successful', satang_outcome_after_seconds: 60 }, { key: clockKeys.secretKey });
        const plain = await newCharge(h, { note: 'x' }, { key: clockKeys.secretKey });
        for (const [id, metadata] of [
          [scripted.id, { satang_outcome: 'failed' }],
          [plain.id, { satang_outcome: 'successful' }],
        ] as const) {
          const res = await h.request({ method: 'PATCH', url: `/charges/${id}`, key: clockKeys.secretKey, json: { metadata } });
          assert.equal(res.status, 200, res.body);
        }
        await advance(h, clockKeys.secretKey, 60);
        assert.equal((await settled(h, scripted.id, clockKeys.secretKey)).status, 'successful');
        await h.gateway.outcomes.runOnce();
        assert.equal((await getCharge(h, plain.id, clockKeys.secretKey)).status, 'pending');
      });

      test('a clock moved past the deadline before the outcome applied: the charge expires at its deadline, as the sweep expires it', async () => {
        const charge = await newCharge(h, { satang_outcome: 'successful', satang_outcome_after_seconds: 3600 }, { key: clockKeys.secretKey });
        await advance(h, clockKeys.secretKey, 25 * 3600);
        await Promise.all([h.gateway.outcomes.runOnce(), h.gateway.sweep.runOnce()]);
        await h.gateway.sweep.runOnce();
        const done = await settled(h, charge.id, clockKeys.secretKey);
        assert.equal(done.status, 'expired');
        assert.equal(done.expired_at, charge.expires_at);
        assert.deepEqual((await events(h, charge.id, clockKeys.secretKey)).map((e) => e.key), ['charge.create', 'charge.expire']);
      });
    });

    describe('the default outcome (GET|PATCH /test/settings)', () => {
      const settingsOf = async (key = defaultsKeys.secretKey) => h.request({ url: '/test/settings', key });
      const patch = (body: Record<string, unknown> | string, key = defaultsKeys.secretKey) =>
        typeof body === 'string' ? h.request({ method: 'PATCH', url: '/test/settings', key, form: body }) : h.request({ method: 'PATCH', url: '/test/settings', key, json: body });

      test('GET answers the settings; PATCH changes them and refuses what is wrong, changing nothing', async () => {
        const initial = await settingsOf();
        assert.equal(initial.status, 200, initial.body);
        assert.deepEqual(initial.json, {
          object: 'test_settings',
          livemode: false,
          location: '/test/settings',
          default_outcome: null,
          default_outcome_after_seconds: 0,
          default_funding_source: null,
        });
        const set = await patch('default_outcome=successful&default_outcome_after_seconds=30&default_funding_source=pay_next');
        assert.equal(set.status, 200, set.body);
        assert.deepEqual(
          { outcome: set.json.default_outcome, after: set.json.default_outcome_after_seconds, funding: set.json.default_funding_source },
          { outcome: 'successful', after: 30, funding: 'pay_next' },
        );
        for (const [body, message] of [
          [{ default_outcome: 'paid' }, /default_outcome must be one of successful, failed, expired or none/],
          [{ default_outcome_after_seconds: 86400 }, /default_outcome_after_seconds must be an integer from 0 to 86399/],
          [{ default_outcome_after_seconds: 'soon' }, /default_outcome_after_seconds must be an integer/],
          [{ default_funding_source: 'gold_bars' }, /default_funding_source must be one of/],
          [{ default_outcome: 'failed', default_funding_source: 'credit_card' }, /default_funding_source is only used with default_outcome successful/],
        ] as const) {
          const res = await patch(body);
          assert.equal(res.status, 400, JSON.stringify(body));
          assert.equal(res.json.code, 'bad_request');
          assert.match(res.json.message, message);
        }
        assert.deepEqual((await settingsOf()).json, set.json, 'refusals changed nothing');
        // Another outcome drops the funding source (it belongs to successful); none clears the outcome.
        const failed = await patch({ default_outcome: 'failed' });
        assert.equal(failed.json.default_funding_source, null);
        assert.equal(failed.json.default_outcome_after_seconds, 30);
        const none = await patch({ default_outcome: 'none', default_outcome_after_seconds: 0 });
        assert.equal(none.json.default_outcome, null);
        // Empty and null mean "not given" (DECISIONS §2).
        assert.deepEqual((await patch({ default_outcome: null, default_outcome_after_seconds: '' })).json, none.json);
      });

      test('a live key is 403 not_authorized, a public key 401, as on every test-mode route', async () => {
        for (const res of [await settingsOf(defaultsKeys.liveSecretKey), await patch({ default_outcome: 'failed' }, defaultsKeys.liveSecretKey)]) {
          assert.equal(res.status, 403, res.body);
          assert.equal(res.json.code, 'not_authorized');
          assert.equal(res.json.message, 'only available in test mode');
        }
        assert.equal((await settingsOf(defaultsKeys.publicKey)).status, 401);
        assert.equal((await settingsOf()).json.default_outcome, null);
      });

      test('applies to new test charges without their own satang_outcome; their own (or none) wins', async () => {
        assert.equal((await patch({ default_outcome: 'failed', default_outcome_after_seconds: 0 })).status, 200);
        try {
          const defaulted = await newCharge(h, undefined, { key: defaultsKeys.secretKey, hook: hookOf('defaulted') });
          const own = await newCharge(h, { satang_outcome: 'successful', satang_funding_source: 'bank_account' }, { key: defaultsKeys.secretKey });
          const optedOut = await newCharge(h, { satang_outcome: 'none' }, { key: defaultsKeys.secretKey });
          assert.equal((await settled(h, defaulted.id, defaultsKeys.secretKey)).status, 'failed');
          assert.equal((await delivered('defaulted', 'charge.complete')).data.status, 'failed');
          assert.equal((await settled(h, own.id, defaultsKeys.secretKey)).status, 'successful');
          await h.gateway.outcomes.runOnce();
          assert.equal((await getCharge(h, optedOut.id, defaultsKeys.secretKey)).status, 'pending');
          // Other accounts are not touched by this one's default.
          const elsewhere = await newCharge(h, undefined);
          await h.gateway.outcomes.runOnce();
          assert.equal((await getCharge(h, elsewhere.id)).status, 'pending');
          // A successful default with its funding source.
          assert.equal((await patch({ default_outcome: 'successful', default_funding_source: 'pay_next_extra' })).status, 200);
          const funded = await newCharge(h, undefined, { key: defaultsKeys.secretKey });
          assert.equal((await settled(h, funded.id, defaultsKeys.secretKey)).status, 'successful');
          const row = await h.store.read.selectFrom('charges').select('funding_source').where('id', '=', funded.id).executeTakeFirstOrThrow();
          assert.equal(row.funding_source, 'pay_next_extra');
        } finally {
          assert.equal((await patch({ default_outcome: 'none' })).status, 200);
        }
      });

      test('the dashboard sets it (CSRF form, audited) in test mode only', async () => {
        await addOperator(h.store, 'outcomes@example.com');
        const client = await signIn(h.app, 'outcomes@example.com');
        const page = await client.get('/dashboard/settings');
        assert.equal(page.status, 200);
        assert.match(page.body, /action="\/dashboard\/test-settings"/);
        assert.match(page.body, /<select id="default_outcome" name="default_outcome">/);
        const saved = await client.post('/dashboard/test-settings', { default_outcome: 'expired', default_outcome_after_seconds: '120', default_funding_source: 'credit_card' });
        assert.equal(saved.status, 303, saved.body);
        assert.equal(saved.location, '/dashboard/settings?notice=test_settings_saved');
        // The operator's account is the default one.
        const settings = await h.request({ url: '/test/settings', key: h.keys.secretKey });
        assert.deepEqual(
          { outcome: settings.json.default_outcome, after: settings.json.default_outcome_after_seconds, funding: settings.json.default_funding_source },
          { outcome: 'expired', after: 120, funding: null },
        );
        const shown = await client.get('/dashboard/settings');
        assert.match(shown.body, /<option value="expired" selected>/);
        // A charge's page says what its outcome will be, and when.
        const waiting = await newCharge(h, { satang_outcome: 'successful', satang_outcome_after_seconds: 7200, satang_funding_source: 'pay_next' });
        assert.match((await client.get(`/dashboard/charges/${waiting.id}`)).body, /data-test="scripted-outcome">Successful with Pay Next at .+ \(test mode\)/);
        const audit = await client.get('/dashboard/audit');
        assert.match(audit.body, /data-test="what">Changed the scripted outcome of test charges</);
        const bad = await client.post('/dashboard/test-settings', { default_outcome: 'successful', default_outcome_after_seconds: '90000', default_funding_source: 'none' });
        assert.equal(bad.status, 400);
        assert.match(bad.body, /The seconds after creation must be a whole number from 0 to 86,399\./);
        const cleared = await client.post('/dashboard/test-settings', { default_outcome: 'none', default_outcome_after_seconds: '0', default_funding_source: 'none' });
        assert.equal(cleared.status, 303);
        assert.equal((await h.request({ url: '/test/settings', key: h.keys.secretKey })).json.default_outcome, null);
        // In live mode the card says to switch, and the action is refused.
        assert.equal((await client.post('/dashboard/session/mode', { mode: 'live' })).status, 303);
        assert.match((await client.get('/dashboard/settings')).body, /Scripted outcomes are a test-mode tool/);
        const live = await client.post('/dashboard/test-settings', { default_outcome: 'failed', default_outcome_after_seconds: '0' });
        assert.equal(live.status, 403, live.body);
        assert.equal((await h.request({ url: '/test/settings', key: h.keys.secretKey })).json.default_outcome, null);
      });
    });

    test('racing gateway processes apply each outcome once', async () => {
      const keys = await makeKeys(h.store, 'Race merchant');
      let second: Gateway | undefined;
      let closeSecond = async () => {};
      if (h.dialect === 'postgres') {
        const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(h.store.read);
        const dataDir = mkdtempSync(join(tmpdir(), 'satang-test-'));
        const store = await openStore({ dataDir, databaseUrl: postgresUrl, schema: rows[0].schema, poolSize: 4 });
        second = new Gateway({ store, publicUrl: h.publicUrl });
        closeSecond = () =>
          releaseAll([
            ['the second store', () => store.close()],
            ['its data dir', () => rmSync(dataDir, { recursive: true, force: true })],
          ]);
      }
      try {
        const charges = [];
        for (let i = 0; i < 30; i++) {
          charges.push(await newCharge(h, { satang_outcome: i % 3 === 0 ? 'expired' : i % 3 === 1 ? 'failed' : 'successful', satang_outcome_after_seconds: 60 }, { key: keys.secretKey }));
        }
        await h.request({ method: 'POST', url: '/test/clock/advance', key: keys.secretKey, json: { seconds: 60 } });
        const runners = [h.gateway, second ?? h.gateway];
        await Promise.all(Array.from({ length: 6 }, (_, i) => runners[i % 2].outcomes.runOnce()));
        for (const [i, charge] of charges.entries()) {
          const done = await settled(h, charge.id, keys.secretKey);
          assert.equal(done.status, ['expired', 'failed', 'successful'][i % 3]);
          const keysOf = (await events(h, charge.id, keys.secretKey)).map((e) => e.key);
          assert.deepEqual(keysOf, ['charge.create', i % 3 === 0 ? 'charge.expire' : 'charge.complete'], charge.id);
        }
        const credits = await h.store.read
          .selectFrom('transactions')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('account_id', '=', keys.accountId)
          .executeTakeFirstOrThrow();
        assert.equal(Number(credits.n), 10, 'one credit per successful charge');
      } finally {
        await closeSecond();
      }
    });
  },
  { sweep: true, dispatch: true },
);
