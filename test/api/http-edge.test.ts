/**
 * The HTTP edge, over raw sockets against a listening gateway: every error the HTTP parser
 * raises is an Omise error object on a connection that is then closed, never written into an
 * answer already under way (DECISIONS §9); and the CONNECT proxy and absolute-form requests are
 * served only for Omise's own hosts (DECISIONS §8).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { before, describe, test } from 'node:test';
import { requestBodyBytesMax, requestUrlCharsMax } from '../../src/domain/limits.js';
import { basic, describeEachStore, type Harness } from '../support/harness.js';
import { rawExchange, type RawExchange, type RawResponse } from '../support/raw-http.js';

function listening(h: Harness): () => number {
  let port = 0;
  before(async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as AddressInfo).port;
  });
  return () => port;
}

function show(exchange: RawExchange): string {
  return `closed=${exchange.closed} ${JSON.stringify(exchange.text.slice(0, 400))}`;
}

/** One Omise error object with this status and code, sent as JSON with Connection: close. */
function assertOmiseError(response: RawResponse | undefined, status: number, code: string, message: RegExp, label: string): void {
  assert.ok(response, `${label}: no response`);
  assert.equal(response.status, status, `${label}: ${response.body}`);
  assert.match(response.headers['content-type'] ?? '', /^application\/json/, label);
  assert.deepEqual(Object.keys(response.json ?? {}), ['object', 'location', 'code', 'message'], `${label}: ${response.body}`);
  assert.equal(response.json.object, 'error', label);
  assert.equal(response.json.code, code, label);
  assert.equal(response.json.location, `https://www.omise.co/api-errors#${code.replaceAll('_', '-')}`, label);
  assert.match(response.json.message, message, label);
  assert.equal(response.headers.connection, 'close', `${label}: the answer says the connection closes`);
}

async function chargeCount(h: Harness): Promise<number> {
  const row = await h.store.read
    .selectFrom('charges')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const chargeJson = JSON.stringify({ amount: 400000, currency: 'THB', source: { type: 'truemoney_qr' } });

describeEachStore('HTTP parser errors are Omise errors on a closed connection', (h) => {
  const portOf = listening(h);

  test('a header section over the parser limit (20 KB) is 431 bad_request', async () => {
    const exchange = await rawExchange(portOf(), [`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`]);
    assert.equal(exchange.responses.length, 1, show(exchange));
    assertOmiseError(exchange.responses[0], 431, 'bad_request', /headers are too large/, '20 KB header');
    assert.ok(exchange.closed, show(exchange));
  });

  test(`a URL longer than ${requestUrlCharsMax} characters is 414 bad_request`, async () => {
    for (const target of [`/charges?q=${'a'.repeat(requestUrlCharsMax)}`, `/charges/${'b'.repeat(requestUrlCharsMax)}`]) {
      const exchange = await rawExchange(portOf(), [`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(h.keys.secretKey)}\r\n\r\n`]);
      assert.equal(exchange.responses.length, 1, show(exchange));
      assertOmiseError(exchange.responses[0], 414, 'bad_request', /URL is longer than/, `${target.length}-character URL`);
      assert.ok(exchange.closed, show(exchange));
    }
    // Just under the limit is an ordinary request.
    const fits = await rawExchange(portOf(), [`GET /charges?q=${'a'.repeat(requestUrlCharsMax - 20)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(h.keys.secretKey)}\r\nConnection: close\r\n\r\n`]);
    assert.equal(fits.responses[0]?.status, 200, show(fits));
  });

  test('bad framing, Content-Length with Transfer-Encoding and a missing Host are 400 bad_request "malformed HTTP request"', async () => {
    const before = await chargeCount(h);
    const requests = {
      'garbage request line': 'GARBAGE\r\n\r\n',
      'unknown HTTP version': 'GET /healthz HTTP/7.1\r\nHost: 127.0.0.1\r\n\r\n',
      'space in a header name': 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n',
      'Content-Length with Transfer-Encoding': `POST /charges HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(h.keys.secretKey)}\r\nContent-Type: application/json\r\nContent-Length: ${chargeJson.length}\r\nTransfer-Encoding: chunked\r\n\r\n${chargeJson.length.toString(16)}\r\n${chargeJson}\r\n0\r\n\r\n`,
      'two Content-Lengths': `POST /charges HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(h.keys.secretKey)}\r\nContent-Type: application/json\r\nContent-Length: ${chargeJson.length}\r\nContent-Length: 5\r\n\r\n${chargeJson}`,
      'Content-Length that is not a number': 'POST /charges HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n',
      'bad chunk size': `POST /charges HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(h.keys.secretKey)}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${chargeJson}\r\n0\r\n\r\n`,
      'no Host header (HTTP/1.1)': 'GET /healthz HTTP/1.1\r\nAccept: */*\r\n\r\n',
    };
    for (const [label, bytes] of Object.entries(requests)) {
      const exchange = await rawExchange(portOf(), [bytes]);
      assert.equal(exchange.responses.length, 1, `${label}: ${show(exchange)}`);
      assertOmiseError(exchange.responses[0], 400, 'bad_request', /malformed HTTP request/, label);
      assert.ok(exchange.closed, `${label}: ${show(exchange)}`);
    }
    assert.equal(await chargeCount(h), before, 'no charge was made');
  });

  test('a body over 1 MiB stays 400 bad_request, and the connection closes instead of reading the rest', async () => {
    const size = requestBodyBytesMax + 1024;
    for (const framing of ['content-length', 'chunked'] as const) {
      const head =
        framing === 'content-length'
          ? `POST /charges HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(h.keys.secretKey)}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`
          : `POST /charges HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(h.keys.secretKey)}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
      const chunk = 'a'.repeat(64 * 1024);
      const body = framing === 'content-length' ? [chunk] : [`${chunk.length.toString(16)}\r\n${chunk}\r\n`];
      // The body goes out in pieces; the server may answer and close before it has all arrived.
      const parts = [head, ...Array.from({ length: Math.ceil(size / chunk.length) }, () => body[0])];
      const exchange = await rawExchange(portOf(), parts, { waitMs: 5000 });
      assert.equal(exchange.responses.length, 1, `${framing}: ${show(exchange)}`);
      assertOmiseError(exchange.responses[0], 400, 'bad_request', /larger than/, framing);
      assert.ok(exchange.closed, `${framing}: ${show(exchange)}`);
    }
  });

  test('an error in pipelined bytes waits for the answer already under way, then closes: never two answers interleaved or out of order', async () => {
    const exchange = await rawExchange(portOf(), [`GET /charges?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(h.keys.secretKey)}\r\n\r\nGARBAGE\r\n\r\n`]);
    assert.equal(exchange.responses.length, 2, show(exchange));
    assert.equal(exchange.responses[0].status, 200, show(exchange));
    assert.equal(exchange.responses[0].json?.object, 'list', show(exchange));
    assertOmiseError(exchange.responses[1], 400, 'bad_request', /malformed HTTP request/, 'the garbage after it');
    assert.ok(exchange.closed, show(exchange));
  });

  test('the gateway serves ordinary requests after all of that', async () => {
    const exchange = await rawExchange(portOf(), [`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`]);
    assert.equal(exchange.responses[0]?.status, 200, show(exchange));
    assert.deepEqual(exchange.responses[0].json, { status: 'ok' });
  });
});

describeEachStore('CONNECT and absolute-form requests are served only for api.omise.co and vault.omise.co', (h) => {
  const portOf = listening(h);
  const healthz = 'GET /healthz HTTP/1.1\r\nHost: api.omise.co\r\nConnection: close\r\n\r\n';

  describe('CONNECT', () => {
    test('another host, or an Omise host on another port, is 403 and nothing is tunnelled', async () => {
      for (const authority of ['example.com:443', '127.0.0.1:443', 'api.omise.co:80', 'api.omise.co', 'vault.omise.co:8443', 'api.omise.co.example.com:443', 'evil.example@api.omise.co:443', '[::1]:443']) {
        // If a tunnel were opened, the request after the CONNECT would be answered through it.
        const exchange = await rawExchange(portOf(), [`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`, healthz], { pauseMs: 200 });
        assert.equal(exchange.responses.length, 1, `${authority}: ${show(exchange)}`);
        assertOmiseError(exchange.responses[0], 403, 'not_authorized', /api\.omise\.co/, `CONNECT ${authority}`);
        assert.ok(exchange.closed, `${authority}: ${show(exchange)}`);
        assert.doesNotMatch(exchange.text, /Connection Established|"status":"ok"/, authority);
      }
    });

    test('api.omise.co:443 and vault.omise.co:443 are tunnelled to the gateway itself', async () => {
      for (const authority of ['api.omise.co:443', 'vault.omise.co:443', 'API.Omise.co:443']) {
        const exchange = await rawExchange(portOf(), [`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`, healthz], { pauseMs: 200 });
        assert.match(exchange.text, /^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 /, `${authority}: ${show(exchange)}`);
        assert.match(exchange.text, /\{"status":"ok"\}$/, authority);
      }
    });
  });

  describe('absolute-form request targets', () => {
    test('another host is 403 and nothing is served or stored', async () => {
      const before = await chargeCount(h);
      const requests = [
        'GET http://example.com/healthz HTTP/1.1\r\nHost: example.com\r\n\r\n',
        `GET http://127.0.0.1:${portOf()}/charges HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(h.keys.secretKey)}\r\n\r\n`,
        `POST http://example.com/charges HTTP/1.1\r\nHost: example.com\r\nAuthorization: ${basic(h.keys.secretKey)}\r\nContent-Type: application/json\r\nContent-Length: ${chargeJson.length}\r\n\r\n${chargeJson}`,
        `POST https://evil.example/charges HTTP/1.1\r\nHost: api.omise.co\r\nAuthorization: ${basic(h.keys.secretKey)}\r\nContent-Type: application/json\r\nContent-Length: ${chargeJson.length}\r\n\r\n${chargeJson}`,
        'GET ftp://api.omise.co/healthz HTTP/1.1\r\nHost: api.omise.co\r\n\r\n',
      ];
      for (const request of requests) {
        const label = request.split('\r\n')[0];
        const exchange = await rawExchange(portOf(), [request]);
        assert.equal(exchange.responses.length, 1, `${label}: ${show(exchange)}`);
        assertOmiseError(exchange.responses[0], 403, 'not_authorized', /api\.omise\.co/, label);
        assert.ok(exchange.closed, `${label}: ${show(exchange)}`);
      }
      assert.equal(await chargeCount(h), before, 'no charge was made');
    });

    test('api.omise.co and vault.omise.co are served as if the path were given alone', async () => {
      const list = await rawExchange(portOf(), [`GET http://api.omise.co/charges?limit=1 HTTP/1.1\r\nHost: api.omise.co\r\nAuthorization: ${basic(h.keys.secretKey)}\r\nConnection: close\r\n\r\n`]);
      assert.equal(list.responses[0]?.status, 200, show(list));
      assert.equal(list.responses[0].json.object, 'list');
      const vault = await rawExchange(portOf(), ['GET https://vault.omise.co/healthz HTTP/1.1\r\nHost: vault.omise.co\r\nConnection: close\r\n\r\n']);
      assert.deepEqual(vault.responses[0]?.json, { status: 'ok' }, show(vault));
      // Routing by path: an unserved resource named through the proxy is still feature_not_supported.
      const tokens = await rawExchange(portOf(), [`GET http://api.omise.co/tokens HTTP/1.1\r\nHost: api.omise.co\r\nAuthorization: ${basic(h.keys.secretKey)}\r\nConnection: close\r\n\r\n`]);
      assert.equal(tokens.responses[0]?.status, 400, show(tokens));
      assert.equal(tokens.responses[0].json.code, 'feature_not_supported', show(tokens));
    });
  });
});
