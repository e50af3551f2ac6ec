import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, describeEachStoreProcess, runCli, startGatewayProcess } from '../support/process.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

const secretKey = 'skey_test_' + 'c'.repeat(19);

describeEachStoreProcess(
  'satang webhooks',
  (env) => {
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver();
    });
    after(() => receiver.close());

    test('add, list, disable, enable, secret and roll, redeliver, remove', async () => {
      const gateway = await startGatewayProcess(env);
      try {
        const added = runCli(['webhooks', 'add', `${receiver.url}/cli`], env);
        assert.equal(added.status, 0, added.stderr);
        const id = /(endp_test_[0-9a-z]{19})\s+enabled\s+/.exec(added.stdout)![1];
        assert.match(runCli(['webhooks', 'list'], env).stdout, new RegExp(`${id}\\s+enabled\\s+${receiver.url}/cli`));
        assert.match(runCli(['webhooks', 'disable', id], env).stdout, /disabled/);
        assert.match(runCli(['webhooks', 'enable', id], env).stdout, /enabled/);
        const secret = runCli(['webhooks', 'secret'], env);
        assert.match(secret.stdout, /test webhook secret\s+[A-Za-z0-9+/=]{44}/);
        const rolled = runCli(['webhooks', 'secret', '--roll'], env);
        assert.match(rolled.stdout, /the previous secret also signs until/);
        assert.equal(runCli(['webhooks', 'add', 'ftp://nope'], env).status, 2);

        const charge = await api(`${gateway.url}/charges`, secretKey, { method: 'POST', json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } } });
        await receiver.waitFor((all) => all.some((r) => r.json?.data?.id === charge.json.id));
        const eventId = receiver.received.find((r) => r.json?.data?.id === charge.json.id)!.json.id;
        const redeliver = runCli(['webhooks', 'redeliver', eventId], env);
        assert.equal(redeliver.status, 0, redeliver.stderr);
        await receiver.waitFor((all) => all.filter((r) => r.json?.id === eventId).length >= 2);

        assert.match(runCli(['webhooks', 'remove', id], env).stdout, /removed/);
        assert.equal(runCli(['webhooks', 'list'], env).stdout.trim(), '');
      } finally {
        await gateway.kill('SIGTERM');
      }
    });
  },
  { SATANG_TEST_PUBLIC_KEY: 'pkey_test_' + 'd'.repeat(19), SATANG_TEST_SECRET_KEY: secretKey },
);
