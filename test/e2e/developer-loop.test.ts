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
import { type CliResult, runCliAsync } from '../support/remote-cli.js';

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

  test('chaos on an endpoint that does not exist: exit 1 with the Omise error', async () => {
    const refused = await runCliAsync(['chaos', 'set', 'endp_test_0000000000000000000', '--seed', '1'], env);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /not_found/);
  });
});
