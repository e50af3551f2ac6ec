import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachStore, type Harness } from '../support/harness.js';

async function createSource(h: Harness, amount = 400000) {
  const res = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, form: `amount=${amount}&currency=THB&type=truemoney_qr` });
  assert.equal(res.status, 200);
  return res.json;
}

describeEachStore('charges: create, retrieve, list, update', (h) => {
  test('a charge by source id is pending, carries the QR, and the source mirrors it', async () => {
    const source = await createSource(h);
    const res = await h.request({
      method: 'POST',
      url: '/charges',
      key: h.keys.secretKey,
      form: `amount=400000&currency=THB&return_uri=${encodeURIComponent('http://example.com/orders/345678/complete')}&source=${source.id}`,
    });
    assert.equal(res.status, 200);
    const charge = res.json;
    assert.equal(charge.object, 'charge');
    assert.match(charge.id, /^chrg_test_[0-9a-z]{19}$/);
    assert.equal(charge.status, 'pending');
    assert.equal(charge.amount, 400000);
    assert.equal(charge.return_uri, 'http://example.com/orders/345678/complete');
    assert.equal(charge.source.id, source.id);
    assert.equal(charge.source.charge_status, 'pending');
    const payRef = charge.source.provider_references.reference_number_1;
    assert.match(payRef, /^pay2_test_[0-9a-z]{19}$/);
    assert.equal(charge.authorize_uri, `${h.publicUrl}/payments/${payRef}/authorize?acs=false`);
    assert.equal(Date.parse(charge.expires_at) - Date.parse(charge.created_at), 24 * 3600 * 1000);
    assert.equal(charge.source.scannable_code.image.download_uri.startsWith(`${h.publicUrl}/charges/${charge.id}/documents/`), true);
    assert.equal(charge.refunds.location, `/charges/${charge.id}/refunds`);
    for (const flag of ['paid', 'authorized', 'expired', 'refundable', 'partially_refundable', 'can_perform_void', 'voided', 'capturable', 'reversible']) {
      assert.equal(charge[flag], false, flag);
    }
    assert.equal(charge.capture, true);

    const fetched = await h.request({ url: `/charges/${charge.id}`, key: h.keys.secretKey });
    assert.equal(fetched.status, 200);
    assert.deepEqual({ ...fetched.json, refunds: null }, { ...charge, refunds: null });

    const sourceNow = await h.request({ url: `/sources/${source.id}`, key: h.keys.publicKey });
    assert.equal(sourceNow.json.charge_status, 'pending');
    assert.deepEqual(sourceNow.json.scannable_code, charge.source.scannable_code);
  });

  test('an inline source (source[type]) creates source and charge in one request', async () => {
    const res = await h.request({
      method: 'POST',
      url: '/charges',
      key: h.keys.secretKey,
      form: 'amount=12345&currency=THB&source%5Btype%5D=truemoney_qr&description=Order-1&metadata%5Border_id%5D=42',
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.source.type, 'truemoney_qr');
    assert.equal(res.json.source.amount, 12345);
    assert.equal(res.json.description, 'Order-1');
    assert.deepEqual(res.json.metadata, { order_id: '42' });
    const source = await h.request({ url: `/sources/${res.json.source.id}`, key: h.keys.secretKey });
    assert.equal(source.status, 200);
    assert.equal(source.json.charge_status, 'pending');
  });

  test('JSON bodies keep metadata types and accept numeric strings for amounts', async () => {
    const res = await h.request({
      method: 'POST',
      url: '/charges',
      key: h.keys.secretKey,
      json: { amount: '100000', currency: 'THB', source: { type: 'truemoney_qr' }, metadata: { n: 1, ok: true, nested: { a: [1, 'b'] } } },
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.amount, 100000);
    assert.deepEqual(res.json.metadata, { n: 1, ok: true, nested: { a: [1, 'b'] } });
  });

  test('a source can be charged once; amount and currency must match it', async () => {
    const source = await createSource(h, 20000);
    const mismatch = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 20001, currency: 'THB', source: source.id } });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json.code, 'invalid_charge');
    assert.equal(mismatch.json.message, 'amount must match source amount');
    const first = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 20000, currency: 'THB', source: source.id } });
    assert.equal(first.status, 200);
    const second = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 20000, currency: 'THB', source: source.id } });
    assert.equal(second.status, 400);
    assert.equal(second.json.code, 'invalid_charge');
    assert.equal(second.json.message, 'source has already been used');
  });

  test('racing charges on one source: exactly one wins', async () => {
    const source = await createSource(h, 30000);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 30000, currency: 'THB', source: source.id } })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    for (const loser of results.filter((r) => r.status !== 200)) assert.equal(loser.json.code, 'invalid_charge');
  });

  test('an unknown source id is 404 not_found; a public key cannot create charges', async () => {
    const unknown = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 20000, currency: 'THB', source: 'src_test_5zzzzzzzzzzzzzzzzzz' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, 'not_found');
    assert.equal(unknown.json.message, 'source src_test_5zzzzzzzzzzzzzzzzzz was not found');
    const publicKey = await h.request({ method: 'POST', url: '/charges', key: h.keys.publicKey, json: { amount: 20000, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(publicKey.status, 401);
    assert.equal(publicKey.json.code, 'authentication_failure');
  });

  test('PATCH changes description and metadata and records charge.update', async () => {
    const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 50000, currency: 'THB', source: { type: 'truemoney_qr' }, metadata: { a: 1 } } });
    const patched = await h.request({ method: 'PATCH', url: `/charges/${created.json.id}`, key: h.keys.secretKey, json: { description: 'updated', metadata: { b: 2 } } });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.description, 'updated');
    assert.deepEqual(patched.json.metadata, { b: 2 });
    const events = await h.request({ url: `/charges/${created.json.id}/events`, key: h.keys.secretKey });
    assert.equal(events.status, 200);
    assert.deepEqual(
      events.json.data.map((e: any) => e.key),
      ['charge.create', 'charge.update'],
    );
    assert.equal(events.json.data[1].data.description, 'updated');
    assert.equal(events.json.data[0].data.description, null);
  });

  test('capture and reverse are refused for TrueMoney QR charges', async () => {
    const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 50000, currency: 'THB', source: { type: 'truemoney_qr' } } });
    const capture = await h.request({ method: 'POST', url: `/charges/${created.json.id}/capture`, key: h.keys.secretKey, headers: { 'content-type': 'application/json' }, body: '' });
    assert.equal(capture.status, 400);
    assert.equal(capture.json.code, 'failed_capture');
    const reverse = await h.request({ method: 'POST', url: `/charges/${created.json.id}/reverse`, key: h.keys.secretKey });
    assert.equal(reverse.json.code, 'failed_reverse');
    const missing = await h.request({ method: 'POST', url: '/charges/chrg_test_nope/capture', key: h.keys.secretKey });
    assert.equal(missing.status, 404);
  });

  test('charges are invisible to other accounts and to the other mode', async () => {
    const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 50000, currency: 'THB', source: { type: 'truemoney_qr' } } });
    for (const key of [h.other.secretKey, h.keys.liveSecretKey]) {
      const res = await h.request({ url: `/charges/${created.json.id}`, key });
      assert.equal(res.status, 404);
      assert.equal(res.json.message, `charge ${created.json.id} was not found`);
      const patch = await h.request({ method: 'PATCH', url: `/charges/${created.json.id}`, key, json: { description: 'x' } });
      assert.equal(patch.status, 404);
    }
    const otherList = await h.request({ url: '/charges', key: h.other.secretKey });
    assert.equal(otherList.json.total, 0);
    const otherEvents = await h.request({ url: '/events', key: h.other.secretKey });
    assert.equal(otherEvents.json.total, 0);
  });
});

describeEachStore('lists: from, to, offset, limit, order, total', (h) => {
  test('pages through charges in both orders with totals', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000 + i, currency: 'THB', source: { type: 'truemoney_qr' } } });
      ids.push(res.json.id);
    }
    const first = await h.request({ url: '/charges?limit=2', key: h.keys.secretKey });
    assert.equal(first.status, 200);
    assert.equal(first.json.object, 'list');
    assert.deepEqual(Object.keys(first.json), ['object', 'data', 'limit', 'offset', 'total', 'location', 'order', 'from', 'to']);
    assert.equal(first.json.total, 5);
    assert.equal(first.json.limit, 2);
    assert.equal(first.json.location, '/charges');
    assert.equal(first.json.order, 'chronological');
    assert.equal(first.json.from, '1970-01-01T00:00:00Z');
    assert.deepEqual(first.json.data.map((c: any) => c.id), ids.slice(0, 2));
    const second = await h.request({ url: '/charges?limit=2&offset=2', key: h.keys.secretKey });
    assert.deepEqual(second.json.data.map((c: any) => c.id), ids.slice(2, 4));
    const reverse = await h.request({ url: '/charges?order=reverse_chronological&limit=3', key: h.keys.secretKey });
    assert.deepEqual(reverse.json.data.map((c: any) => c.id), ids.slice().reverse().slice(0, 3));
    const huge = await h.request({ url: '/charges?limit=1000', key: h.keys.secretKey });
    assert.equal(huge.json.limit, 100);
    const future = await h.request({ url: '/charges?from=2999-01-01T00:00:00Z', key: h.keys.secretKey });
    assert.equal(future.json.total, 0);
    const past = await h.request({ url: '/charges?to=2000-01-01', key: h.keys.secretKey });
    assert.equal(past.json.total, 0);
    const bad = await h.request({ url: '/charges?limit=0', key: h.keys.secretKey });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.code, 'invalid_per_page');
  });

  test('events list every charge.create with its charge as data', async () => {
    const res = await h.request({ url: '/events?order=reverse_chronological&limit=1', key: h.keys.secretKey });
    assert.equal(res.status, 200);
    const event = res.json.data[0];
    assert.equal(event.object, 'event');
    assert.match(event.id, /^evnt_test_[0-9a-z]{19}$/);
    assert.equal(event.key, 'charge.create');
    assert.equal(event.location, `/events/${event.id}`);
    assert.deepEqual(event.webhook_deliveries, []);
    assert.equal(event.data.object, 'charge');
    assert.equal(event.data.status, 'pending');
    const one = await h.request({ url: `/events/${event.id}`, key: h.keys.secretKey });
    assert.deepEqual(one.json, event);
    const missing = await h.request({ url: '/events/evnt_test_nope', key: h.keys.secretKey });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.message, 'event evnt_test_nope was not found');
  });
});
