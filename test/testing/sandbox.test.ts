/**
 * `startSandbox` from 'satang/testing', as a merchant's test file uses it: defaults, the outcome
 * helpers, the webhook receiver that checks signatures, the omise package redirected in-process
 * (and only for Omise's hosts), the environment for a child process, PostgreSQL, and stop().
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox, SandboxApiError } from 'satang/testing';
import { dropSchema, inCi, isPostgresAvailable, postgresUrl } from '../support/harness.js';

delete process.env.http_proxy;
delete process.env.https_proxy;
const require = createRequire(import.meta.url);
const omiseFactory = require('omise');

const truemoneyCharge = { amount: 25_000, currency: 'THB', source: { type: 'truemoney_qr' } };

describe('startSandbox with its defaults', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox?.stop();
  });

  test('listens on a free loopback port, with test keys of its own', async () => {
    assert.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(sandbox.port, 0);
    assert.match(sandbox.publicKey, /^pkey_test_/);
    assert.match(sandbox.secretKey, /^skey_test_/);
    const health = await fetch(`${sandbox.url}/healthz`);
    assert.equal(health.status, 200);
    const list = await sandbox.request('GET', '/charges');
    assert.equal(list.object, 'list');
    assert.equal(list.total, 0);
  });

  test('pay, fail and expire drive charges to each end, with their events and signed webhooks', async () => {
    const paid = await sandbox.request('POST', '/charges', truemoneyCharge);
    const failed = await sandbox.request('POST', '/charges', truemoneyCharge);
    const expired = await sandbox.request('POST', '/charges', truemoneyCharge);
    assert.equal((await sandbox.pay(paid.id, { fundingSource: 'credit_card' })).status, 'successful');
    assert.equal((await sandbox.fail(failed.id)).status, 'failed');
    assert.equal((await sandbox.expire(expired.id)).status, 'expired');
    // The funding source shows through what a refund may be: a card payment cannot be refunded in part.
    assert.equal((await sandbox.request('GET', `/charges/${paid.id}`)).partially_refundable, false);
    const complete = await sandbox.webhooks.waitFor('charge.complete', (webhook) => webhook.event.data.id === paid.id);
    assert.equal(complete.event.data.status, 'successful');
    assert.match(complete.id, /^evnt_test_/);
    const failure = await sandbox.webhooks.waitFor('charge.complete', (webhook) => webhook.event.data.id === failed.id);
    assert.equal(failure.event.data.failure_code, 'failed_processing');
    await sandbox.webhooks.waitFor('charge.expire', (webhook) => webhook.event.data.id === expired.id);
    assert.deepEqual(sandbox.webhooks.rejected, []);
  });

  test('a helper refused by the API throws the Omise error', async () => {
    const charge = await sandbox.request('POST', '/charges', truemoneyCharge);
    await sandbox.pay(charge.id);
    await assert.rejects(sandbox.pay(charge.id), (error: unknown) => {
      assert.ok(error instanceof SandboxApiError);
      assert.equal(error.status, 400);
      assert.equal(error.code, 'bad_request');
      assert.match(error.message, /charge is not pending \(status: successful\)/);
      return true;
    });
    await assert.rejects(sandbox.fail('chrg_test_nosuchcharge00000000'), (error: unknown) => error instanceof SandboxApiError && error.code === 'not_found');
    await assert.rejects(sandbox.advanceClock(-5), RangeError);
  });

  test('the receiver accepts only deliveries signed with the account secret', async () => {
    const forged = JSON.stringify({ object: 'event', id: 'evnt_test_forged', key: 'charge.complete', data: {} });
    const answer = await fetch(sandbox.webhooks.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'omise-signature': 'a'.repeat(64), 'omise-signature-timestamp': String(Math.floor(Date.now() / 1000)) },
      body: forged,
    });
    assert.equal(answer.status, 400);
    assert.equal(sandbox.webhooks.events.some((webhook) => webhook.id === 'evnt_test_forged'), false);
    assert.equal(sandbox.webhooks.rejected.at(-1)?.reason, 'no signature matches the secret');
    sandbox.webhooks.clear();
  });

  test('waitFor waits for what is still to come, and says what arrived when it times out', async () => {
    const charge = await sandbox.request('POST', '/charges', truemoneyCharge);
    const waiting = sandbox.webhooks.waitFor('charge.complete', (webhook) => webhook.event.data.id === charge.id, 5000);
    await sandbox.pay(charge.id);
    assert.equal((await waiting).event.data.id, charge.id);
    await assert.rejects(sandbox.webhooks.waitFor('refund.create', undefined, 200), /no refund\.create webhook within 200 ms \(received: .*charge\.create/);
  });

  test('advanceClock moves the account clock: a pending charge expires when its day has passed', async () => {
    const charge = await sandbox.request('POST', '/charges', truemoneyCharge);
    const clock = await sandbox.advanceClock(25 * 60 * 60);
    assert.ok(clock.offset_seconds >= 25 * 60 * 60);
    await sandbox.webhooks.waitFor('charge.expire', (webhook) => webhook.event.data.id === charge.id);
    assert.equal((await sandbox.request('GET', `/charges/${charge.id}`)).status, 'expired');
  });

  test('reset deletes the test data and forgets the received webhooks', async () => {
    await sandbox.request('POST', '/charges', truemoneyCharge);
    await sandbox.reset();
    assert.equal((await sandbox.request('GET', '/charges')).total, 0);
    assert.equal(sandbox.webhooks.events.length, 0);
  });
});

describe('the official omise package, redirected in this process', () => {
  let sandbox: Sandbox;
  let elsewhere: http.Server;
  let elsewhereHits = 0;
  before(async () => {
    sandbox = await startSandbox();
    elsewhere = http.createServer((_request, response) => {
      elsewhereHits += 1;
      response.end('elsewhere');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await sandbox?.stop();
    elsewhere?.close();
  });

  test('with its default hosts and https, the package reaches the sandbox; other hosts do not', async () => {
    const plainRequest = http.request;
    const secureRequest = https.request;
    sandbox.useWithOmise();
    const omise = omiseFactory({ publicKey: sandbox.publicKey, secretKey: sandbox.secretKey });
    const source = await omise.sources.create({ type: 'truemoney_qr', amount: 30_000, currency: 'THB' });
    assert.match(source.id, /^src_test_/);
    const charge = await omise.charges.create({ amount: 30_000, currency: 'THB', source: source.id });
    assert.equal(charge.status, 'pending');
    assert.equal((await sandbox.request('GET', `/charges/${charge.id}`)).id, charge.id);
    await sandbox.pay(charge.id);
    assert.equal((await omise.charges.retrieve(charge.id)).status, 'successful');

    // A proxy in the environment (the package then tunnels through it) does not take the calls elsewhere.
    process.env.http_proxy = 'http://127.0.0.1:9';
    try {
      assert.equal((await omise.charges.retrieve(charge.id)).id, charge.id);
    } finally {
      delete process.env.http_proxy;
    }

    // Another host goes where it says.
    const port = (elsewhere.address() as AddressInfo).port;
    const text = await new Promise<string>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/`, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(body));
      }).on('error', reject);
    });
    assert.equal(text, 'elsewhere');
    assert.equal(elsewhereHits, 1);

    // Only one sandbox redirects at a time.
    const second = await startSandbox({ webhooks: false });
    try {
      assert.throws(() => second.useWithOmise(), /another sandbox already redirects/);
    } finally {
      await second.stop();
    }

    // stop() puts Node's request functions back.
    await sandbox.stop();
    assert.equal(http.request, plainRequest);
    assert.equal(https.request, secureRequest);
  });
});

describe('omiseEnv: an unchanged integration in a child process', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ webhooks: false });
  });
  after(async () => {
    await sandbox?.stop();
  });

  test('OMISE_SCHEME, http_proxy and no_proxy bring the child to the sandbox through its CONNECT proxy', async () => {
    const env = sandbox.omiseEnv();
    assert.deepEqual(Object.keys(env).sort(), ['OMISE_SCHEME', 'http_proxy', 'no_proxy']);
    const script = `
      const omise = require('omise')({ publicKey: process.env.PK, secretKey: process.env.SK });
      omise.charges.create({ amount: 12345, currency: 'THB', source: { type: 'truemoney_qr' } })
        .then((charge) => console.log(charge.id), (error) => { console.error(error); process.exit(1); });`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, ...env, PK: sandbox.publicKey, SK: sandbox.secretKey },
      timeout: 20_000,
    });
    const chargeId = stdout.trim();
    assert.equal((await sandbox.request('GET', `/charges/${chargeId}`)).amount, 12345);
  });
});

describe('startSandbox details', () => {
  test('two sandboxes are apart, and stop() deletes the temporary database', async () => {
    const one = await startSandbox({ webhooks: false });
    const two = await startSandbox({ webhooks: false });
    try {
      assert.notEqual(one.port, two.port);
      const charge = await one.request('POST', '/charges', truemoneyCharge);
      await assert.rejects(two.request('GET', `/charges/${charge.id}`), (error: unknown) => error instanceof SandboxApiError && error.status === 404);
      const dataDir = one.dataDir!;
      assert.ok(existsSync(dataDir));
      await one.stop();
      assert.equal(existsSync(dataDir), false);
      await one.stop(); // twice is harmless
    } finally {
      await one.stop();
      await two.stop();
    }
  });

  test('on PostgreSQL, in a schema of its own', async (t) => {
    if (!(await isPostgresAvailable())) {
      if (inCi) assert.fail(`PostgreSQL is required under CI=true (${postgresUrl})`);
      t.skip(`PostgreSQL not reachable at ${postgresUrl}`);
      return;
    }
    const schema = `sandbox_${process.pid}_${Date.now()}`;
    const sandbox = await startSandbox({ databaseUrl: postgresUrl, databaseSchema: schema });
    try {
      const charge = await sandbox.request('POST', '/charges', truemoneyCharge);
      await sandbox.pay(charge.id, { fundingSource: 'wallet_balance' });
      await sandbox.webhooks.waitFor('charge.complete', (webhook) => webhook.event.data.id === charge.id);
    } finally {
      await sandbox.stop();
      await dropSchema(schema);
    }
  });
});
