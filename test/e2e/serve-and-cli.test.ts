import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, describeEachStoreProcess, runCli, startGatewayProcess } from '../support/process.js';

const publicKey = 'pkey_test_' + 'p'.repeat(19);
const secretKey = 'skey_test_' + 's'.repeat(19);

describeEachStoreProcess('satang serve and the satang command', (storeEnv) => {
    test('first start prints the new test keys once; they work; a restart prints none', async () => {
      const first = await startGatewayProcess(storeEnv);
      try {
        const banner = /public key\s+(pkey_test_[0-9a-z]{19})[\s\S]*secret key\s+(skey_test_[0-9a-z]{19})/.exec(first.output());
        assert.ok(banner, first.output());
        const [, pkey, skey] = banner;
        const source = await api(`${first.url}/sources`, pkey, { method: 'POST', json: { amount: 400000, currency: 'THB', type: 'truemoney_qr' } });
        assert.equal(source.status, 200);
        const charge = await api(`${first.url}/charges`, skey, { method: 'POST', json: { amount: 400000, currency: 'THB', source: source.json.id } });
        assert.equal(charge.status, 200);
        assert.ok(charge.json.authorize_uri.startsWith(`${first.url}/payments/`));
        assert.doesNotMatch(first.output(), /"level"[^\n]*skey_/, 'no secret key in structured log lines');
      } finally {
        await first.kill('SIGTERM');
      }
      const second = await startGatewayProcess(storeEnv);
      try {
        assert.doesNotMatch(second.output(), /secret key/);
      } finally {
        await second.kill('SIGTERM');
      }
    });

    test('SATANG_TEST_*_KEY pin the default account\'s test keys; SIGKILL loses no acknowledged charge', async () => {
      const env = { ...storeEnv, SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_TEST_SECRET_KEY: secretKey };
      const gateway = await startGatewayProcess(env);
      const acknowledged: string[] = [];
      try {
        await Promise.all(
          Array.from({ length: 40 }, async (_, i) => {
            const res = await api(`${gateway.url}/charges`, secretKey, { method: 'POST', json: { amount: 10000 + i, currency: 'THB', source: { type: 'truemoney_qr' } } });
            assert.equal(res.status, 200);
            acknowledged.push(res.json.id);
          }),
        );
      } finally {
        await gateway.kill('SIGKILL');
      }
      const restarted = await startGatewayProcess(env);
      try {
        for (const id of acknowledged) {
          const res = await api(`${restarted.url}/charges/${id}`, secretKey);
          assert.equal(res.status, 200, id);
          assert.equal(res.json.status, 'pending');
        }
        const events = await api(`${restarted.url}/events?limit=100`, secretKey);
        const created = new Set(events.json.data.filter((e: any) => e.key === 'charge.create').map((e: any) => e.data.id));
        for (const id of acknowledged) assert.ok(created.has(id), `charge.create of ${id}`);
      } finally {
        await restarted.kill('SIGTERM');
      }
    });

    test('accounts and keys through the command', () => {
      const list = runCli(['accounts', 'list'], storeEnv);
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stdout, /acct_[0-9a-z]{19}\s+\*/);

      const created = runCli(['accounts', 'create', '--name', 'Noodle Shop', '--merchant-name', 'ร้านก๋วยเตี๋ยว Noodle'], storeEnv);
      assert.equal(created.status, 0, created.stderr);
      const accountId = /account\s+(acct_[0-9a-z]{19})/.exec(created.stdout)![1];
      assert.match(created.stdout, /test secret key\s+skey_test_[0-9a-z]{19}/);
      assert.match(created.stdout, /live public key\s+pkey_[0-9a-z]{19}/);

      const set = runCli(['accounts', 'set', accountId, '--biller-id', '099400016550101', '--fee-rate-bps', '300', '--truemoney-qr-test', 'off'], storeEnv);
      assert.equal(set.status, 0, set.stderr);
      assert.match(set.stdout, /biller id\s+099400016550101/);
      assert.match(set.stdout, /fee rate\s+300 bps/);
      assert.match(set.stdout, /truemoney_qr test\s+off/);

      const live = runCli(['accounts', 'set', accountId, '--truemoney-qr-live', 'on'], storeEnv);
      assert.equal(live.status, 2);
      assert.match(live.stderr, /provider/);
      const badBiller = runCli(['accounts', 'set', accountId, '--biller-id', '12'], storeEnv);
      assert.equal(badBiller.status, 2);

      const show = runCli(['keys', 'show', '--account', accountId], storeEnv);
      assert.equal(show.status, 0, show.stderr);
      assert.match(show.stdout, /test public key\s+pkey_test_[0-9a-z]{19}/);
      assert.doesNotMatch(show.stdout, /skey_test_[0-9a-z]{19}/, 'secret keys are never shown again');

      const roll = runCli(['keys', 'roll', '--account', accountId, '--mode', 'test'], storeEnv);
      assert.equal(roll.status, 0, roll.stderr);
      assert.match(roll.stdout, /new test secret key\s+skey_test_[0-9a-z]{19}/);

      const migrate = runCli(['migrate'], storeEnv);
      assert.equal(migrate.status, 0, migrate.stderr);
    });
});
