import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, describeEachStoreProcess, runCli, startGatewayProcess } from '../support/process.js';

const publicKey = 'pkey_test_' + 'q'.repeat(19);
const secretKey = 'skey_test_' + 'r'.repeat(19);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeEachStoreProcess(
  'expiry survives a SIGKILL and follows the test clock',
  (env) => {
    test('charges pending at a SIGKILL expire after restart once the clock passes their deadline', async () => {
      const first = await startGatewayProcess(env);
      const ids: string[] = [];
      try {
        for (let i = 0; i < 10; i++) {
          const res = await api(`${first.url}/charges`, secretKey, { method: 'POST', json: { amount: 10000 + i, currency: 'THB', source: { type: 'truemoney_qr' } } });
          assert.equal(res.status, 200);
          ids.push(res.json.id);
        }
      } finally {
        await first.kill('SIGKILL');
      }
      const second = await startGatewayProcess(env);
      try {
        for (const id of ids) assert.equal((await api(`${second.url}/charges/${id}`, secretKey)).json.status, 'pending');
        const advanced = await api(`${second.url}/test/clock/advance`, secretKey, { method: 'POST', json: { seconds: 24 * 3600 + 5 } });
        assert.equal(advanced.status, 200);
        const started = Date.now();
        await waitFor('every charge to expire', async () => {
          const list = await api(`${second.url}/charges?limit=100`, secretKey);
          return list.json.data.every((c: any) => c.status === 'expired') ? true : undefined;
        });
        assert.ok(Date.now() - started < 5000, 'expired within a few seconds of the advance');
        const events = await api(`${second.url}/events?limit=100`, secretKey);
        for (const id of ids) {
          assert.equal(events.json.data.filter((e: any) => e.key === 'charge.expire' && e.data.id === id).length, 1, id);
        }
      } finally {
        await second.kill('SIGTERM');
      }
    });

    test('satang clock and satang reset', () => {
      const show = runCli(['clock', 'show'], env);
      assert.equal(show.status, 0, show.stderr);
      assert.match(show.stdout, /test clock\s+\S+Z\s+\((\d+) s ahead/);
      const before = Number(/\((\d+) s ahead/.exec(show.stdout)![1]);
      const advance = runCli(['clock', 'advance', '--seconds', '3600'], env);
      assert.equal(advance.status, 0, advance.stderr);
      const after_ = Number(/\((\d+) s ahead/.exec(advance.stdout)![1]);
      assert.ok(after_ - before >= 3599 && after_ - before <= 3601, `${before} → ${after_}`);
      const back = runCli(['clock', 'advance', '--to', '2000-01-01T00:00:00Z'], env);
      assert.equal(back.status, 2);
      assert.match(back.stderr, /never moves backward/);
      const reset = runCli(['reset'], env);
      assert.equal(reset.status, 0, reset.stderr);
      assert.match(reset.stdout, /\(10 charges\)/);
    });
  },
  { SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_TEST_SECRET_KEY: secretKey },
);
