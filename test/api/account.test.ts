/**
 * GET /account (DECISIONS §10): the Omise account object of a secret key's account and mode, with
 * the key set of omise-php's 2025 account-get.json; its email is an account setting that
 * `satang accounts set --email` changes; PATCH /account is not served.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTimestamp } from '../../src/domain/time.js';
import { findAccount } from '../../src/store/accounts.js';
import { changeSettings } from '../../src/usecases/accounts.js';
import { describeEachStore, type TestResponse } from '../support/harness.js';
import { api, describeEachStoreProcess, runCli, startGatewayProcess } from '../support/process.js';

/** The keys of omise-php's tests/fixtures/api.omise.co/account-get.json, in its order. */
const accountKeys = [
  'object', 'id', 'team', 'livemode', 'location', 'country', 'currency', 'email', 'created_at', 'supported_currencies', 'api_version',
  'auto_activate_recipients', 'chain_enabled', 'zero_interest_installments', 'chain_return_uri', 'webhook_uri', 'metadata_export_keys',
  'chaining_allowed', 'last_updated_api_version', 'transfer_config',
];

function show(res: TestResponse): string {
  return `${res.status} ${res.body.slice(0, 400)}`;
}

describeEachStore('GET /account', (h) => {
  const account = (key = h.keys.secretKey) => h.request({ url: '/account', key });
  const suffix = () => h.keys.accountId.slice('acct_'.length);

  test('the test key\'s account: every key of the Omise account object, id account_test_ + the account\'s suffix, team the account', async () => {
    const res = await account();
    assert.equal(res.status, 200, show(res));
    assert.deepEqual(Object.keys(res.json), accountKeys);
    const row = (await findAccount(h.store.read, h.keys.accountId))!;
    assert.match(h.keys.accountId, /^acct_[0-9a-z]{19}$/);
    assert.deepEqual(res.json, {
      object: 'account',
      id: `account_test_${suffix()}`,
      team: h.keys.accountId,
      livemode: false,
      location: '/account',
      country: 'TH',
      currency: 'THB',
      email: null,
      created_at: formatTimestamp(row.created_at),
      supported_currencies: ['THB'],
      api_version: '2019-05-29',
      auto_activate_recipients: false,
      chain_enabled: false,
      zero_interest_installments: false,
      chain_return_uri: null,
      webhook_uri: null,
      metadata_export_keys: { charge: [], transfer: [], refund: [], dispute: [] },
      chaining_allowed: false,
      last_updated_api_version: '2019-05-29',
      transfer_config: null,
    });
  });

  test('the live key\'s: account_ + the same suffix, livemode true; another account has its own id', async () => {
    const live = await account(h.keys.liveSecretKey);
    assert.equal(live.status, 200, show(live));
    assert.equal(live.json.id, `account_${suffix()}`);
    assert.equal(live.json.team, h.keys.accountId);
    assert.equal(live.json.livemode, true);
    const other = await account(h.other.secretKey);
    assert.equal(other.json.team, h.other.accountId);
    assert.equal(other.json.id, `account_test_${h.other.accountId.slice('acct_'.length)}`);
    assert.notEqual(other.json.id, (await account()).json.id);
  });

  test('webhook_uri: the first enabled endpoint of the key\'s mode', async () => {
    const add = async (url: string) => {
      const res = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.other.secretKey, json: { url } });
      assert.equal(res.status, 200, show(res));
      return res.json.id as string;
    };
    const first = await add('https://shop.example/hooks/first');
    await add('https://shop.example/hooks/second');
    assert.equal((await account(h.other.secretKey)).json.webhook_uri, 'https://shop.example/hooks/first');
    const disabled = await h.request({ method: 'PATCH', url: `/webhook_endpoints/${first}`, key: h.other.secretKey, json: { enabled: false } });
    assert.equal(disabled.status, 200, show(disabled));
    assert.equal((await account(h.other.secretKey)).json.webhook_uri, 'https://shop.example/hooks/second');
    // Endpoints are per mode, and per account.
    assert.equal((await account(h.other.liveSecretKey)).json.webhook_uri, null);
    assert.equal((await account()).json.webhook_uri, null);
  });

  test('email is the account\'s setting: null until set, then shown in both modes; the empty string clears it; a malformed one is refused', async () => {
    const set = (email: string) => h.gateway.changes.system((tx) => changeSettings(tx, h.keys.accountId, { email }));
    await set('  developer@shop.example ');
    assert.equal((await account()).json.email, 'developer@shop.example');
    assert.equal((await account(h.keys.liveSecretKey)).json.email, 'developer@shop.example');
    assert.equal((await account(h.other.secretKey)).json.email, null);
    for (const bad of ['developer', 'a b@shop.example', 'dev@shop', `${'x'.repeat(250)}@shop.example`]) {
      await assert.rejects(set(bad), (error: any) => error.code === 'bad_request' && /email must be an email address/.test(error.message), bad);
    }
    assert.equal((await account()).json.email, 'developer@shop.example');
    await set('');
    assert.equal((await account()).json.email, null);
  });

  test('a secret key is needed', async () => {
    for (const key of [h.keys.publicKey, undefined, 'skey_test_5zzzzzzzzzzzzzzzzzz']) {
      const res = await h.request({ url: '/account', key });
      assert.equal(res.status, 401, show(res));
      assert.equal(res.json.code, 'authentication_failure');
    }
  });

  test('PATCH /account is 400 feature_not_supported and changes nothing; other methods are an unknown route', async () => {
    for (const key of [h.keys.secretKey, undefined]) {
      const res = await h.request({ method: 'PATCH', url: '/account', key, json: { email: 'x@shop.example', webhook_uri: 'https://shop.example/h' } });
      assert.equal(res.status, 400, show(res));
      assert.equal(res.json.object, 'error');
      assert.equal(res.json.code, 'feature_not_supported');
      assert.match(res.json.message, /satang accounts set/);
    }
    assert.equal((await account()).json.email, null);
    for (const method of ['POST', 'DELETE']) {
      const res = await h.request({ method, url: '/account', key: h.keys.secretKey });
      assert.equal(res.status, 404, show(res));
      assert.equal(res.json.code, 'not_found');
    }
  });
});

describeEachStoreProcess('satang accounts set --email, seen by GET /account', (env) => {
  const secretKey = 'skey_test_' + 'e'.repeat(19);
  const withKeys = { ...env, SATANG_TEST_PUBLIC_KEY: 'pkey_test_' + 'e'.repeat(19), SATANG_TEST_SECRET_KEY: secretKey };

  test('the command sets, shows and clears the email a running gateway answers', async () => {
    const gateway = await startGatewayProcess(withKeys);
    try {
      assert.equal((await api(`${gateway.url}/account`, secretKey)).json.email, null);

      const set = runCli(['accounts', 'set', '--email', 'developer@shop.example'], withKeys);
      assert.equal(set.status, 0, set.stderr);
      assert.match(set.stdout, /email\s+developer@shop\.example/);
      assert.match(runCli(['accounts', 'show'], withKeys).stdout, /email\s+developer@shop\.example/);
      const shown = await api(`${gateway.url}/account`, secretKey);
      assert.equal(shown.status, 200);
      assert.equal(shown.json.email, 'developer@shop.example');

      const bad = runCli(['accounts', 'set', '--email', 'not an email'], withKeys);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /email must be an email address/);

      const cleared = runCli(['accounts', 'set', '--email', ''], withKeys);
      assert.equal(cleared.status, 0, cleared.stderr);
      assert.match(cleared.stdout, /email\s+\(none\)/);
      assert.equal((await api(`${gateway.url}/account`, secretKey)).json.email, null);
    } finally {
      await gateway.kill('SIGTERM');
    }
  });
});
