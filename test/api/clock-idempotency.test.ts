import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachStore, type Harness } from '../support/harness.js';

const hourMs = 3600 * 1000;

/** A wall clock the test moves by hand. */
const wall = { ms: Date.now(), nowMs() { return this.ms; } };

async function newCharge(h: Harness, key = h.keys.secretKey, amount = 10000) {
  const res = await h.request({ method: 'POST', url: '/charges', key, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

describeEachStore(
  'the test clock and automatic expiry',
  (h) => {
    test('the clock reads and advances, never backward, and stamps new objects', async () => {
      const now = await h.request({ url: '/test/clock', key: h.keys.secretKey });
      assert.equal(now.status, 200);
      assert.equal(now.json.object, 'test_clock');
      assert.equal(now.json.offset_seconds, 0);
      const advanced = await h.request({ method: 'POST', url: '/test/clock/advance', key: h.keys.secretKey, json: { seconds: 3600 } });
      assert.equal(advanced.status, 200);
      assert.equal(advanced.json.offset_seconds, 3600);
      assert.equal(Date.parse(advanced.json.now) - Date.parse(now.json.now), 3600 * 1000);
      const charge = await newCharge(h);
      assert.equal(charge.created_at, advanced.json.now);
      const back = await h.request({ method: 'POST', url: '/test/clock/advance', key: h.keys.secretKey, json: { to: now.json.now } });
      assert.equal(back.status, 400);
      assert.equal(back.json.code, 'bad_request');
      for (const body of [{ seconds: -5 }, { seconds: 0 }, { seconds: 'soon' }, {}, { to: 'tomorrow' }]) {
        const bad = await h.request({ method: 'POST', url: '/test/clock/advance', key: h.keys.secretKey, json: body });
        assert.equal(bad.status, 400, JSON.stringify(body));
      }
      const other = await h.request({ url: '/test/clock', key: h.other.secretKey });
      assert.equal(other.json.offset_seconds, 0, "one account's clock does not move another's");
    });

    test('a pending charge expires at expires_at when the clock passes it; later ones cost nothing', async () => {
      const due = await newCharge(h);
      const otherAccount = await newCharge(h, h.other.secretKey);
      const paid = await newCharge(h);
      await h.request({ method: 'POST', url: `/charges/${paid.id}/mark_as_paid`, key: h.keys.secretKey });
      assert.equal(await h.gateway.sweep.runOnce(), 0, 'nothing is due yet');

      await h.request({ method: 'POST', url: '/test/clock/advance', key: h.keys.secretKey, json: { seconds: 24 * 3600 + 1 } });
      const late = await newCharge(h); // created after the jump: not due
      // `due` and the charge the first test made an hour ahead are both past their deadline now.
      assert.equal(await h.gateway.sweep.runOnce(), 2);
      const expired = await h.request({ url: `/charges/${due.id}`, key: h.keys.secretKey });
      assert.equal(expired.json.status, 'expired');
      assert.equal(expired.json.expired_at, due.expires_at, 'expired_at is the deadline, however late the sweep ran');
      assert.equal(expired.json.expires_at, due.expires_at);
      const events = await h.request({ url: `/charges/${due.id}/events`, key: h.keys.secretKey });
      assert.deepEqual(events.json.data.map((e: any) => e.key), ['charge.create', 'charge.expire']);
      assert.equal(events.json.data[1].data.status, 'expired');
      for (const [id, key, status] of [[otherAccount.id, h.other.secretKey, 'pending'], [paid.id, h.keys.secretKey, 'successful'], [late.id, h.keys.secretKey, 'pending']]) {
        assert.equal((await h.request({ url: `/charges/${id}`, key })).json.status, status, id);
      }
      assert.equal(await h.gateway.sweep.runOnce(), 0, 'each charge expires once');
      const pay = await h.request({ method: 'POST', url: `/charges/${due.id}/mark_as_paid`, key: h.keys.secretKey });
      assert.equal(pay.status, 400);
    });

    test('completion after the deadline but before the sweep is refused', async () => {
      const charge = await newCharge(h);
      await h.request({ method: 'POST', url: '/test/clock/advance', key: h.keys.secretKey, json: { seconds: 24 * 3600 } });
      const res = await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: h.keys.secretKey });
      assert.equal(res.status, 400);
      assert.match(res.json.message, /^charge is not pending: it expired at /);
      await h.gateway.sweep.runOnce();
      assert.equal((await h.request({ url: `/charges/${charge.id}`, key: h.keys.secretKey })).json.status, 'expired');
    });

    test('the sweep racing 20 expire calls on a due charge: one expiry, one event', async () => {
      const charge = await newCharge(h);
      await h.request({ method: 'POST', url: '/test/clock/advance', key: h.keys.secretKey, json: { seconds: 24 * 3600 + 1 } });
      const [swept, ...calls] = await Promise.all([
        h.gateway.sweep.runOnce(),
        ...Array.from({ length: 20 }, () => h.request({ method: 'POST', url: `/charges/${charge.id}/expire`, key: h.keys.secretKey })),
      ]);
      const callWins = calls.filter((r) => r.status === 200).length;
      assert.ok(callWins <= 1);
      for (const loser of calls.filter((r) => r.status !== 200)) assert.equal(loser.json.code, 'failed_expire');
      const events = await h.request({ url: `/charges/${charge.id}/events`, key: h.keys.secretKey });
      assert.equal(events.json.data.filter((e: any) => e.key === 'charge.expire').length, 1);
      assert.ok(swept >= 1 - callWins);
    });

    test('the sweep expires due charges of several accounts in bounded batches', async () => {
      const charges = await Promise.all(Array.from({ length: 30 }, () => newCharge(h, h.other.secretKey)));
      wall.ms += 25 * hourMs; // the wall clock passes every deadline
      assert.ok((await h.gateway.sweep.runOnce()) >= 30);
      const list = await h.request({ url: '/charges?limit=100', key: h.other.secretKey });
      for (const charge of charges) assert.equal(list.json.data.find((c: any) => c.id === charge.id).status, 'expired');
      const events = await h.request({ url: '/events?limit=100', key: h.other.secretKey });
      assert.equal(events.json.data.filter((e: any) => e.key === 'charge.expire').length, list.json.data.length);
    });

    test('test-data reset deletes the test-mode objects of one account only', async () => {
      await newCharge(h);
      const otherBefore = await h.request({ url: '/charges', key: h.other.secretKey });
      const reset = await h.request({ method: 'POST', url: '/test/reset', key: h.keys.secretKey });
      assert.equal(reset.status, 200);
      assert.ok(reset.json.deleted_charges > 0);
      for (const path of ['/charges', '/events', '/transactions']) assert.equal((await h.request({ url: path, key: h.keys.secretKey })).json.total, 0, path);
      assert.equal((await h.request({ url: '/balance', key: h.keys.secretKey })).json.total, 0);
      assert.equal((await h.request({ url: '/charges', key: h.other.secretKey })).json.total, otherBefore.json.total);
    });
  },
  { wallClock: wall },
);

describeEachStore(
  'Idempotency-Key',
  (h) => {
    const body = { amount: 25000, currency: 'THB', source: { type: 'truemoney_qr' }, metadata: { order: 7 } };

    test('the same key and parameters replay the first response; one charge exists', async () => {
      const before = (await h.request({ url: '/charges', key: h.keys.secretKey })).json.total;
      const first = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: body, headers: { 'idempotency-key': 'order-7' } });
      assert.equal(first.status, 200);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      const again = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { metadata: { order: 7 }, currency: 'THB', amount: 25000, source: { type: 'truemoney_qr' } }, headers: { 'idempotency-key': 'order-7' } });
      assert.equal(again.status, 200);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(again.json, first.json);
      assert.equal((await h.request({ url: '/charges', key: h.keys.secretKey })).json.total, before + 1);
      const otherAccount = await h.request({ method: 'POST', url: '/charges', key: h.other.secretKey, json: body, headers: { 'idempotency-key': 'order-7' } });
      assert.notEqual(otherAccount.json.id, first.json.id, 'keys are per account');
    });

    test('the same key with other parameters is refused and changes nothing', async () => {
      await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: body, headers: { 'idempotency-key': 'order-8' } });
      const before = (await h.request({ url: '/charges', key: h.keys.secretKey })).json.total;
      const reuse = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { ...body, amount: 26000 }, headers: { 'idempotency-key': 'order-8' } });
      assert.equal(reuse.status, 400);
      assert.equal(reuse.json.code, 'bad_request');
      assert.equal(reuse.json.message, 'Idempotency-Key was already used with different parameters');
      assert.equal((await h.request({ url: '/charges', key: h.keys.secretKey })).json.total, before);
    });

    test('20 concurrent duplicates create exactly one charge and all get it', async () => {
      const before = (await h.request({ url: '/charges', key: h.keys.secretKey })).json.total;
      const results = await Promise.all(
        Array.from({ length: 20 }, () => h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: body, headers: { 'idempotency-key': 'burst-1' } })),
      );
      for (const res of results) assert.equal(res.status, 200, res.body);
      assert.equal(new Set(results.map((r) => r.json.id)).size, 1);
      assert.equal((await h.request({ url: '/charges', key: h.keys.secretKey })).json.total, before + 1);
      const creates = (await h.request({ url: '/events?limit=100', key: h.keys.secretKey })).json.data.filter((e: any) => e.data.id === results[0].json.id);
      assert.equal(creates.length, 1);
    });

    test('replays work for every POST and PATCH: a replayed mark_as_paid does not fail', async () => {
      const charge = (await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: body })).json;
      const pay = () => h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: h.keys.secretKey, headers: { 'idempotency-key': `pay-${charge.id}` } });
      const first = await pay();
      const second = await pay();
      assert.equal(first.status, 200);
      assert.equal(second.status, 200);
      assert.equal(second.headers['idempotent-replayed'], 'true');
      const patch = () => h.request({ method: 'PATCH', url: `/charges/${charge.id}`, key: h.keys.secretKey, json: { description: 'x' }, headers: { 'idempotency-key': `patch-${charge.id}` } });
      await patch();
      await patch();
      const updates = (await h.request({ url: `/charges/${charge.id}/events`, key: h.keys.secretKey })).json.data.filter((e: any) => e.key === 'charge.update');
      assert.equal(updates.length, 1);
    });

    test('records are purged after 24 hours, freeing the key', async () => {
      await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: body, headers: { 'idempotency-key': 'old-key' } });
      wall.ms += 25 * hourMs;
      await h.gateway.sweep.runOnce();
      const stored = await h.store.read.selectFrom('idempotency_keys').select('key').where('key', '=', 'old-key').execute();
      assert.equal(stored.length, 0);
      const fresh = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { ...body, amount: 27000 }, headers: { 'idempotency-key': 'old-key' } });
      assert.equal(fresh.status, 200);
      assert.equal(fresh.json.amount, 27000);
    });

    test('a malformed key is refused', async () => {
      const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: body, headers: { 'idempotency-key': 'x'.repeat(300) } });
      assert.equal(res.status, 400);
    });
  },
  { wallClock: wall },
);
