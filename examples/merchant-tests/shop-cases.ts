/**
 * The shop's tests, written once for any runner with describe/test/beforeAll/afterAll: run by
 * node:test (`shop.test.ts`) and by Vitest (`shop.vitest.ts`). Each drives the shop the way its
 * customers and Omise do, with a Satang sandbox standing in for Omise.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox } from 'satang/testing';
import { type Order, type Shop, startShop } from './shop.js';

export interface Runner {
  describe(name: string, body: () => void): unknown;
  test(name: string, body: () => Promise<void>): unknown;
  beforeAll(body: () => Promise<void>): unknown;
  afterAll(body: () => Promise<void>): unknown;
}

/** Polls until `check` stops throwing (webhooks arrive a moment after the API answers). */
async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

async function call(url: string, method = 'GET', body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: response.status, json: await response.json() };
}

export function shopTests({ describe, test, beforeAll, afterAll }: Runner): void {
  describe('the shop, paid with TrueMoney QR through a Satang sandbox', () => {
    let sandbox: Sandbox;
    let shop: Shop;
    let webhookSecret: string;
    const order = async (id: string): Promise<Order> => (await call(`${shop.url}/orders/${id}`)).json;
    const checkout = async (amount: number): Promise<Order> => {
      const answer = await call(`${shop.url}/orders`, 'POST', { amount });
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      return answer.json;
    };

    beforeAll(async () => {
      sandbox = await startSandbox();
      // The official omise package in this process now reaches the sandbox instead of api.omise.co.
      sandbox.useWithOmise();
      webhookSecret = (await sandbox.request('GET', '/webhook_secret')).secret;
      shop = await startShop({ publicKey: sandbox.publicKey, secretKey: sandbox.secretKey, webhookSecret });
      await sandbox.request('POST', '/webhook_endpoints', { url: `${shop.url}/webhooks/omise` });
    });

    afterAll(async () => {
      await shop?.stop();
      await sandbox?.stop();
    });

    test('an order shows the customer a scannable QR code and a pay page', async () => {
      const placed = await checkout(35_000);
      assert.equal(placed.status, 'awaiting_payment');
      assert.match(placed.chargeId, /^chrg_test_/);
      const image = await fetch(placed.qrImageUrl!);
      assert.equal(image.status, 200);
      assert.equal(image.headers.get('content-type'), 'image/png');
      const page = await fetch(placed.payPageUrl!);
      assert.equal(page.status, 200);
    });

    test('paying from the wallet balance marks the order paid, by a signed webhook', async () => {
      const placed = await checkout(12_500);
      await sandbox.pay(placed.chargeId, { fundingSource: 'wallet_balance' });
      await eventually(async () => assert.equal((await order(placed.id)).status, 'paid'));
      const webhook = await sandbox.webhooks.waitFor('charge.complete', (received) => received.event.data.id === placed.chargeId);
      assert.equal(webhook.event.data.status, 'successful');
    });

    test('a failed payment leaves the order unpaid and says so', async () => {
      const placed = await checkout(20_000);
      await sandbox.fail(placed.chargeId);
      await eventually(async () => assert.equal((await order(placed.id)).status, 'payment_failed'));
    });

    test('a card-funded payment is refunded in full, and Omise says refund.create', async () => {
      const placed = await checkout(50_000);
      await sandbox.pay(placed.chargeId, { fundingSource: 'credit_card' });
      await eventually(async () => assert.equal((await order(placed.id)).status, 'paid'));
      const refunded = await call(`${shop.url}/orders/${placed.id}/refund`, 'POST');
      assert.equal(refunded.status, 200, JSON.stringify(refunded.json));
      assert.equal(refunded.json.status, 'refunded');
      await sandbox.webhooks.waitFor('refund.create', (received) => received.event.data.charge === placed.chargeId);
    });

    test('with a default scripted outcome, an order is paid with no one acting (the shop sets no metadata)', async () => {
      await sandbox.request('PATCH', '/test/settings', { default_outcome: 'successful', default_outcome_after_seconds: 0, default_funding_source: 'wallet_balance' });
      try {
        const placed = await checkout(30_000);
        await eventually(async () => assert.equal((await order(placed.id)).status, 'paid'));
      } finally {
        await sandbox.request('PATCH', '/test/settings', { default_outcome: 'none' });
      }
    });

    test('a forged webhook changes nothing', async () => {
      const placed = await checkout(19_900);
      const forged = JSON.stringify({ object: 'event', key: 'charge.complete', data: { object: 'charge', id: placed.chargeId } });
      const answer = await fetch(`${shop.url}/webhooks/omise`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'omise-signature': 'f'.repeat(64), 'omise-signature-timestamp': String(Math.floor(Date.now() / 1000)) },
        body: forged,
      });
      assert.equal(answer.status, 401);
      assert.equal((await order(placed.id)).status, 'awaiting_payment');
    });

    test('the shop as its own process, pointed at the sandbox by its environment only', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./main.ts', import.meta.url))], {
        env: { ...process.env, ...sandbox.omiseEnv(), OMISE_PUBLIC_KEY: sandbox.publicKey, OMISE_SECRET_KEY: sandbox.secretKey, OMISE_WEBHOOK_SECRET: webhookSecret, PORT: '0' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        const [line] = (await once(child.stdout!, 'data')) as [Buffer];
        const url = /listening on (\S+)/.exec(line.toString())![1];
        const answer = await call(`${url}/orders`, 'POST', { amount: 40_000 });
        assert.equal(answer.status, 200, JSON.stringify(answer.json));
        const charge = await sandbox.request('GET', `/charges/${answer.json.chargeId}`);
        assert.equal(charge.amount, 40_000);
        assert.equal(charge.metadata.order_id, answer.json.id);
      } finally {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }
    });

    // Last: moving the account's test clock a day ahead expires every pending charge of the account.
    test('an order left unpaid expires when its day has passed', async () => {
      const placed = await checkout(15_000);
      await sandbox.advanceClock(24 * 60 * 60);
      await sandbox.webhooks.waitFor('charge.expire', (received) => received.event.data.id === placed.chargeId);
      await eventually(async () => assert.equal((await order(placed.id)).status, 'expired'));
    });
  });
}
