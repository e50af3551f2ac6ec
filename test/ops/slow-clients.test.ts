/**
 * Slow and too many clients against a real `satang serve` process (scaled down from the issue's
 * 3,000 trickling bodies): every request that does not arrive within SATANG_REQUEST_TIMEOUT_MS is
 * answered 408 request_timeout (an Omise error) or closed, whatever it trickles (body, a GET body
 * read by hand, headers) or if it sends nothing, while other clients are served meanwhile; and
 * connections beyond SATANG_MAX_CONNECTIONS are refused at accept and counted in /metrics.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, test } from 'node:test';
import { describeEachStoreProcess, type GatewayProcess, startGatewayProcess } from '../support/process.js';
import { splitResponses } from '../support/raw-http.js';

const secretKey = 'skey_test_slowclients00000000';
const authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;

/** Every socket a test opened, destroyed when the file ends whatever happened. */
const sockets = new Set<net.Socket>();
after(() => {
  for (const socket of sockets) socket.destroy();
});

interface Trickler {
  kind: string;
  socket: net.Socket;
  received: Buffer[];
  /** Milliseconds from the start until the server closed the connection. */
  closedAfterMs?: number;
  timer?: NodeJS.Timeout;
}

/** Opens a connection that sends `head` at once and then `rest` one byte every `everyMs` (nothing if both are empty). */
function trickle(port: number, kind: string, head: string, rest: string, everyMs: number, startedAt: number): Trickler {
  const socket = net.connect({ host: '127.0.0.1', port });
  sockets.add(socket);
  const trickler: Trickler = { kind, socket, received: [] };
  socket.on('data', (chunk) => trickler.received.push(chunk));
  socket.on('error', () => {});
  socket.on('close', () => {
    trickler.closedAfterMs = Date.now() - startedAt;
    clearInterval(trickler.timer);
    sockets.delete(socket);
  });
  socket.on('connect', () => {
    if (head !== '') socket.write(head);
    let sent = 0;
    if (rest !== '') {
      trickler.timer = setInterval(() => {
        if (sent < rest.length && !socket.destroyed) socket.write(rest[sent++]);
      }, everyMs);
    }
  });
  return trickler;
}

/** One request on its own connection (no keep-alive pool holding connections open). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; ms: number }> {
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, ms: performance.now() - startedAt }));
    });
    request.on('error', reject);
  });
}

function portOf(gateway: GatewayProcess): number {
  return Number(new URL(gateway.url).port);
}

/** The value of an unlabelled sample in the Prometheus text. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describeEachStoreProcess('slow clients: request timeout and connection cap', (env) => {
  test('200 trickling or silent connections with a 2 s timeout are all answered 408 or closed within 7 s, while another client is served', async (t) => {
    const gateway = await startGatewayProcess({ ...env, SATANG_REQUEST_TIMEOUT_MS: '2000', SATANG_TEST_SECRET_KEY: secretKey });
    const port = portOf(gateway);
    try {
      const body = JSON.stringify({ amount: 400000, currency: 'THB', source: { type: 'truemoney_qr' }, description: 'x'.repeat(100) });
      const startedAt = Date.now();
      const tricklers: Trickler[] = [];
      for (let i = 0; i < 200; i++) {
        const kind = ['POST body', 'POST body', 'POST body', 'GET body read by hand', 'headers', 'nothing'][i % 6];
        if (kind === 'POST body') {
          tricklers.push(trickle(port, kind, `POST /charges HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body, 500, startedAt));
        } else if (kind === 'GET body read by hand') {
          const list = JSON.stringify({ limit: 1, order: 'reverse_chronological', padding: 'x'.repeat(50) });
          tricklers.push(trickle(port, kind, `GET /charges HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${list.length}\r\n\r\n`, list, 500, startedAt));
        } else if (kind === 'headers') {
          tricklers.push(trickle(port, kind, 'GET /charges HTTP/1.1\r\n', `Host: 127.0.0.1\r\nAuthorization: ${authorization}\r\n\r\n`, 500, startedAt));
        } else {
          tricklers.push(trickle(port, kind, '', '', 0, startedAt));
        }
      }

      // Another client, meanwhile: the health check and an API read, one after the other.
      const served: Array<{ path: string; status: number; ms: number }> = [];
      while (Date.now() - startedAt < 7000 && tricklers.some((t) => t.closedAfterMs === undefined)) {
        for (const path of ['/healthz', '/charges?limit=1']) {
          const res = await get(port, path, { authorization });
          served.push({ path, status: res.status, ms: res.ms });
        }
        await sleep(100);
      }

      const open = tricklers.filter((t) => t.closedAfterMs === undefined);
      assert.equal(open.length, 0, `${open.length} of 200 connections still open after 7 s (${[...new Set(open.map((t) => t.kind))].join(', ')})`);
      for (const t of tricklers) {
        const text = Buffer.concat(t.received).toString('utf8');
        // Whatever came back is one 408 Omise error; a connection that sent nothing may also just be closed.
        if (t.kind === 'nothing' && text === '') continue;
        const responses = splitResponses(text);
        assert.equal(responses.length, 1, `${t.kind}: ${JSON.stringify(text.slice(0, 300))}`);
        assert.equal(responses[0].status, 408, `${t.kind}: ${responses[0].body}`);
        assert.deepEqual(Object.keys(responses[0].json), ['object', 'location', 'code', 'message'], t.kind);
        assert.equal(responses[0].json.code, 'request_timeout', t.kind);
        assert.match(responses[0].json.message, /took too long to arrive/, t.kind);
      }
      const lastClosedMs = Math.max(...tricklers.map((t) => t.closedAfterMs!));
      const healthz = served.filter((s) => s.path === '/healthz');
      const reads = served.filter((s) => s.path !== '/healthz');
      assert.ok(healthz.length >= 10 && reads.length >= 10, `served meanwhile: ${healthz.length} health checks, ${reads.length} reads (all closed after ${lastClosedMs} ms)`);
      assert.deepEqual(new Set(served.map((s) => s.status)), new Set([200]), JSON.stringify(served.filter((s) => s.status !== 200)));
      const slowest = Math.max(...served.map((s) => s.ms));
      assert.ok(slowest < 1000, `the other client waited ${Math.round(slowest)} ms at worst`);
      const answered = tricklers.filter((trickler) => trickler.received.length > 0).length;
      t.diagnostic(`${answered} of 200 answered 408, all closed ${lastClosedMs} ms after the start; meanwhile ${served.length} other requests, slowest ${Math.round(slowest)} ms`);
      // None of the trickled charges was ever made.
      const charges = await get(port, '/charges', { authorization });
      assert.equal(JSON.parse(charges.body).total, 0);
    } finally {
      await gateway.kill('SIGTERM');
    }
  });

  test('connections beyond SATANG_MAX_CONNECTIONS are refused at accept and counted; the gateway keeps serving', async () => {
    const cap = 20;
    const gateway = await startGatewayProcess({ ...env, SATANG_MAX_CONNECTIONS: String(cap) });
    const port = portOf(gateway);
    const connect = () =>
      new Promise<{ socket: net.Socket; closed: Promise<number> }>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        sockets.add(socket);
        const openedAt = Date.now();
        const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now() - openedAt)));
        socket.on('error', () => {});
        socket.once('connect', () => resolve({ socket, closed }));
        socket.once('error', reject);
      });
    try {
      const idle = [];
      for (let i = 0; i < cap; i++) idle.push(await connect());
      await sleep(300);
      const beyond = [];
      for (let i = 0; i < 7; i++) beyond.push(await connect());
      const closedAfter = await Promise.race([Promise.all(beyond.map((c) => c.closed)), sleep(3000).then(() => 'still open' as const)]);
      assert.notEqual(closedAfter, 'still open', 'connections beyond the cap are closed at once');
      for (const connection of idle) assert.equal(connection.socket.destroyed, false, 'connections within the cap stay open');

      // Free a few places: the gateway serves again, and says what it refused.
      for (const connection of idle.slice(0, 5)) connection.socket.destroy();
      await sleep(300);
      const health = await get(port, '/healthz');
      assert.equal(health.status, 200);
      const metrics = await get(port, '/metrics');
      assert.equal(metrics.status, 200);
      assert.equal(sample(metrics.body, 'satang_http_connections_dropped_total'), 7, metrics.body.split('\n').filter((line) => line.includes('connections')).join('\n'));
      // The 15 idle connections and the scrape's own.
      assert.equal(sample(metrics.body, 'satang_http_connections_open'), 16);
    } finally {
      for (const socket of sockets) socket.destroy();
      await gateway.kill('SIGTERM');
    }
  });
});
