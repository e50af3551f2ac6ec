import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeSettings, rollKey } from '../../src/usecases/accounts.js';
import { basic, describeEachStore } from '../support/harness.js';

describeEachStore('authentication, modes and /capability', (h) => {
  test('Basic auth works as key:, key:anything and key without a colon', async () => {
    for (const authorization of [basic(h.keys.secretKey), `Basic ${Buffer.from(`${h.keys.secretKey}:whatever`).toString('base64')}`, basic(h.keys.secretKey, false)]) {
      const res = await h.request({ url: '/charges', headers: { authorization } });
      assert.equal(res.status, 200, authorization);
    }
  });

  test('missing, unknown and malformed keys are 401 authentication_failure', async () => {
    const cases: Array<Record<string, string>> = [{}, { authorization: basic('skey_test_0000000000000000000') }, { authorization: 'Bearer abc' }, { authorization: basic('hello') }];
    for (const headers of cases) {
      const res = await h.request({ url: '/charges', headers });
      assert.equal(res.status, 401);
      assert.deepEqual(res.json, {
        object: 'error',
        location: 'https://www.omise.co/api-errors#authentication-failure',
        code: 'authentication_failure',
        message: 'authentication failed',
      });
    }
  });

  test('a public key reaches sources and /capability only', async () => {
    assert.equal((await h.request({ url: '/capability', key: h.keys.publicKey })).status, 200);
    assert.equal((await h.request({ url: '/charges', key: h.keys.publicKey })).status, 401);
    assert.equal((await h.request({ url: '/events', key: h.keys.publicKey })).status, 401);
  });

  test('/capability lists truemoney_qr where enabled, with the charge limits', async () => {
    const test_ = await h.request({ url: '/capability', key: h.keys.publicKey });
    assert.equal(test_.json.object, 'capability');
    assert.equal(test_.json.country, 'TH');
    assert.deepEqual(test_.json.limits.charge_amount, { max: 5000000, min: 10000 });
    assert.ok('installment_amount' in test_.json.limits);
    assert.deepEqual(
      test_.json.payment_methods.map((m: any) => [m.object, m.name, m.currencies]),
      [['payment_method', 'truemoney_qr', ['THB']]],
    );
    const live = await h.request({ url: '/capability', key: h.keys.liveSecretKey });
    assert.deepEqual(live.json.payment_methods, []);
  });

  test('disabling TrueMoney QR in test mode refuses sources and inline charges', async () => {
    await h.store.transaction((tx) => changeSettings(tx, h.other.accountId, { truemoneyQrTest: false }));
    const source = await h.request({ method: 'POST', url: '/sources', key: h.other.publicKey, json: { amount: 10000, currency: 'THB', type: 'truemoney_qr' } });
    assert.equal(source.status, 400);
    assert.equal(source.json.message, 'type is currently not supported');
    const charge = await h.request({ method: 'POST', url: '/charges', key: h.other.secretKey, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(charge.status, 400);
    assert.equal(charge.json.code, 'invalid_charge');
    assert.equal((await h.request({ url: '/capability', key: h.other.publicKey })).json.payment_methods.length, 0);
    await h.store.transaction((tx) => changeSettings(tx, h.other.accountId, { truemoneyQrTest: true }));
  });

  test('live TrueMoney QR cannot be enabled without a provider', async () => {
    await assert.rejects(h.store.transaction((tx) => changeSettings(tx, h.other.accountId, { truemoneyQrLive: true })), /provider/);
  });

  test('a rolled secret key stops working and the new one works', async () => {
    const fresh = await h.store.transaction((tx) => rollKey(tx, h.other.accountId, 'test', 'secret', Date.now()));
    assert.match(fresh, /^skey_test_[0-9a-z]{19}$/);
    assert.equal((await h.request({ url: '/charges', key: fresh })).status, 200);
    // The old key may be cached for up to two seconds.
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal((await h.request({ url: '/charges', key: h.other.secretKey })).status, 401);
    h.other.secretKey = fresh;
  });

  test('Omise-Version: known versions accepted, sources need 2017-11-02, others refused', async () => {
    const old = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, headers: { 'omise-version': '2015-11-17' }, json: { amount: 10000, currency: 'THB', type: 'truemoney_qr' } });
    assert.equal(old.status, 404);
    assert.equal(old.json.code, 'service_not_found');
    const oldInline = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, headers: { 'omise-version': '2014-07-27' }, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(oldInline.status, 404);
    assert.equal(oldInline.json.code, 'service_not_found');
    const list = await h.request({ url: '/charges', key: h.keys.secretKey, headers: { 'omise-version': '2014-07-27' } });
    assert.equal(list.status, 200);
    const bogus = await h.request({ url: '/charges', key: h.keys.secretKey, headers: { 'omise-version': '2020-01-01' } });
    assert.equal(bogus.status, 400);
    assert.equal(bogus.json.code, 'bad_request');
    const current = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, headers: { 'omise-version': '2019-05-29' }, json: { amount: 10000, currency: 'THB', type: 'truemoney_qr' } });
    assert.equal(current.status, 200);
  });
});
