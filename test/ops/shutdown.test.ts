import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { api, describeEachStoreProcess, startGatewayProcess } from '../support/process.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { deliveriesOf, openStream } from '../support/sse.js';

const secretKey = 'skey_test_' + 's'.repeat(19);
const authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;

function exitOf(child: import('node:child_process').ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
}

describeEachStoreProcess(
  'graceful shutdown on SIGTERM',
  (env) => {
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver();
    });
    after(() => receiver.close());

    test('a request in flight at SIGTERM is answered and committed; new connections are refused; exit 0', async () => {
      const gateway = await startGatewayProcess(env);
      try {
        const { port, hostname } = new URL(gateway.url);
        const body = JSON.stringify({ amount: 31_415, currency: 'THB', source: { type: 'truemoney_qr' }, description: 'in flight at shutdown' });
        const socket = connect(Number(port), hostname);
        await once(socket, 'connect');
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk));
        const ended = once(socket, 'close');
        // Headers and half the body: the request is in flight when SIGTERM arrives.
        socket.write(
          `POST /charges HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
        );
        socket.write(body.slice(0, 20));
        await new Promise((r) => setTimeout(r, 200));
        const exited = exitOf(gateway.child);
        gateway.child.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(gateway.child.exitCode, null, 'the gateway waits for the request in flight');
        await assert.rejects(fetch(`${gateway.url}/healthz`), 'the listener is closed to new connections');
        socket.write(body.slice(20));
        await ended;
        assert.match(answer, /^HTTP\/1\.1 200 /);
        const charge = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
        assert.equal(charge.object, 'charge');
        assert.equal(charge.amount, 31_415);
        assert.deepEqual(await exited, { code: 0, signal: null });
        assert.match(gateway.output(), /shutting down/);

        const again = await startGatewayProcess(env);
        try {
          const fetched = await api(`${again.url}/charges/${charge.id}`, secretKey);
          assert.equal(fetched.status, 200);
          assert.equal(fetched.json.description, 'in flight at shutdown');
        } finally {
          await again.kill('SIGTERM');
        }
      } finally {
        await gateway.kill('SIGKILL');
      }
    });

    test('a request log stream open at SIGTERM is ended, and the process still exits 0 at once', async () => {
      const gateway = await startGatewayProcess(env);
      try {
        const response = await fetch(`${gateway.url}/test/requests/stream`, { headers: { authorization } });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
        const reader = response.body!.getReader();
        let text = '';
        const ended = (async () => {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            text += Buffer.from(value).toString();
          }
        })();
        // A request while it is open: its entry arrives on the stream.
        assert.equal((await api(`${gateway.url}/charges/chrg_test_0000000000000000000`, secretKey)).status, 404);
        const deadline = Date.now() + 10_000;
        while (!text.includes('event: request_log') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.match(text, /event: request_log\nid: rqlg_test_[0-9a-z]{19}\ndata: \{"object":"request_log"/);
        const exited = exitOf(gateway.child);
        const startedMs = Date.now();
        gateway.child.kill('SIGTERM');
        await ended;
        assert.deepEqual(await exited, { code: 0, signal: null });
        assert.ok(Date.now() - startedMs < 5000, `exited ${Date.now() - startedMs} ms after SIGTERM`);
        assert.match(gateway.output(), /Satang stopped/);
      } finally {
        await gateway.kill('SIGKILL');
      }
    });

    test('a listener stream open at SIGTERM (satang listen) ends, its unacknowledged delivery is handed back, and the process exits 0', async () => {
      const gateway = await startGatewayProcess(env);
      let listenerId: string;
      let deliveryId: string;
      try {
        const listener = await api(`${gateway.url}/test/listeners`, secretKey, { method: 'POST', json: {} });
        assert.equal(listener.status, 200);
        listenerId = listener.json.id;
        const stream = await openStream(`${gateway.url}/test/listeners/${listenerId}/stream`, secretKey);
        assert.equal(stream.status, 200);
        assert.equal((await api(`${gateway.url}/charges`, secretKey, { method: 'POST', json: { amount: 16_180, currency: 'THB', source: { type: 'truemoney_qr' } } })).status, 200);
        await stream.waitFor((events) => deliveriesOf(events).length === 1);
        deliveryId = deliveriesOf(stream.events)[0].delivery;
        const exited = exitOf(gateway.child);
        const stoppedAt = Date.now();
        gateway.child.kill('SIGTERM');
        await stream.ended;
        assert.deepEqual(await exited, { code: 0, signal: null });
        assert.ok(Date.now() - stoppedAt < 5000, `exited in ${Date.now() - stoppedAt} ms: the open stream did not hold the shutdown`);
      } finally {
        await gateway.kill('SIGKILL');
      }
      // Not acknowledged: the next stream of the listener gets it at once (no lease to run out).
      const again = await startGatewayProcess(env);
      try {
        const stream = await openStream(`${again.url}/test/listeners/${listenerId}/stream`, secretKey);
        await stream.waitFor((events) => deliveriesOf(events).length === 1, 5000);
        assert.equal(deliveriesOf(stream.events)[0].delivery, deliveryId);
        stream.close();
        assert.equal((await api(`${again.url}/test/listeners/${listenerId}`, secretKey, { method: 'DELETE' })).status, 200);
      } finally {
        await again.kill('SIGTERM');
      }
    });

    test('a webhook delivery claimed at SIGTERM finishes and is recorded before the process exits', async () => {
      let releaseAnswer: (status: number) => void = () => {};
      const slowAnswer = new Promise<number>((resolve) => (releaseAnswer = resolve));
      receiver.respond = () => slowAnswer;
      const gateway = await startGatewayProcess(env);
      let eventId: string;
      try {
        assert.equal((await api(`${gateway.url}/webhook_endpoints`, secretKey, { method: 'POST', json: { url: `${receiver.url}/slow` } })).status, 200);
        const charge = await api(`${gateway.url}/charges`, secretKey, { method: 'POST', json: { amount: 27_182, currency: 'THB', source: { type: 'truemoney_qr' } } });
        assert.equal(charge.status, 200);
        await receiver.waitFor((all) => all.some((r) => r.json?.data?.id === charge.json.id), 10_000);
        eventId = receiver.received.find((r) => r.json?.data?.id === charge.json.id)!.json.id;
        const exited = exitOf(gateway.child);
        gateway.child.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(gateway.child.exitCode, null, 'the gateway waits for the delivery in flight');
        releaseAnswer(200);
        assert.deepEqual(await exited, { code: 0, signal: null });
      } finally {
        await gateway.kill('SIGKILL');
      }
      receiver.respond = () => 200;
      const again = await startGatewayProcess(env);
      try {
        const event = await api(`${again.url}/events/${eventId}`, secretKey);
        assert.equal(event.status, 200);
        assert.deepEqual(
          event.json.webhook_deliveries.map((d: any) => d.status),
          [200],
          'the attempt was recorded by the process that made it',
        );
        // Nothing is sent twice: the job was finished, not left under a lease to run out.
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(receiver.received.filter((r) => r.json?.id === eventId).length, 1);
      } finally {
        await again.kill('SIGTERM');
      }
    });
  },
  { SATANG_TEST_PUBLIC_KEY: 'pkey_test_' + 't'.repeat(19), SATANG_TEST_SECRET_KEY: secretKey, SATANG_WEBHOOK_TIMEOUT_MS: '5000' },
);
