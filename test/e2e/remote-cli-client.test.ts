/**
 * CLIENT TESTS of `satang logs tail` and `satang chaos` against a tiny stub HTTP server in this test that speaks
 * the agreed wire shapes (GET /test/requests, GET /test/requests/stream, GET|PATCH /webhook_endpoints/:id with
 * `chaos`). They check what the command sends and how it shows the answers: the request, its filters and key;
 * readable lines and JSON lines; a dropped stream resumed with Last-Event-ID and nothing printed twice; Ctrl-C
 * ending a --follow with exit 0; errors and usage errors. The gateway's side of these routes is tested where it
 * is built; the end-to-end tests against a real gateway come with it.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type CliResult, runCliAsync, startCli } from '../support/remote-cli.js';

const secretKey = 'skey_test_' + 'k'.repeat(15) + 'wxyz';
const liveKey = 'skey_' + 'l'.repeat(19);

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: any;
}

function entry(n: number, extra: Record<string, unknown> = {}) {
  return {
    object: 'request_log',
    id: `rqlg_test_${String(n).padStart(19, '0')}`,
    livemode: false,
    created_at: `2026-01-02T03:04:0${n}Z`,
    method: 'POST',
    route: '/charges/:id/refunds',
    path: `/charges/chrg_test_${String(n).padStart(19, '0')}/refunds`,
    status: 400,
    duration_ms: 10 + n,
    request_id: `req-${n}`,
    idempotency_key: null,
    key_kind: 'secret',
    key_last4: 'wxyz',
    ...extra,
  };
}

const omiseError = (code: string, message: string) => ({ object: 'error', location: `https://www.omise.co/api-errors#${code.replace(/_/g, '-')}`, code, message });

describe('CLIENT TEST against a stub server: satang logs tail and satang chaos', () => {
  let server: Server;
  let url = '';
  const seen: Seen[] = [];
  /** The stream connections so far, and what each one does. */
  let streams = 0;
  const openStreams = new Set<ServerResponse>();
  const chaosDefaults = { duplicate_rate: 0, delay_ms: [0, 0], reorder_window_ms: 0, fail_first_attempts: 0, seed: 0 };
  const endpoint = { object: 'webhook_endpoint', id: 'endp_test_0000000000000000001', livemode: false, location: '/webhook_endpoints/endp_test_0000000000000000001', url: 'https://shop.example/hooks', enabled: true, created_at: '2026-01-02T03:04:05Z', chaos: null as unknown };

  function answer(response: ServerResponse, status: number, body: unknown) {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  }

  function handle(request: IncomingMessage, response: ServerResponse, text: string) {
    const parsed = new URL(request.url!, 'http://stub');
    const body = text ? JSON.parse(text) : undefined;
    seen.push({ method: request.method!, path: parsed.pathname, query: parsed.searchParams, headers: request.headers, body });
    const authorization = request.headers.authorization ?? '';
    const key = Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString().replace(/:$/, '');
    if (key === liveKey) return answer(response, 403, omiseError('not_authorized', 'only available in test mode'));
    if (key !== secretKey) return answer(response, 401, omiseError('authentication_failure', 'authentication failed'));
    if (request.method === 'GET' && parsed.pathname === '/test/requests') {
      // Newest first, as asked (order=reverse_chronological).
      return answer(response, 200, { object: 'list', data: [entry(3, { idempotency_key: 'order-42' }), entry(2, { method: 'GET', status: 404, key_kind: null, key_last4: null })], limit: 2, offset: 0, total: 9, location: '/test/requests', order: 'reverse_chronological' });
    }
    if (request.method === 'GET' && parsed.pathname === '/test/requests/stream') {
      streams++;
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      openStreams.add(response);
      response.on('close', () => openStreams.delete(response));
      if (streams === 1) {
        // A keep-alive, a short retry, one entry split across writes with CRLF line ends, then the stream drops.
        response.write(': keep-alive\n\nretry: 100\n\n');
        const first = `event: request_log\r\nid: ${entry(1).id}\r\ndata: ${JSON.stringify(entry(1))}\r\n\r\n`;
        response.write(first.slice(0, 25));
        setTimeout(() => {
          response.write(first.slice(25));
          setTimeout(() => response.end(), 100);
        }, 50);
      } else {
        // Resumed: the entry before again (printed once), an event of another kind (ignored), a new entry.
        response.write(`event: request_log\nid: ${entry(1).id}\ndata: ${JSON.stringify(entry(1))}\n\n`);
        response.write(`event: something_else\ndata: {}\n\n`);
        response.write(`event: request_log\nid: ${entry(4).id}\ndata: ${JSON.stringify(entry(4, { status: 422 }))}\n\n`);
      }
      return;
    }
    const endpointPath = `/webhook_endpoints/${endpoint.id}`;
    if (parsed.pathname === endpointPath && request.method === 'GET') return answer(response, 200, endpoint);
    if (parsed.pathname === endpointPath && request.method === 'PATCH') {
      endpoint.chaos = body.chaos === null ? null : { ...chaosDefaults, ...body.chaos };
      return answer(response, 200, endpoint);
    }
    if (parsed.pathname.startsWith('/webhook_endpoints/endp_')) return answer(response, 400, omiseError('bad_request', 'chaos is only available in test mode'));
    return answer(response, 404, omiseError('not_found', 'the requested resource was not found'));
  }

  before(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      request.on('end', () => handle(request, response, text));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const response of openStreams) response.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const env = () => ({ SATANG_API_URL: url, SATANG_SECRET_KEY: secretKey });
  const lines = (result: CliResult) => result.stdout.split('\n').filter((line) => line !== '');

  test('logs tail: GET /test/requests with the filters and the key; the entries oldest first, one line each', async () => {
    seen.length = 0;
    const result = await runCliAsync(['logs', 'tail', '--status', '4XX', '--path', '/charges', '--route', '/charges/:id/refunds', '--request-id', 'req-3', '--limit', '2'], env());
    assert.equal(result.status, 0, result.stderr);
    const [request] = seen;
    assert.equal(request.method, 'GET');
    assert.equal(request.path, '/test/requests');
    assert.deepEqual(Object.fromEntries(request.query), { status: '4xx', path: '/charges', route: '/charges/:id/refunds', request_id: 'req-3', limit: '2', order: 'reverse_chronological' });
    assert.equal(request.headers.authorization, `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`);
    assert.equal(request.headers.accept, 'application/json');
    assert.deepEqual(lines(result), [
      '2026-01-02T03:04:02Z  GET    /charges/chrg_test_0000000000000000002/refunds  404  12 ms  req-2  no key',
      '2026-01-02T03:04:03Z  POST   /charges/chrg_test_0000000000000000003/refunds  400  13 ms  req-3  secret key ...wxyz  idempotency-key order-42',
    ]);
    assert.ok(!result.stdout.includes(secretKey) && !result.stderr.includes(secretKey), 'the key is never printed');

    const json = await runCliAsync(['logs', 'tail', '--json'], env());
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(
      lines(json).map((line) => JSON.parse(line).id),
      [entry(2).id, entry(3).id],
    );
    assert.equal(seen.at(-1)!.query.get('limit'), '20', 'the last 20 by default');
  });

  test('logs tail --follow: the stream with the filters; a dropped stream resumes with Last-Event-ID, nothing twice; Ctrl-C ends with exit 0', async () => {
    seen.length = 0;
    const cli = startCli(['logs', 'tail', '--follow', '--status', '4xx', '--path', '/charges', '--json'], env());
    await cli.waitFor('stdout', new RegExp(entry(4).id));
    const result = await cli.stop('SIGINT');
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(
      lines(result).map((line) => JSON.parse(line).id),
      [entry(1).id, entry(4).id],
    );
    assert.equal(JSON.parse(lines(result)[1]).status, 422);
    const connections = seen.filter((s) => s.path === '/test/requests/stream');
    assert.equal(connections.length, 2);
    for (const connection of connections) {
      assert.deepEqual(Object.fromEntries(connection.query), { status: '4xx', path: '/charges' });
      assert.equal(connection.headers.accept, 'text/event-stream');
    }
    assert.equal(connections[0].headers['last-event-id'], undefined);
    assert.equal(connections[1].headers['last-event-id'], entry(1).id);
    assert.match(result.stderr, /tailing the request log of http:\/\/127\.0\.0\.1:\d+ \(Ctrl-C to stop\)/);
    assert.match(result.stderr, /the stream ended; reconnecting/);
  });

  test('logs tail: the gateway\'s refusal is printed with exit 1 (also for --follow); bad flags are usage errors', async () => {
    for (const args of [['logs', 'tail'], ['logs', 'tail', '--follow']]) {
      const refused = await runCliAsync(args, { SATANG_API_URL: url, SATANG_SECRET_KEY: liveKey });
      assert.equal(refused.status, 1, args.join(' '));
      assert.equal(refused.stderr, 'satang: not_authorized: only available in test mode\n');
    }
    for (const args of [['logs', 'tail', '--status', 'teapot'], ['logs', 'tail', 'extra'], ['logs'], ['logs', 'tail', '--limit', 'all']]) {
      const result = await runCliAsync(args, env());
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    }
  });

  test('chaos set sends the settings given (merged into the current ones), clear sends null; the answer is shown', async () => {
    seen.length = 0;
    const set = await runCliAsync(['chaos', 'set', endpoint.id, '--duplicate-rate', '0.25', '--delay-ms', '100,500', '--seed', '42'], env());
    assert.equal(set.status, 0, set.stderr);
    const patches = () => seen.filter((s) => s.method === 'PATCH');
    assert.deepEqual(patches()[0].body, { chaos: { duplicate_rate: 0.25, delay_ms: [100, 500], seed: 42 } });
    assert.equal(patches()[0].headers['content-type'], 'application/json');
    assert.deepEqual(set.stdout.split('\n').slice(0, 6), [
      `${endpoint.id}  https://shop.example/hooks`,
      'duplicate rate  0.25',
      'delay           100..500 ms',
      'reorder window  0 ms',
      'fail first      0 attempt(s)',
      'seed            42',
    ]);

    const more = await runCliAsync(['chaos', 'set', endpoint.id, '--fail-first-attempts', '2', '--reorder-window-ms', '3000', '--seed', 'blue-moon', '--json'], env());
    assert.equal(more.status, 0, more.stderr);
    assert.deepEqual(patches()[1].body, { chaos: { duplicate_rate: 0.25, delay_ms: [100, 500], reorder_window_ms: 3000, fail_first_attempts: 2, seed: 'blue-moon' } });
    assert.deepEqual(JSON.parse(more.stdout).chaos, { duplicate_rate: 0.25, delay_ms: [100, 500], reorder_window_ms: 3000, fail_first_attempts: 2, seed: 'blue-moon' });

    const clear = await runCliAsync(['chaos', 'clear', endpoint.id], env());
    assert.equal(clear.status, 0, clear.stderr);
    assert.deepEqual(patches()[2].body, { chaos: null });
    assert.equal(clear.stdout, `${endpoint.id}  https://shop.example/hooks\nchaos  off\n`);
    const show = await runCliAsync(['chaos', 'show', endpoint.id, '--json'], env());
    assert.equal(JSON.parse(show.stdout).chaos, null);
  });

  test('chaos: bad settings are usage errors (nothing sent); the gateway\'s refusal is printed with exit 1', async () => {
    seen.length = 0;
    for (const args of [
      ['chaos', 'set', endpoint.id],
      ['chaos', 'set', endpoint.id, '--duplicate-rate', '1.5'],
      ['chaos', 'set', endpoint.id, '--delay-ms', '500,100'],
      ['chaos', 'set', endpoint.id, '--delay-ms', 'soon'],
      ['chaos', 'set', '--seed', '1'],
      ['chaos', 'shuffle', endpoint.id],
    ]) {
      const result = await runCliAsync(args, env());
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    }
    assert.equal(seen.length, 0, 'no request was sent');
    const refused = await runCliAsync(['chaos', 'clear', 'endp_0000000000000000002'], env());
    assert.equal(refused.status, 1);
    assert.equal(refused.stderr, 'satang: bad_request: chaos is only available in test mode\n');
  });
});
