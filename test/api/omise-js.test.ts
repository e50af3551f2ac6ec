/**
 * /omise.js (omise-api.md §14): the script is run here as a browser would run it, with its fetch
 * answered by the gateway, to check the real library's wire format and callback contract.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import vm from 'node:vm';
import { describeEachStore, type Harness } from '../support/harness.js';

interface Sent {
  url: string;
  init: { method: string; headers: Record<string, string>; body: string };
}

/** Loads the served script into a fresh context whose fetch goes to the gateway (or fails, when told to). */
async function loadOmiseJs(h: Harness, options: { origin?: string; network?: 'up' | 'down' } = {}) {
  const served = await h.request({ url: '/omise.js' });
  assert.equal(served.status, 200);
  const sent: Sent[] = [];
  const window: Record<string, unknown> = {};
  const context = vm.createContext({
    window,
    btoa: (text: string) => Buffer.from(text, 'latin1').toString('base64'),
    setTimeout,
    fetch: async (url: string, init: Sent['init']) => {
      sent.push({ url, init });
      if (options.network === 'down') throw new TypeError('Failed to fetch');
      const res = await h.request({
        method: init.method.toUpperCase(),
        url: new URL(url).pathname,
        headers: { ...init.headers, origin: options.origin ?? 'http://shop.example' },
        body: init.body,
      });
      return { status: res.status, headers: res.headers, json: async () => JSON.parse(res.body) };
    },
  });
  vm.runInContext(served.body, context);
  const Omise = window.Omise as any;
  const call = (method: 'createSource' | 'createToken', ...args: unknown[]) =>
    new Promise<{ status: number; response: any }>((resolve) => Omise[method](...args, (status: number, response: any) => resolve({ status, response })));
  return { Omise, sent, call, served };
}

describeEachStore('omise.js-compatible script', (h) => {
  test('served as JavaScript from a stable path, usable from any origin', async () => {
    const { served, Omise } = await loadOmiseJs(h);
    assert.equal(served.headers['content-type'], 'application/javascript; charset=utf-8');
    assert.equal(served.headers['access-control-allow-origin'], '*');
    assert.equal(Omise.config.interfaceUrl, h.publicUrl);
    assert.equal(typeof Omise.setPublicKey, 'function');
    assert.equal(Omise.setPublicKey(h.keys.publicKey), h.keys.publicKey);
  });

  test('createSource: JSON POST to /sources/ with Basic auth of the bare public key; callback(200, source)', async () => {
    const { Omise, sent, call } = await loadOmiseJs(h);
    Omise.setPublicKey(h.keys.publicKey);
    const params = { amount: 400000, currency: 'THB' };
    const { status, response } = await call('createSource', 'truemoney_qr', params);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].url, `${h.publicUrl}/sources/`);
    assert.equal(sent[0].init.method, 'post');
    assert.deepEqual({ ...sent[0].init.headers }, { Authorization: `Basic ${Buffer.from(h.keys.publicKey).toString('base64')}`, 'Content-Type': 'application/json' });
    assert.ok(!Buffer.from(sent[0].init.headers.Authorization.slice(6), 'base64').toString().includes(':'), 'no colon, as the real library sends');
    assert.deepEqual(JSON.parse(sent[0].init.body), { amount: 400000, currency: 'THB', type: 'truemoney_qr' });
    assert.equal((params as any).type, 'truemoney_qr', 'the params object gets its type, as in omise.js');
    assert.equal(status, 200);
    assert.equal(response.object, 'source');
    assert.match(response.id, /^src_test_[0-9a-z]{19}$/);
    assert.equal(response.flow, 'offline');
    // The source is real: the merchant's server can charge it.
    const charge = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 400000, currency: 'THB', source: response.id } });
    assert.equal(charge.status, 200, charge.body);
  });

  test('createSource errors reach the callback: bad amount, wrong key, network down', async () => {
    const { Omise, call } = await loadOmiseJs(h);
    Omise.setPublicKey(h.keys.publicKey);
    const small = await call('createSource', 'truemoney_qr', { amount: 100, currency: 'THB' });
    assert.equal(small.status, 400);
    assert.equal(small.response.code, 'bad_request');
    assert.match(small.response.message, /amount/);
    Omise.setPublicKey('pkey_test_nobodyhasthiskey12');
    const unknownKey = await call('createSource', 'truemoney_qr', { amount: 40000, currency: 'THB' });
    assert.equal(unknownKey.status, 401);
    assert.equal(unknownKey.response.code, 'authentication_failure');
    const offline = await loadOmiseJs(h, { network: 'down' });
    offline.Omise.setPublicKey(h.keys.publicKey);
    const down = await offline.call('createSource', 'truemoney_qr', { amount: 40000, currency: 'THB' });
    assert.equal(down.status, 0);
    assert.deepEqual({ ...down.response }, { code: 'create_source_error', error: 'Failed to fetch' });
  });

  test('createToken answers 400 feature_not_supported: card tokens are out of scope', async () => {
    const { Omise, call, sent } = await loadOmiseJs(h);
    Omise.setPublicKey(h.keys.publicKey);
    const { status, response } = await call('createToken', 'card', { number: '4242424242424242' });
    assert.equal(status, 400);
    assert.equal(response.object, 'error');
    assert.equal(response.code, 'feature_not_supported');
    assert.match(response.message, /card tokens are not supported/);
    assert.equal(sent.length, 0, 'nothing is sent anywhere');
  });

  test('a cross-origin browser may call /sources/: preflight and response carry CORS headers', async () => {
    const preflight = await h.request({
      method: 'OPTIONS',
      url: '/sources/',
      headers: { origin: 'http://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'http://shop.example');
    assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);
    assert.match(String(preflight.headers['access-control-allow-headers']), /Authorization/);
    assert.match(String(preflight.headers['access-control-allow-headers']), /Content-Type/);
  });
});
