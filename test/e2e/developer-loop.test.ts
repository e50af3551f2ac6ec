/**
 * The developer's loop end to end, each command a real `satang` process against a real gateway process:
 * `chaos set` / `chaos clear` reach the endpoint and its deliveries (a duplicate of every event, each copy
 * signed and verifying, each decision in the event's delivery log), and `logs tail` shows the requests
 * made, never a secret.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifyWebhook } from '../../src/webhooks/signing.js';
import { api, describeEachStoreProcess, type GatewayProcess } from '../support/process.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { type CliResult, runCliAsync, startCli } from '../support/remote-cli.js';

const publicKey = 'pkey_test_' + 'q'.repeat(19);
const secretKey = 'skey_test_' + 't'.repeat(19);

function ok(result: CliResult): CliResult {
  assert.equal(result.status, 0, `exit ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result;
}

async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describeEachStoreProcess('the developer loop: chaos and the request log through the satang command', (storeEnv) => {
  let gateway: GatewayProcess;
  let receiver: Receiver;
  let env: Record<string, string>;
  let endpointId: string;

  before(async () => {
    receiver = await startReceiver();
    const { startGatewayProcess } = await import('../support/process.js');
    gateway = await startGatewayProcess({ ...storeEnv, SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_TEST_SECRET_KEY: secretKey });
    env = { SATANG_API_URL: gateway.url, SATANG_SECRET_KEY: secretKey };
    const endpoint = await api(`${gateway.url}/webhook_endpoints`, secretKey, { method: 'POST', json: { url: `${receiver.url}/hooks` } });
    assert.equal(endpoint.status, 200, JSON.stringify(endpoint.json));
    endpointId = endpoint.json.id;
  });
  after(async () => {
    await gateway?.kill('SIGTERM');
    await receiver?.close();
  });

  test('chaos set duplicates every event, each copy signed; each decision is in the delivery log; chaos clear ends it', async () => {
    const set = ok(await runCliAsync(['chaos', 'set', endpointId, '--duplicate-rate', '1', '--seed', '42', '--json'], env));
    const endpoint = JSON.parse(set.stdout.trim());
    assert.deepEqual(endpoint.chaos, { duplicate_rate: 1, delay_ms: [0, 0], reorder_window_ms: 0, fail_first_attempts: 0, seed: 42 });

    const triggered = JSON.parse(ok(await runCliAsync(['trigger', 'charge.create', '--json'], env)).stdout.trim());
    const eventId = triggered.events[0];
    const secret = (await api(`${gateway.url}/webhook_secret`, secretKey)).json.secret as string;
    await eventually(async () => assert.equal(receiver.received.filter((r) => r.json?.id === eventId).length, 2, 'the event and its duplicate'));
    for (const delivery of receiver.received.filter((r) => r.json?.id === eventId)) {
      assert.deepEqual(verifyWebhook({ secret, headers: delivery.headers as Record<string, string>, rawBody: delivery.body }), {
        ok: true,
        timestamp: Number(delivery.headers['omise-signature-timestamp']),
      });
    }
    const event = await eventually(async () => {
      const answer = await api(`${gateway.url}/events/${eventId}`, secretKey);
      assert.equal(answer.json.webhook_deliveries.length, 2);
      return answer.json;
    });
    const decisions = event.webhook_deliveries.map((delivery: any) => delivery.satang_chaos);
    assert.deepEqual(decisions.map((decision: any) => decision.duplicated), [true, true]);
    assert.deepEqual(decisions.map((decision: any) => decision.duplicate).sort(), [false, true]);

    const cleared = JSON.parse(ok(await runCliAsync(['chaos', 'clear', endpointId, '--json'], env)).stdout.trim());
    assert.equal(cleared.chaos, null);
    const plain = JSON.parse(ok(await runCliAsync(['trigger', 'charge.create', '--json'], env)).stdout.trim()).events[0];
    await eventually(async () => assert.equal(receiver.received.filter((r) => r.json?.id === plain).length, 1));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(receiver.received.filter((r) => r.json?.id === plain).length, 1, 'no duplicate once chaos is cleared');
  });

  test('logs tail shows the requests made, filtered, with the key as kind and last four only; --follow shows new ones', async () => {
    const idempotencyKey = `loop-${Date.now()}`;
    const made = await fetch(`${gateway.url}/charges?token=do-not-log-me`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify({ amount: 30000, currency: 'THB', source: { type: 'truemoney_qr' }, metadata: { card: '4242424242424242' } }),
    });
    assert.equal(made.status, 200);
    const missing = await fetch(`${gateway.url}/charges/chrg_test_0000000000000000000`, { headers: { authorization: `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}` } });
    assert.equal(missing.status, 404);

    const tail = await eventually(async () => {
      const result = ok(await runCliAsync(['logs', 'tail', '--json', '--limit', '50'], env));
      const entries = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
      assert.ok(entries.some((entry) => entry.idempotency_key === idempotencyKey), 'the charge request is logged');
      return { result, entries };
    });
    const created = tail.entries.find((entry) => entry.idempotency_key === idempotencyKey);
    assert.equal(created.method, 'POST');
    assert.equal(created.route, '/charges');
    assert.equal(created.path, '/charges');
    assert.equal(created.status, 200);
    assert.equal(created.key_kind, 'secret');
    assert.equal(created.key_last4, secretKey.slice(-4));
    for (const secret of [secretKey, 'do-not-log-me', '4242424242424242']) assert.ok(!tail.result.stdout.includes(secret), `never ${secret}`);

    const notFound = ok(await runCliAsync(['logs', 'tail', '--status', '4xx', '--json'], env));
    const statuses = notFound.stdout.trim().split('\n').map((line) => JSON.parse(line).status);
    assert.ok(statuses.includes(404));
    assert.ok(statuses.every((status) => status >= 400 && status < 500), statuses.join(','));

    const following = startCli(['logs', 'tail', '--follow', '--path', '/balance'], env);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal((await api(`${gateway.url}/balance`, secretKey)).status, 200);
      await following.waitFor('stdout', /GET\s+\/balance\b.*200/, 15_000);
    } finally {
      await following.stop('SIGINT');
    }
  });

  test('chaos on an endpoint that does not exist: exit 1 with the Omise error', async () => {
    const refused = await runCliAsync(['chaos', 'set', 'endp_test_0000000000000000000', '--seed', '1'], env);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /not_found/);
  });
});
