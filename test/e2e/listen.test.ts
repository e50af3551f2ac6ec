/**
 * `satang listen --forward-to URL` against real gateway processes: each event reaches the local
 * receiver once, with the webhook's exact body and a signature that verifies with the account's
 * webhook secret, and is acknowledged (recorded in the event's delivery log); across a gateway
 * restart, and across two gateway processes on one PostgreSQL (directly, and behind nginx with one
 * of them restarted), nothing is lost and nothing is forwarded twice. `--events` filters; a live
 * key is refused.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifyWebhook } from '../../src/webhooks/signing.js';
import { dropSchema, inCi, postgresReady, postgresUrl } from '../support/harness.js';
import { freePort, type Nginx, nginxAvailable, nginxBinary, startNginx } from '../support/nginx.js';
import { api, describeEachStoreProcess, type GatewayProcess, repoRoot, runCli, startGatewayProcess } from '../support/process.js';
import { type Received, type Receiver, startReceiver } from '../support/receiver.js';

const secretKey = 'skey_test_' + 'l'.repeat(19);
const keys = { SATANG_TEST_PUBLIC_KEY: 'pkey_test_' + 'l'.repeat(19), SATANG_TEST_SECRET_KEY: secretKey };

interface ListenProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Stops it as Ctrl-C does; its exit. */
  interrupt(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const listening = new Set<ChildProcess>();
after(() => {
  for (const child of listening) child.kill('SIGKILL');
});

/** Runs `satang listen ARGS` (the secret key from the environment); resolves once it says Ready (or exited). */
async function startListen(args: string[], env: Record<string, string> = {}): Promise<ListenProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'listen', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SATANG_SECRET_KEY: secretKey, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  listening.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => {
    listening.delete(child);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const deadline = Date.now() + 30_000;
  while (!/Ready!/.test(stderr) && child.exitCode === null) {
    if (Date.now() > deadline) throw new Error(`listen did not get ready:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async interrupt() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A charge, made as a careful client does: with an Idempotency-Key, sent again while nginx has no
 * process to give it to (502/503 while both were just restarted) or the connection fails.
 */
const newCharge = async (url: string) => {
  const idempotencyKey = `listen-${randomUUID()}`;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${url}/charges`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify({ amount: 40000, currency: 'THB', source: { type: 'truemoney_qr' } }),
      });
      text = await response.text();
    } catch (error) {
      if (attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    if ([502, 503, 504].includes(response.status) && attempt < 40) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    assert.equal(response.status, 200, `POST ${url}/charges: ${text.slice(0, 500)}`);
    return JSON.parse(text);
  }
};

/** How many times each event id reached the receiver. */
function countsByEvent(received: Received[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of received) counts.set(request.json?.id, (counts.get(request.json?.id) ?? 0) + 1);
  return counts;
}

/** Every event of the account, by id (the gateway's own list). */
async function allEvents(url: string): Promise<Array<{ id: string; key: string; data: { id: string } }>> {
  const events: Array<{ id: string; key: string; data: { id: string } }> = [];
  for (let offset = 0; ; offset += 100) {
    const page = await api(`${url}/events?limit=100&offset=${offset}`, secretKey);
    events.push(...page.json.data);
    if (page.json.data.length < 100) return events;
  }
}

describeEachStoreProcess(
  'satang listen against a gateway process',
  (env) => {
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver();
    });
    after(() => receiver.close());

    test('forwards each event signed as a webhook, prints one line each, acknowledges it; Ctrl-C removes the listener', async () => {
      receiver.received.length = 0;
      receiver.respond = (request) => (request.json?.key === 'charge.complete' ? 500 : 200);
      const gateway = await startGatewayProcess(env);
      try {
        const listen = await startListen(['--forward-to', `${receiver.url}/hooks`, '--json'], { SATANG_API_URL: gateway.url });
        const listenerId = /listener (lstn_test_[0-9a-z]{19})/.exec(listen.stderr())![1];
        const charge = await newCharge(gateway.url);
        assert.equal((await api(`${gateway.url}/charges/${charge.id}/mark_as_paid`, secretKey, { method: 'POST', json: {} })).status, 200);
        await receiver.waitFor((all) => all.length >= 2, 20_000);
        const webhookSecret = (await api(`${gateway.url}/webhook_secret`, secretKey)).json.secret;
        for (const request of receiver.received) {
          assert.equal(request.path, '/hooks');
          assert.equal(request.headers['content-type'], 'application/json');
          assert.deepEqual(verifyWebhook({ secret: webhookSecret, headers: request.headers, rawBody: request.body }), { ok: true, timestamp: Number(request.headers['omise-signature-timestamp']) });
          assert.equal(request.json.data.id, charge.id);
        }
        assert.deepEqual(receiver.received.map((r) => r.json.key).sort(), ['charge.complete', 'charge.create']);
        await waitUntil('two lines', () => listen.stdout().trim().split('\n').length >= 2, 10_000, listen.stderr);
        const lines = listen
          .stdout()
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line));
        assert.deepEqual(lines.map((line) => [line.key, line.status]).sort(), [
          ['charge.complete', 500],
          ['charge.create', 200],
        ]);
        for (const line of lines) {
          assert.match(line.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
          assert.match(line.delivery, /^whjb_test_/);
          assert.ok(Number.isInteger(line.duration_ms));
        }
        // Acknowledged: the attempt is in the event's delivery log, under the local URL.
        const created = lines.find((line) => line.key === 'charge.create');
        await waitUntil('the acknowledgement', async () => (await api(`${gateway.url}/events/${created.event}`, secretKey)).json.webhook_deliveries.length === 1);
        const [attempt] = (await api(`${gateway.url}/events/${created.event}`, secretKey)).json.webhook_deliveries;
        assert.deepEqual([attempt.uri, attempt.status], [`${receiver.url}/hooks`, 200]);
        assert.deepEqual(await listen.interrupt(), { code: 0, signal: null });
        assert.match(listen.stderr(), /listener lstn_test_\w+ removed/);
        assert.equal((await api(`${gateway.url}/test/listeners/${listenerId}`, secretKey)).status, 404);
      } finally {
        await gateway.kill('SIGTERM');
      }
    });

    test('--events: only the keys asked for, one readable line each; --keep, then --listener resumes with what came meanwhile', async () => {
      receiver.received.length = 0;
      receiver.respond = () => 200;
      const gateway = await startGatewayProcess(env);
      try {
        const listen = await startListen(['--forward-to', `${receiver.url}/only-complete`, '--events', 'charge.complete', '--api-url', gateway.url, '--keep']);
        const listenerId = /listener (lstn_test_[0-9a-z]{19})/.exec(listen.stderr())![1];
        assert.match(listen.stderr(), /Forwarding charge\.complete to/);
        const charge = await newCharge(gateway.url);
        await newCharge(gateway.url);
        assert.equal((await api(`${gateway.url}/charges/${charge.id}/mark_as_paid`, secretKey, { method: 'POST', json: {} })).status, 200);
        await receiver.waitFor((all) => all.length >= 1, 20_000);
        await new Promise((resolve) => setTimeout(resolve, 700));
        assert.deepEqual(
          receiver.received.map((r) => [r.json.key, r.json.data.id]),
          [['charge.complete', charge.id]],
        );
        assert.match(listen.stdout(), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z {2}charge\.complete {2,}evnt_test_[0-9a-z]{19} {2}-> 200 {2}\d+ ms\n$/);
        assert.deepEqual(await listen.interrupt(), { code: 0, signal: null });
        assert.match(listen.stderr(), new RegExp(`listener ${listenerId} kept for an hour`));
        // Stopped, kept: what happens meanwhile waits for it; the next run resumes it (the same keys).
        const meanwhile = await newCharge(gateway.url);
        assert.equal((await api(`${gateway.url}/charges/${meanwhile.id}/mark_as_failed`, secretKey, { method: 'POST', json: {} })).status, 200);
        const resumed = await startListen(['--forward-to', `${receiver.url}/only-complete`, '--api-url', gateway.url, '--listener', listenerId]);
        await receiver.waitFor((all) => all.length >= 2, 20_000);
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.deepEqual(
          receiver.received.map((r) => [r.json.key, r.json.data.id, r.json.data.status]),
          [
            ['charge.complete', charge.id, 'successful'],
            ['charge.complete', meanwhile.id, 'failed'],
          ],
          'what was acknowledged is not sent again; what came meanwhile is',
        );
        assert.deepEqual(await resumed.interrupt(), { code: 0, signal: null });
        assert.match(resumed.stderr(), /kept for an hour/);
        assert.equal((await api(`${gateway.url}/test/listeners/${listenerId}`, secretKey, { method: 'DELETE' })).status, 200);
      } finally {
        await gateway.kill('SIGTERM');
      }
    });

    test('a live key is refused (test mode only); a missing --forward-to is a usage error', async () => {
      const gateway = await startGatewayProcess(env);
      try {
        const rolled = runCli(['keys', 'roll', '--mode', 'live', '--kind', 'secret'], env);
        const liveKey = /skey_[0-9a-z]{19}\b/.exec(rolled.stdout)?.[0];
        assert.ok(liveKey, rolled.stdout + rolled.stderr);
        const listen = await startListen(['--forward-to', `${receiver.url}/live`, '--api-url', gateway.url, '--secret-key', liveKey]);
        assert.deepEqual(await listen.exited, { code: 1, signal: null });
        assert.match(listen.stderr(), /not_authorized: only available in test mode/);
        const usage = runCli(['listen', '--api-url', gateway.url], { SATANG_SECRET_KEY: secretKey });
        assert.equal(usage.status, 2);
        assert.match(usage.stderr, /listen needs --forward-to URL/);
      } finally {
        await gateway.kill('SIGTERM');
      }
    });

    test('across a gateway restart nothing is lost or forwarded twice, and what was made meanwhile arrives after the reconnect', async () => {
      receiver.received.length = 0;
      // Slow answers: forwards are under way when the gateway goes.
      receiver.respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 150));
      const port = await freePort();
      const pinned = { ...env, PORT: String(port) };
      let gateway = await startGatewayProcess(pinned);
      try {
        const listen = await startListen(['--forward-to', `${receiver.url}/restart`, '--json', '--api-url', gateway.url]);
        const before = await Promise.all(Array.from({ length: 6 }, () => newCharge(gateway.url)));
        // Some are forwarded, some under way, some not yet sent when SIGTERM comes.
        await receiver.waitFor((all) => all.length >= 1, 20_000);
        await gateway.kill('SIGTERM');
        // While no gateway runs: a redelivery queued by the satang command (on the database itself).
        const redelivered = runCli(['webhooks', 'redeliver', receiver.received[0].json.id], pinned);
        assert.equal(redelivered.status, 0, redelivered.stderr);
        gateway = await startGatewayProcess(pinned);
        const afterRestart = await Promise.all(Array.from({ length: 4 }, () => newCharge(gateway.url)));
        const made = [...before, ...afterRestart].map((charge) => charge.id);
        await receiver.waitFor((all) => all.length >= made.length + 1, 40_000);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const events = (await allEvents(gateway.url)).filter((e) => e.key === 'charge.create' && made.includes(e.data.id));
        assert.equal(events.length, made.length);
        const counts = countsByEvent(receiver.received);
        const redeliveredId = receiver.received[0].json.id;
        for (const { id } of events) assert.equal(counts.get(id), id === redeliveredId ? 2 : 1, `${id} reached the receiver ${counts.get(id)} times\n${listen.stderr()}`);
        assert.equal(receiver.received.length, made.length + 1);
        assert.match(listen.stderr(), /Reconnected\./);
        // Every delivery was acknowledged: each event's log has its attempts.
        await waitUntil('every acknowledgement', async () => {
          const logged = await Promise.all(events.map(async (e) => (await api(`${gateway.url}/events/${e.id}`, secretKey)).json.webhook_deliveries.length));
          return logged.every((count, index) => count === (events[index].id === redeliveredId ? 2 : 1));
        });
        assert.deepEqual(await listen.interrupt(), { code: 0, signal: null });
      } finally {
        await gateway.kill('SIGTERM');
      }
    });
  },
  keys,
);

const pgSkip = !postgresReady ? `no PostgreSQL server at ${postgresUrl}` : undefined;
if (pgSkip && inCi) {
  test('satang listen across two gateway processes on PostgreSQL', () => assert.fail(`${pgSkip}, and CI=true requires it`));
} else if (pgSkip) {
  describe('satang listen across two gateway processes on PostgreSQL', { skip: pgSkip }, () => {});
} else {
  describe('satang listen across two gateway processes on PostgreSQL', () => {
    const schema = `t_listen_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'satang-listen-'));
    const env = { DATABASE_URL: postgresUrl, SATANG_DATABASE_SCHEMA: schema, SATANG_DATA_DIR: dataDir, ...keys };
    let receiver: Receiver;
    const gateways: GatewayProcess[] = [];
    let nginx: Nginx | undefined;
    before(async () => {
      receiver = await startReceiver();
      const started = await Promise.allSettled([startGatewayProcess(env), startGatewayProcess({ ...env, PORT: String(await freePort()) })]);
      for (const result of started) if (result.status === 'fulfilled') gateways.push(result.value);
      for (const result of started) if (result.status === 'rejected') throw result.reason;
    });
    after(async () => {
      await nginx?.stop();
      for (const gateway of gateways) await gateway.kill('SIGKILL');
      await receiver.close();
      await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('listen holds its stream on one process, events are made through the other: each forwarded once', async () => {
      receiver.received.length = 0;
      receiver.respond = () => 200;
      const [held, other] = gateways;
      const listen = await startListen(['--forward-to', `${receiver.url}/two`, '--json', '--api-url', held.url]);
      const charges = await Promise.all(Array.from({ length: 15 }, () => newCharge(other.url)));
      await Promise.all(charges.slice(0, 5).map((charge) => api(`${other.url}/charges/${charge.id}/mark_as_paid`, secretKey, { method: 'POST', json: {} })));
      await receiver.waitFor((all) => all.length >= 20, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const counts = countsByEvent(receiver.received);
      assert.equal(receiver.received.length, 20);
      assert.equal(counts.size, 20, 'twenty events, each once');
      const webhookSecret = (await api(`${other.url}/webhook_secret`, secretKey)).json.secret;
      for (const request of receiver.received) assert.ok(verifyWebhook({ secret: webhookSecret, headers: request.headers, rawBody: request.body }).ok);
      assert.deepEqual(await listen.interrupt(), { code: 0, signal: null });
    });

    test('through nginx (the README location): the process holding the stream restarts, the CLI reconnects through nginx, nothing lost or doubled', { skip: nginxAvailable ? undefined : `no nginx at ${nginxBinary}` }, async () => {
      receiver.received.length = 0;
      receiver.respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 50));
      nginx = await startNginx(gateways.map((gateway) => new URL(gateway.url).host));
      const listen = await startListen(['--forward-to', `${receiver.url}/nginx`, '--json', '--api-url', nginx.url]);
      const first = await Promise.all(Array.from({ length: 8 }, () => newCharge(nginx!.url)));
      await receiver.waitFor((all) => all.length >= 4, 20_000);
      // Whichever process holds the stream, restart each in turn: the stream moves.
      for (const index of [0, 1]) {
        const old = gateways[index];
        await old.kill('SIGTERM');
        await Promise.all(Array.from({ length: 3 }, () => newCharge(gateways[1 - index].url)));
        gateways[index] = await startGatewayProcess({ ...env, PORT: new URL(old.url).port });
      }
      const last = await Promise.all(Array.from({ length: 4 }, () => newCharge(nginx!.url)));
      const expected = first.length + 6 + last.length;
      await receiver.waitFor((all) => all.length >= expected, 40_000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const counts = countsByEvent(receiver.received);
      assert.equal(counts.size, expected, `every event arrived\n${listen.stderr()}`);
      assert.equal(receiver.received.length, expected, `none twice\n${listen.stderr()}`);
      assert.match(nginx.accessLog(), /GET \/test\/listeners\/lstn_test_\w+\/stream/);
      assert.deepEqual(await listen.interrupt(), { code: 0, signal: null });
    });
  });
}
