import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPrivateAddress, urlProblem } from '../../src/webhooks/targets.js';
import { describeEachStore } from '../support/harness.js';

test('private, loopback and link-local addresses are recognised', () => {
  for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1']) {
    assert.equal(isPrivateAddress(address), true, address);
  }
  for (const address of ['8.8.8.8', '172.32.0.1', '1.1.1.1', '2001:4860:4860::8888']) assert.equal(isPrivateAddress(address), false, address);
  assert.equal(urlProblem('http://127.0.0.1:9/x', { allowPrivateTargets: true }), null);
  assert.match(urlProblem('http://127.0.0.1:9/x', { allowPrivateTargets: false })!, /private or loopback/);
});

describeEachStore(
  'an operator can refuse private webhook targets',
  (h) => {
    test('endpoints on loopback and private addresses are refused; public ones are not', async () => {
      for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://10.0.0.5/hook', 'http://[::1]:9/hook', 'http://169.254.169.254/latest']) {
        const res = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url } });
        assert.equal(res.status, 400, url);
        assert.equal(res.json.code, 'bad_request');
        assert.match(res.json.message, /private or loopback/);
      }
      const charge = await h.request({
        method: 'POST',
        url: '/charges',
        key: h.keys.secretKey,
        json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } },
      });
      const redeliver = await h.request({ method: 'POST', url: `/events/${(await h.request({ url: `/charges/${charge.json.id}/events`, key: h.keys.secretKey })).json.data[0].id}/redeliver`, key: h.keys.secretKey, json: { url: 'http://192.168.0.10/x' } });
      assert.equal(redeliver.status, 400);
      const ok = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.secretKey, json: { url: 'https://merchant.example/hooks/omise' } });
      assert.equal(ok.status, 200);
    });
  },
  { webhookAllowPrivateTargets: false },
);
