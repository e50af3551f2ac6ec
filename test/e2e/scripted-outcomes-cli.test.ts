/**
 * `satang accounts set --default-outcome ...` (DECISIONS §10): the command sets an account's default
 * scripted outcome, `accounts show` prints it, and a gateway process applies it to new test charges.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, describeEachStoreProcess, runCli, startGatewayProcess } from '../support/process.js';

describeEachStoreProcess('satang accounts set --default-outcome', (env) => {
  test('set, show, refuse what is wrong, and a served test charge ends as the default says', async () => {
    const created = runCli(['accounts', 'create', '--name', 'Outcome Shop'], env);
    assert.equal(created.status, 0, created.stderr);
    const accountId = /account\s+(acct_[0-9a-z]+)/.exec(created.stdout)![1];
    const secretKey = /test secret key\s+(skey_test_[0-9a-z]+)/.exec(created.stdout)![1];
    assert.match(created.stdout, /default outcome\s+none \(test charges stay pending\)/);

    const set = runCli(['accounts', 'set', accountId, '--default-outcome', 'successful', '--default-outcome-after-seconds', '1', '--default-funding-source', 'credit_card'], env);
    assert.equal(set.status, 0, set.stderr);
    assert.match(set.stdout, /default outcome\s+successful via credit_card, 1 s after creation \(test mode\)/);
    assert.match(runCli(['accounts', 'show', accountId], env).stdout, /default outcome\s+successful via credit_card, 1 s after creation/);

    for (const [args, message] of [
      [['--default-outcome', 'paid'], /default_outcome must be one of successful, failed, expired or none/],
      [['--default-outcome-after-seconds', '86400'], /default_outcome_after_seconds must be an integer from 0 to 86399/],
      [['--default-outcome', 'failed', '--default-funding-source', 'bank_account'], /default_funding_source is only used with default_outcome successful/],
    ] as const) {
      const refused = runCli(['accounts', 'set', accountId, ...args], env);
      assert.equal(refused.status, 2, refused.stdout);
      assert.match(refused.stderr, message);
    }
    assert.match(runCli(['accounts', 'show', accountId], env).stdout, /default outcome\s+successful via credit_card, 1 s after creation/, 'refusals changed nothing');

    const gateway = await startGatewayProcess(env);
    try {
      const charge = await api(`${gateway.url}/charges`, secretKey, { method: 'POST', json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } } });
      assert.equal(charge.status, 200, JSON.stringify(charge.json));
      assert.equal(charge.json.status, 'pending');
      const settings = await api(`${gateway.url}/test/settings`, secretKey);
      assert.deepEqual(
        [settings.json.default_outcome, settings.json.default_outcome_after_seconds, settings.json.default_funding_source],
        ['successful', 1, 'credit_card'],
      );
      const deadline = Date.now() + 10_000;
      let status = 'pending';
      while (status === 'pending' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (await api(`${gateway.url}/charges/${charge.json.id}`, secretKey)).json.status;
      }
      assert.equal(status, 'successful');

      const cleared = runCli(['accounts', 'set', accountId, '--default-outcome', 'none'], env);
      assert.equal(cleared.status, 0, cleared.stderr);
      assert.match(cleared.stdout, /default outcome\s+none/);
    } finally {
      await gateway.kill('SIGTERM');
    }
  });
});
