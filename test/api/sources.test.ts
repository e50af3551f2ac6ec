import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachStore } from '../support/harness.js';

describeEachStore('POST /sources and GET /sources/:id', (h) => {
  test('a public key creates a truemoney_qr source with the seed shape', async () => {
    const res = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, form: 'amount=400000&currency=THB&type=truemoney_qr' });
    assert.equal(res.status, 200);
    assert.equal(res.json.object, 'source');
    assert.match(res.json.id, /^src_test_[0-9a-z]{19}$/);
    assert.equal(res.json.location, `/sources/${res.json.id}`);
    assert.equal(res.json.amount, 400000);
    assert.equal(res.json.currency, 'THB');
    assert.equal(res.json.flow, 'offline');
    assert.equal(res.json.type, 'truemoney_qr');
    assert.equal(res.json.charge_status, 'unknown');
    assert.equal(res.json.scannable_code, null);
    assert.equal(res.json.livemode, false);
    assert.match(res.json.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const fetched = await h.request({ url: `/sources/${res.json.id}`, key: h.keys.publicKey });
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.json, res.json);
  });

  test('a secret key may create and read sources too', async () => {
    const res = await h.request({ method: 'POST', url: '/sources', key: h.keys.secretKey, json: { amount: 10000, currency: 'thb', type: 'truemoney_qr' } });
    assert.equal(res.status, 200);
    assert.equal(res.json.currency, 'THB');
    const fetched = await h.request({ url: `/sources/${res.json.id}`, key: h.keys.secretKey });
    assert.equal(fetched.status, 200);
  });

  test('amounts outside THB 100.00 to 50,000.00 are refused with bad_request and nothing is stored', async () => {
    for (const [amount, message] of [
      [9999, 'amount must be greater than or equal to 10000'],
      [5000001, 'amount must be less than or equal to 5000000'],
      ['12.5', 'amount must be an integer'],
      ['abc', 'amount must be an integer'],
      [-10000, 'amount must be greater than or equal to 10000'],
      [1e300, 'amount must be an integer'],
    ] as const) {
      const res = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, json: { amount, currency: 'THB', type: 'truemoney_qr' } });
      assert.equal(res.status, 400, String(amount));
      assert.equal(res.json.object, 'error');
      assert.equal(res.json.code, 'bad_request');
      assert.equal(res.json.message, message);
    }
  });

  test('another type or currency is refused, problems joined with "and"', async () => {
    const res = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, form: 'amount=400000&currency=USD&type=promptpay' });
    assert.equal(res.status, 400);
    assert.equal(res.json.code, 'bad_request');
    assert.equal(res.json.message, 'type is currently not supported and currency is currently not supported');
  });

  test('an unknown source, or another account\'s, is not_found', async () => {
    const mine = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, form: 'amount=400000&currency=THB&type=truemoney_qr' });
    const theirs = await h.request({ url: `/sources/${mine.json.id}`, key: h.other.publicKey });
    assert.equal(theirs.status, 404);
    assert.equal(theirs.json.code, 'not_found');
    assert.equal(theirs.json.message, `source ${mine.json.id} was not found`);
    const live = await h.request({ url: `/sources/${mine.json.id}`, key: h.keys.livePublicKey });
    assert.equal(live.status, 404);
  });

  test('live mode has TrueMoney QR disabled on a fresh account', async () => {
    const res = await h.request({ method: 'POST', url: '/sources', key: h.keys.livePublicKey, form: 'amount=400000&currency=THB&type=truemoney_qr' });
    assert.equal(res.status, 400);
    assert.equal(res.json.code, 'bad_request');
    assert.equal(res.json.message, 'type is currently not supported');
  });
});
