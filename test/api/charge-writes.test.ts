import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newCapabilityId, newId, newQrRef1 } from '../../src/domain/ids.js';
import { findCharge, findSource } from '../../src/store/charges.js';
import { insertEventWith } from '../../src/store/events.js';
import type { EventRow } from '../../src/store/schema.js';
import { isUniqueViolation } from '../../src/store/store.js';
import { advanceClock } from '../../src/usecases/clock.js';
import { describeEachStore } from '../support/harness.js';

describeEachStore('charge writes: source, charge and event together', (h) => {
  const form = 'amount=400000&currency=THB&source%5Btype%5D=truemoney_qr';

  test('a charge with an inline source stores all three: the charge, its source and charge.create', async () => {
    const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form });
    assert.equal(created.status, 200);
    const source = await h.request({ url: `/sources/${created.json.source.id}`, key: h.keys.publicKey });
    assert.equal(source.status, 200);
    assert.equal(source.json.amount, 400000);
    const events = await h.request({ url: `/charges/${created.json.id}/events`, key: h.keys.secretKey });
    assert.equal(events.status, 200);
    assert.deepEqual(events.json.data.map((event: { key: string }) => event.key), ['charge.create']);
  });

  test('a write that fails leaves nothing behind: no new source, no charge, no event', async () => {
    const taken = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form });
    assert.equal(taken.status, 200);
    const scope = { accountId: h.keys.accountId, livemode: 0 };
    const charge = (await findCharge(h.store.read, scope, taken.json.id))!;
    const source = (await findSource(h.store.read, scope, charge.source_id))!;
    const nowMs = Date.now();
    // A second charge on the same source (what a racing process would write): refused by the store.
    const newSource = { ...source, id: newId('src', false, nowMs) };
    const chargeId = newId('chrg', false, nowMs);
    const second = { ...charge, id: chargeId, payment_ref: newCapabilityId('pay2', false), qr_ref1: newQrRef1() };
    const event: EventRow = {
      id: newId('evnt', false, nowMs),
      account_id: charge.account_id,
      livemode: 0,
      key: 'charge.create',
      charge_id: chargeId,
      object_type: 'charge',
      object_id: chargeId,
      snapshot: '{}',
      created_at: nowMs,
    };
    await assert.rejects(
      h.store.transaction((tx) => insertEventWith(tx, event, { source: newSource, charge: second })),
      (error) => isUniqueViolation(error),
    );
    assert.equal((await h.request({ url: `/sources/${newSource.id}`, key: h.keys.publicKey })).status, 404);
    assert.equal((await h.request({ url: `/charges/${chargeId}`, key: h.keys.secretKey })).status, 404);
    assert.equal((await h.request({ url: `/events/${event.id}`, key: h.keys.secretKey })).status, 404);
    // The store goes on: the next charge is written whole.
    const next = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form });
    assert.equal(next.status, 200);
    assert.equal((await h.request({ url: `/sources/${next.json.source.id}`, key: h.keys.publicKey })).status, 200);
  });

  test('charges written at once, in one batch, are each whole and each listed once', async () => {
    const before = (await h.request({ url: '/charges?limit=1', key: h.keys.secretKey })).json.total as number;
    const results = await Promise.all(Array.from({ length: 20 }, () => h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form })));
    assert.deepEqual(results.map((r) => r.status), Array(20).fill(200));
    assert.equal(new Set(results.map((r) => r.json.id)).size, 20);
    assert.equal((await h.request({ url: '/charges?limit=1', key: h.keys.secretKey })).json.total, before + 20);
    for (const created of results.slice(0, 3)) {
      const events = await h.request({ url: `/charges/${created.json.id}/events`, key: h.keys.secretKey });
      assert.equal(events.json.total, 1);
    }
  });

  test('a test clock moved elsewhere (another process, `satang clock`) is the time of the very next charge and source', async () => {
    const first = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form });
    assert.equal(first.status, 200);
    const hourMs = 3600_000;
    // Straight in the store, as another process would: this process's cached offset is now stale.
    await h.store.transaction((tx) => advanceClock(tx, { accountId: h.keys.accountId, livemode: 0 }, Date.now(), { byMs: 5 * hourMs }));
    const wallBefore = Date.now();
    const charge = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form });
    assert.equal(charge.status, 200);
    const createdMs = Date.parse(charge.json.created_at);
    assert.ok(createdMs >= Math.floor(wallBefore / 1000) * 1000 + 5 * hourMs - 1000, `charge created at ${charge.json.created_at}, the clock is 5 hours ahead`);
    assert.equal(Date.parse(charge.json.expires_at) - createdMs, Date.parse(first.json.expires_at) - Date.parse(first.json.created_at));
    await h.store.transaction((tx) => advanceClock(tx, { accountId: h.keys.accountId, livemode: 0 }, Date.now(), { byMs: 5 * hourMs }));
    const source = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, form: 'amount=20000&currency=THB&type=truemoney_qr' });
    assert.equal(source.status, 200);
    assert.ok(Date.parse(source.json.created_at) >= Math.floor(wallBefore / 1000) * 1000 + 10 * hourMs - 1000, `source created at ${source.json.created_at}, the clock is 10 hours ahead`);
    // Charges made at once after the move all run at the new time.
    const batch = await Promise.all(Array.from({ length: 5 }, () => h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form })));
    for (const made of batch) {
      assert.equal(made.status, 200);
      assert.ok(Date.parse(made.json.created_at) >= Math.floor(wallBefore / 1000) * 1000 + 10 * hourMs - 1000);
    }
  });

  test("an event, refund or transaction is found by its id only in its own account and mode", async () => {
    const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form });
    const paid = await h.request({ method: 'POST', url: `/charges/${created.json.id}/mark_as_paid`, key: h.keys.secretKey });
    assert.equal(paid.status, 200);
    const refund = await h.request({ method: 'POST', url: `/charges/${created.json.id}/refunds`, key: h.keys.secretKey, json: { amount: 100 } });
    assert.equal(refund.status, 200);
    const event = (await h.request({ url: `/charges/${created.json.id}/events`, key: h.keys.secretKey })).json.data[0];
    const urls = [`/events/${event.id}`, `/transactions/${paid.json.transaction}`, `/charges/${created.json.id}/refunds/${refund.json.id}`];
    for (const url of urls) {
      assert.equal((await h.request({ url, key: h.keys.secretKey })).status, 200, url);
      assert.equal((await h.request({ url, key: h.other.secretKey })).status, 404, `${url} with another account's key`);
      assert.equal((await h.request({ url, key: h.keys.liveSecretKey })).status, 404, `${url} with the live key`);
    }
  });
});
