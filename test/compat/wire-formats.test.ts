/**
 * Every official Omise SDK's exact wire format, replayed byte for byte over a real TCP
 * socket against a listening gateway (omise-api.md §1.3, §2.1, §2.2, §13, §14;
 * DECISIONS §2, §7, §9). Each SDK gets an account of its own, so lists and events show
 * only what that SDK did, and runs the merchant flow: create a source with the key the
 * SDK uses there, charge it, retrieve, list, update, list and retrieve events, read the
 * source back, read /capability.
 *
 * Requests are written by hand (net.Socket), not by an HTTP client library, so headers,
 * their absence (omise-go's RetrieveEvent has no Content-Type), bodies on GET and
 * percent-encoding are exactly what the SDK puts on the wire.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { before, describe, test } from 'node:test';
import { describeEachStore, type Harness, type Keys, makeKeys } from '../support/harness.js';

// ---------------------------------------------------------------------------------------
// A raw HTTP/1.1 exchange over one TCP connection.

type Header = [name: string, value: string];

interface WireRequest {
  method: string;
  /** Request target exactly as sent, query string and percent-encoding included. */
  path: string;
  /** Every header line, in the order the SDK writes them. Nothing is added. */
  headers: Header[];
  body?: string;
}

interface WireResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

const exchangeTimeoutMs = 10_000;

function encodeRequest(request: WireRequest): Buffer {
  const head = [`${request.method} ${request.path} HTTP/1.1`, ...request.headers.map(([name, value]) => `${name}: ${value}`)].join('\r\n') + '\r\n\r\n';
  const headBytes = Buffer.from(head, 'latin1');
  return request.body === undefined ? headBytes : Buffer.concat([headBytes, Buffer.from(request.body, 'utf8')]);
}

/** Decodes a chunked body; null while incomplete. */
function decodeChunked(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) return null;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1').split(';')[0].trim(), 16);
    if (!Number.isFinite(size)) throw new Error('malformed chunk size');
    at = lineEnd + 2;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < at + size + 2) return null;
    parts.push(data.subarray(at, at + size));
    at += size + 2;
  }
}

/** Sends the request bytes on a fresh connection and reads one response. */
function exchange(port: number, request: WireRequest): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    let head: { status: number; headers: Record<string, string>; bodyAt: number } | undefined;
    let settled = false;
    const settle = (error: Error | null, response?: WireResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const timer = setTimeout(() => settle(new Error(`${request.method} ${request.path}: no complete response within ${exchangeTimeoutMs} ms`)), exchangeTimeoutMs);
    const complete = (body: Buffer) => {
      const text = body.toString('utf8');
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      settle(null, { status: head!.status, headers: head!.headers, text, json });
    };
    const progress = (ended: boolean) => {
      if (!head) {
        const end = received.indexOf('\r\n\r\n');
        if (end === -1) {
          if (ended) settle(new Error(`${request.method} ${request.path}: connection closed before a response`));
          return;
        }
        const [statusLine, ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
        const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
        if (!match) return settle(new Error(`bad status line: ${statusLine}`));
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        head = { status: Number(match[1]), headers, bodyAt: end + 4 };
      }
      const rest = received.subarray(head.bodyAt);
      if (head.status === 204 || head.status === 304 || request.method === 'HEAD') return complete(Buffer.alloc(0));
      if (head.headers['content-length'] !== undefined) {
        const length = Number(head.headers['content-length']);
        if (rest.length >= length) return complete(rest.subarray(0, length));
      } else if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) {
        const body = decodeChunked(rest);
        if (body) return complete(body);
      } else if (ended) {
        return complete(rest);
      }
      if (ended) settle(new Error(`${request.method} ${request.path}: connection closed mid-body`));
    };
    socket.on('connect', () => socket.write(encodeRequest(request)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      try {
        progress(false);
      } catch (error) {
        settle(error as Error);
      }
    });
    socket.on('end', () => progress(true));
    socket.on('error', (error) => settle(error));
  });
}

// ---------------------------------------------------------------------------------------
// What the SDKs put on the wire.

/** `Basic base64("key:")` as every server SDK sends it; `password: null` drops the colon (omise.js). */
function basicAuth(key: string, password: string | null = ''): string {
  return `Basic ${Buffer.from(password === null ? key : `${key}:${password}`).toString('base64')}`;
}

const byteLength = (body: string) => String(Buffer.byteLength(body, 'utf8'));
const nodeUserAgent = `OmiseNode/1.1.0 Node/${process.version}`;
const pythonUserAgent = 'OmisePython/0.14.0';
const rubyUserAgent = 'OmiseRuby/0.11.0 Ruby/3.2.3';
const phpUserAgent = 'OmisePHP/3.0.0 PHP/8.2.7 OmiseAPI/2019-05-29';
const goUserAgent = 'OmiseGo/1.7.2 Go/go1.22.5';
const browserUserAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const shopOrigin = 'https://shop.example';

/** omise-node 1.1.0 (lib/api.js): JSON even on GET (no body there), Content-Length only on POST/PATCH, Host after the SDK's headers. */
function nodeRequest(method: string, path: string, key: string, body?: string): WireRequest {
  const withBody = method === 'POST' || method === 'PATCH';
  const headers: Header[] = [
    ['Authorization', basicAuth(key)],
    ['Accept', 'application/json'],
    ['Content-Type', 'application/json'],
    ['User-Agent', nodeUserAgent],
    ['Omise-Version', '2019-05-29'],
  ];
  if (withBody) headers.push(['Content-Length', byteLength(body ?? '')]);
  headers.push(['Host', 'api.omise.co'], ['Connection', 'keep-alive']);
  return { method, path, headers, body: withBody ? (body ?? '') : undefined };
}

/** omise-python (omise/request.py + requests): a JSON body on every method, `"{}"` when there are no params; no Omise-Version unless set. */
function pythonRequest(port: number, method: string, path: string, key: string, body = '{}'): WireRequest {
  return {
    method,
    path,
    headers: [
      ['Host', `127.0.0.1:${port}`],
      ['User-Agent', pythonUserAgent],
      ['Accept-Encoding', 'gzip, deflate'],
      ['Accept', 'application/json'],
      ['Connection', 'keep-alive'],
      ['Content-Type', 'application/json'],
      ['Content-Length', byteLength(body)],
      ['Authorization', basicAuth(key)],
    ],
    body,
  };
}

/** omise-ruby 0.11.0 (rest-client): form bodies with brackets left as they are, no Content-Type on GET. */
function rubyRequest(port: number, method: string, path: string, key: string, form?: string): WireRequest {
  const headers: Header[] = [
    ['Accept', '*/*'],
    ['User-Agent', rubyUserAgent],
    ['Omise-Version', '2017-11-02'],
  ];
  if (form !== undefined) headers.push(['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', byteLength(form)]);
  headers.push(['Accept-Encoding', 'gzip;q=1.0,deflate;q=0.6,identity;q=0.3'], ['Authorization', basicAuth(key)], ['Host', `127.0.0.1:${port}`]);
  return { method, path, headers, body: form };
}

/** omise-php 3.0.0 (curl): http_build_query bodies (brackets percent-encoded, indexed arrays rewritten to `[]`), curl's default form type. */
function phpRequest(port: number, method: string, path: string, key: string, form?: string): WireRequest {
  const headers: Header[] = [
    ['Host', `127.0.0.1:${port}`],
    ['Authorization', basicAuth(key)],
    ['User-Agent', phpUserAgent],
    ['Accept', '*/*'],
    ['Omise-Version', '2019-05-29'],
  ];
  if (form !== undefined) headers.push(['Content-Length', byteLength(form)], ['Content-Type', 'application/x-www-form-urlencoded']);
  return { method, path, headers, body: form };
}

/** omise-go 1.7.2 (client.go): a JSON body on every operation; Omise-Version always 2019-05-29; `contentType: null` for RetrieveEvent. */
function goRequest(port: number, method: string, path: string, key: string, body: string, contentType: string | null = 'application/json'): WireRequest {
  const headers: Header[] = [
    ['Host', `127.0.0.1:${port}`],
    ['User-Agent', goUserAgent],
    ['Content-Length', byteLength(body)],
    ['Authorization', basicAuth(key)],
  ];
  if (contentType !== null) headers.push(['Content-Type', contentType]);
  headers.push(['Omise-Version', '2019-05-29'], ['Accept-Encoding', 'gzip']);
  return { method, path, headers, body };
}

/** omise.js 2.5.4 in Chrome: `fetch(interfaceUrl + '/sources/', {Authorization: Basic btoa(pkey), Content-Type: application/json})`. */
function browserRequest(port: number, method: string, path: string, key: string, body?: string): WireRequest {
  const headers: Header[] = [['Host', `127.0.0.1:${port}`], ['Connection', 'keep-alive']];
  if (body !== undefined) headers.push(['Content-Length', byteLength(body)]);
  headers.push(['Authorization', basicAuth(key, null)]);
  if (body !== undefined) headers.push(['Content-Type', 'application/json']);
  headers.push(
    ['User-Agent', browserUserAgent],
    ['Accept', '*/*'],
    ['Origin', shopOrigin],
    ['Sec-Fetch-Site', 'cross-site'],
    ['Sec-Fetch-Mode', 'cors'],
    ['Sec-Fetch-Dest', 'empty'],
    ['Referer', `${shopOrigin}/checkout`],
    ['Accept-Encoding', 'gzip, deflate, br'],
    ['Accept-Language', 'en-US,en;q=0.9'],
  );
  return { method, path, headers, body };
}

function browserPreflight(port: number, path: string, method: string): WireRequest {
  return {
    method: 'OPTIONS',
    path,
    headers: [
      ['Host', `127.0.0.1:${port}`],
      ['Connection', 'keep-alive'],
      ['Accept', '*/*'],
      ['Access-Control-Request-Method', method],
      ['Access-Control-Request-Headers', 'authorization,content-type'],
      ['Origin', shopOrigin],
      ['User-Agent', browserUserAgent],
      ['Sec-Fetch-Mode', 'cors'],
      ['Sec-Fetch-Site', 'cross-site'],
      ['Sec-Fetch-Dest', 'empty'],
      ['Referer', `${shopOrigin}/checkout`],
      ['Accept-Encoding', 'gzip, deflate, br'],
      ['Accept-Language', 'en-US,en;q=0.9'],
    ],
  };
}

/** A merchant backend's `curl -u skey_...: -d ...` (curl's own defaults). */
function curlRequest(port: number, method: string, path: string, key: string, form?: string): WireRequest {
  const headers: Header[] = [
    ['Host', `127.0.0.1:${port}`],
    ['Authorization', basicAuth(key)],
    ['User-Agent', 'curl/7.88.1'],
    ['Accept', '*/*'],
  ];
  if (form !== undefined) headers.push(['Content-Length', byteLength(form)], ['Content-Type', 'application/x-www-form-urlencoded']);
  return { method, path, headers, body: form };
}

// ---------------------------------------------------------------------------------------
// The merchant flow, run for each SDK.

type KeyKind = 'public' | 'secret';

interface SdkFlow {
  title: string;
  /** The key this SDK sends to POST /sources and GET /sources/:id, and to GET /capability (omise-api.md §1.1). */
  sourceKey: KeyKind;
  sourceReadKey: KeyKind;
  capabilityKey: KeyKind;
  amount: number;
  createSource(port: number, key: string): WireRequest;
  createCharge(port: number, key: string, sourceId: string): WireRequest;
  created: { description: string | null; metadata: unknown };
  retrieveCharge(port: number, key: string, id: string): WireRequest;
  listCharges(port: number, key: string): WireRequest;
  listed: { limit: number; offset: number; order: string };
  updateCharge(port: number, key: string, id: string): WireRequest;
  updated: { description: string | null; metadata: unknown };
  listEvents(port: number, key: string): WireRequest;
  retrieveEvent(port: number, key: string, id: string): WireRequest;
  retrieveSource(port: number, key: string, id: string): WireRequest;
  capability(port: number, key: string): WireRequest;
  /** POST /charges with Satang's scripted outcome in the metadata (DECISIONS §10), as this SDK encodes it. */
  createScriptedCharge(port: number, key: string, sourceId: string): WireRequest;
  scripted: { metadata: unknown; fundingSource: string };
}

const pythonListBody = '{"from": null, "limit": 100, "offset": 0, "order": null, "to": null}';

const flows: SdkFlow[] = [
  {
    title: 'omise-node 1.1.0 (JSON, Content-Type on GET, public key for sources and capability)',
    sourceKey: 'public',
    sourceReadKey: 'public',
    capabilityKey: 'public',
    amount: 400000,
    createSource: (_port, key) => nodeRequest('POST', '/sources', key, '{"type":"truemoney_qr","amount":400000,"currency":"THB"}'),
    createCharge: (_port, key, sourceId) =>
      nodeRequest('POST', '/charges', key, `{"amount":400000,"currency":"THB","source":"${sourceId}","description":"node order","metadata":{"order_id":42,"gift":false}}`),
    created: { description: 'node order', metadata: { order_id: 42, gift: false } },
    retrieveCharge: (_port, key, id) => nodeRequest('GET', `/charges/${id}`, key),
    listCharges: (_port, key) => nodeRequest('GET', '/charges?limit=5&offset=0', key),
    listed: { limit: 5, offset: 0, order: 'chronological' },
    updateCharge: (_port, key, id) => nodeRequest('PATCH', `/charges/${id}`, key, '{"description":"node order (edited)","metadata":{"order_id":43}}'),
    updated: { description: 'node order (edited)', metadata: { order_id: 43 } },
    listEvents: (_port, key) => nodeRequest('GET', '/events', key),
    retrieveEvent: (_port, key, id) => nodeRequest('GET', `/events/${id}`, key),
    retrieveSource: (_port, key, id) => nodeRequest('GET', `/sources/${id}`, key),
    capability: (_port, key) => nodeRequest('GET', '/capability', key),
    createScriptedCharge: (_port, key, sourceId) =>
      nodeRequest('POST', '/charges', key, `{"amount":400000,"currency":"THB","source":"${sourceId}","metadata":{"order_id":42,"satang_outcome":"successful","satang_outcome_after_seconds":0}}`),
    scripted: { metadata: { order_id: 42, satang_outcome: 'successful', satang_outcome_after_seconds: 0 }, fundingSource: 'wallet_balance' },
  },
  {
    title: 'omise-python (sorted JSON with nulls and \\u escapes, JSON bodies on GET, secret key for sources)',
    sourceKey: 'secret',
    sourceReadKey: 'secret',
    capabilityKey: 'public',
    amount: 123456,
    createSource: (port, key) => pythonRequest(port, 'POST', '/sources', key, '{"amount": 123456, "currency": "THB", "type": "truemoney_qr"}'),
    createCharge: (port, key, sourceId) =>
      pythonRequest(
        port,
        'POST',
        '/charges',
        key,
        `{"amount": 123456, "currency": "THB", "description": "Order \\u0e2a\\u0e31\\u0e48\\u0e07\\u0e0b\\u0e37\\u0e49\\u0e2d", "metadata": {"order_id": 42, "tags": ["a", "b"]}, "return_uri": null, "source": "${sourceId}"}`,
      ),
    created: { description: 'Order สั่งซื้อ', metadata: { order_id: 42, tags: ['a', 'b'] } },
    retrieveCharge: (port, key, id) => pythonRequest(port, 'GET', `/charges/${id}`, key),
    listCharges: (port, key) => pythonRequest(port, 'GET', '/charges', key, pythonListBody),
    listed: { limit: 100, offset: 0, order: 'chronological' },
    updateCharge: (port, key, id) => pythonRequest(port, 'PATCH', `/charges/${id}`, key, '{"description": "python order (edited)", "metadata": {"order_id": 43}}'),
    updated: { description: 'python order (edited)', metadata: { order_id: 43 } },
    listEvents: (port, key) => pythonRequest(port, 'GET', '/events', key, pythonListBody),
    retrieveEvent: (port, key, id) => pythonRequest(port, 'GET', `/events/${id}`, key),
    retrieveSource: (port, key, id) => pythonRequest(port, 'GET', `/sources/${id}`, key),
    capability: (port, key) => pythonRequest(port, 'GET', '/capability', key),
    createScriptedCharge: (port, key, sourceId) =>
      pythonRequest(
        port,
        'POST',
        '/charges',
        key,
        `{"amount": 123456, "currency": "THB", "description": null, "metadata": {"order_id": 42, "satang_funding_source": "bank_account", "satang_outcome": "successful", "satang_outcome_after_seconds": 0}, "return_uri": null, "source": "${sourceId}"}`,
      ),
    scripted: { metadata: { order_id: 42, satang_funding_source: 'bank_account', satang_outcome: 'successful', satang_outcome_after_seconds: 0 }, fundingSource: 'bank_account' },
  },
  {
    title: 'omise-ruby 0.11.0 (form bodies, brackets not encoded, Omise-Version 2017-11-02)',
    sourceKey: 'secret',
    sourceReadKey: 'secret',
    capabilityKey: 'public',
    amount: 10000,
    createSource: (port, key) => rubyRequest(port, 'POST', '/sources', key, 'type=truemoney_qr&amount=10000&currency=THB'),
    createCharge: (port, key, sourceId) =>
      rubyRequest(port, 'POST', '/charges', key, `amount=10000&currency=THB&source=${sourceId}&description=ruby+order&capture=true&metadata[order_id]=42&metadata[customer][name]=Somchai+J.`),
    created: { description: 'ruby order', metadata: { order_id: '42', customer: { name: 'Somchai J.' } } },
    retrieveCharge: (port, key, id) => rubyRequest(port, 'GET', `/charges/${id}`, key),
    listCharges: (port, key) => rubyRequest(port, 'GET', '/charges?limit=20&offset=0&order=reverse_chronological', key),
    listed: { limit: 20, offset: 0, order: 'reverse_chronological' },
    updateCharge: (port, key, id) =>
      rubyRequest(port, 'PATCH', `/charges/${id}`, key, 'description=ruby+order+%28edited%29&metadata[order_id]=43&metadata[tags][]=x&metadata[tags][]=y'),
    updated: { description: 'ruby order (edited)', metadata: { order_id: '43', tags: ['x', 'y'] } },
    listEvents: (port, key) => rubyRequest(port, 'GET', '/events', key),
    retrieveEvent: (port, key, id) => rubyRequest(port, 'GET', `/events/${id}`, key),
    retrieveSource: (port, key, id) => rubyRequest(port, 'GET', `/sources/${id}`, key),
    capability: (port, key) => rubyRequest(port, 'GET', '/capability', key),
    createScriptedCharge: (port, key, sourceId) =>
      rubyRequest(port, 'POST', '/charges', key, `amount=10000&currency=THB&source=${sourceId}&capture=true&metadata[order_id]=42&metadata[satang_outcome]=successful&metadata[satang_outcome_after_seconds]=0`),
    scripted: { metadata: { order_id: '42', satang_outcome: 'successful', satang_outcome_after_seconds: '0' }, fundingSource: 'wallet_balance' },
  },
  {
    title: 'omise-php 3.0.0 (form bodies, brackets percent-encoded, [] arrays, trailing slashes)',
    sourceKey: 'public',
    sourceReadKey: 'public',
    capabilityKey: 'secret',
    amount: 5000000,
    createSource: (port, key) => phpRequest(port, 'POST', '/sources/', key, 'amount=5000000&currency=THB&type=truemoney_qr'),
    createCharge: (port, key, sourceId) =>
      phpRequest(
        port,
        'POST',
        '/charges/',
        key,
        `amount=5000000&currency=THB&source=${sourceId}&description=php+order&metadata%5Border_id%5D=42&metadata%5Btags%5D%5B%5D=a&metadata%5Btags%5D%5B%5D=b`,
      ),
    created: { description: 'php order', metadata: { order_id: '42', tags: ['a', 'b'] } },
    retrieveCharge: (port, key, id) => phpRequest(port, 'GET', `/charges/${id}`, key),
    listCharges: (port, key) => phpRequest(port, 'GET', '/charges/?limit=10&offset=0&order=reverse_chronological', key),
    listed: { limit: 10, offset: 0, order: 'reverse_chronological' },
    updateCharge: (port, key, id) => phpRequest(port, 'PATCH', `/charges/${id}`, key, 'description=php+order+%28edited%29&metadata%5Border_id%5D=43'),
    updated: { description: 'php order (edited)', metadata: { order_id: '43' } },
    listEvents: (port, key) => phpRequest(port, 'GET', '/events/', key),
    retrieveEvent: (port, key, id) => phpRequest(port, 'GET', `/events/${id}`, key),
    retrieveSource: (port, key, id) => phpRequest(port, 'GET', `/sources/${id}`, key),
    capability: (port, key) => phpRequest(port, 'GET', '/capability', key),
    createScriptedCharge: (port, key, sourceId) =>
      phpRequest(
        port,
        'POST',
        '/charges/',
        key,
        `amount=5000000&currency=THB&source=${sourceId}&metadata%5Border_id%5D=42&metadata%5Bsatang_outcome%5D=successful&metadata%5Bsatang_outcome_after_seconds%5D=0&metadata%5Bsatang_funding_source%5D=credit_card`,
      ),
    scripted: { metadata: { order_id: '42', satang_outcome: 'successful', satang_outcome_after_seconds: '0', satang_funding_source: 'credit_card' }, fundingSource: 'credit_card' },
  },
  {
    title: 'omise-go 1.7.2 (JSON bodies on GET, platform_fee {}, empty billing/shipping, Omise-Version always)',
    sourceKey: 'public',
    sourceReadKey: 'secret',
    capabilityKey: 'secret',
    amount: 250000,
    createSource: (port, key) => {
      const address = '{"street1":"","street2":"","city":"","state":"","postal_code":"","country":"","phone_number":""}';
      return goRequest(port, 'POST', '/sources', key, `{"type":"truemoney_qr","amount":250000,"currency":"THB","billing":${address},"shipping":${address}}`);
    },
    createCharge: (port, key, sourceId) =>
      goRequest(port, 'POST', '/charges', key, `{"source":"${sourceId}","amount":250000,"currency":"THB","description":"go order","metadata":{"order_id":42},"platform_fee":{}}`),
    created: { description: 'go order', metadata: { order_id: 42 } },
    retrieveCharge: (port, key, id) => goRequest(port, 'GET', `/charges/${id}`, key, '{}'),
    listCharges: (port, key) => goRequest(port, 'GET', '/charges', key, '{"limit":100}'),
    listed: { limit: 100, offset: 0, order: 'chronological' },
    updateCharge: (port, key, id) => goRequest(port, 'PATCH', `/charges/${id}`, key, '{"description":"go order (edited)","metadata":{"order_id":43,"nested":{"ok":true}}}'),
    updated: { description: 'go order (edited)', metadata: { order_id: 43, nested: { ok: true } } },
    listEvents: (port, key) => goRequest(port, 'GET', '/events', key, '{}'),
    retrieveEvent: (port, key, id) => goRequest(port, 'GET', `/events/${id}`, key, '{}', null),
    retrieveSource: (port, key, id) => goRequest(port, 'GET', `/sources/${id}`, key, '{}'),
    capability: (port, key) => goRequest(port, 'GET', '/capability', key, '{}'),
    // omise-go's Metadata is a map[string]interface{}: encoding/json writes its keys sorted, numbers as numbers.
    createScriptedCharge: (port, key, sourceId) =>
      goRequest(
        port,
        'POST',
        '/charges',
        key,
        `{"source":"${sourceId}","amount":250000,"currency":"THB","metadata":{"order_id":42,"satang_outcome":"successful","satang_outcome_after_seconds":0},"platform_fee":{}}`,
      ),
    scripted: { metadata: { order_id: 42, satang_outcome: 'successful', satang_outcome_after_seconds: 0 }, fundingSource: 'wallet_balance' },
  },
];

// ---------------------------------------------------------------------------------------
// Assertions shared by the flows.

function assertJsonReply(response: WireResponse, status: number, context: string): void {
  assert.equal(response.status, status, `${context}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
  assert.match(response.headers['content-type'] ?? '', /^application\/json/, `${context}: content-type`);
  assert.ok(response.json && typeof response.json === 'object', `${context}: a JSON object`);
}

function assertOmiseError(response: WireResponse, status: number, code: string, context: string): void {
  assertJsonReply(response, status, context);
  assert.equal(response.json.object, 'error', context);
  assert.equal(response.json.code, code, `${context}: ${response.json.message}`);
  assert.equal(typeof response.json.message, 'string', context);
  assert.equal(response.json.location, `https://www.omise.co/api-errors#${code.replaceAll('_', '-')}`, context);
}

function assertSource(source: any, amount: number, chargeStatus: string): void {
  assert.equal(source.object, 'source');
  assert.match(source.id, /^src_test_[0-9a-z]{19}$/);
  assert.equal(source.type, 'truemoney_qr');
  assert.equal(source.flow, 'offline');
  assert.equal(source.amount, amount);
  assert.equal(source.currency, 'THB');
  assert.equal(source.livemode, false);
  assert.equal(source.charge_status, chargeStatus);
}

function keyOf(keys: Keys, kind: KeyKind): string {
  return kind === 'public' ? keys.publicKey : keys.secretKey;
}

/** The port of the harness's listening gateway (describeEachStore with `listen: true`). */
function listening(h: Harness): () => number {
  return () => {
    assert.ok(h.port > 0, 'the gateway is listening');
    return h.port;
  };
}

function describeFlow(h: Harness, portOf: () => number, flow: SdkFlow): void {
  describe(flow.title, () => {
    let keys: Keys;
    const state: { sourceId?: string; chargeId?: string; updateEventId?: string } = {};
    const need = <T>(value: T | undefined, what: string): T => {
      assert.ok(value, `needs ${what} from an earlier step`);
      return value;
    };
    before(async () => {
      keys = await makeKeys(h.store, `Merchant of ${flow.title.split(' ')[0]}`);
    });

    test(`POST /sources with the ${flow.sourceKey} key creates the source`, async () => {
      const response = await exchange(portOf(), flow.createSource(portOf(), keyOf(keys, flow.sourceKey)));
      assertJsonReply(response, 200, 'create source');
      assertSource(response.json, flow.amount, 'unknown');
      assert.equal(response.json.scannable_code, null);
      state.sourceId = response.json.id;
    });

    test('POST /charges with the source id creates a pending charge with its QR', async () => {
      const sourceId = need(state.sourceId, 'the source');
      const response = await exchange(portOf(), flow.createCharge(portOf(), keys.secretKey, sourceId));
      assertJsonReply(response, 200, 'create charge');
      const charge = response.json;
      assert.equal(charge.object, 'charge');
      assert.match(charge.id, /^chrg_test_[0-9a-z]{19}$/);
      assert.equal(charge.status, 'pending');
      assert.equal(charge.amount, flow.amount);
      assert.equal(charge.currency, 'THB');
      assert.equal(charge.description, flow.created.description);
      assert.deepEqual(charge.metadata, flow.created.metadata);
      assertSource(charge.source, flow.amount, 'pending');
      assert.equal(charge.source.id, sourceId);
      assert.equal(charge.source.scannable_code.image.object, 'document');
      assert.ok(charge.source.scannable_code.image.download_uri.startsWith(`http://127.0.0.1:${portOf()}/charges/${charge.id}/documents/`));
      assert.equal(charge.refunds.location, `/charges/${charge.id}/refunds`);
      state.chargeId = charge.id;
    });

    test('GET /charges/:id returns the charge as created', async () => {
      const chargeId = need(state.chargeId, 'the charge');
      const response = await exchange(portOf(), flow.retrieveCharge(portOf(), keys.secretKey, chargeId));
      assertJsonReply(response, 200, 'retrieve charge');
      assert.equal(response.json.object, 'charge');
      assert.equal(response.json.id, chargeId);
      assert.equal(response.json.amount, flow.amount);
      assert.equal(response.json.description, flow.created.description);
      assert.deepEqual(response.json.metadata, flow.created.metadata);
    });

    test('GET /charges with the SDK\'s list parameters lists it', async () => {
      const chargeId = need(state.chargeId, 'the charge');
      const response = await exchange(portOf(), flow.listCharges(portOf(), keys.secretKey));
      assertJsonReply(response, 200, 'list charges');
      const list = response.json;
      assert.equal(list.object, 'list');
      assert.equal(list.location, '/charges');
      assert.equal(list.limit, flow.listed.limit);
      assert.equal(list.offset, flow.listed.offset);
      assert.equal(list.order, flow.listed.order);
      assert.equal(list.from, '1970-01-01T00:00:00Z');
      assert.equal(list.total, 1);
      assert.deepEqual(
        list.data.map((charge: any) => [charge.object, charge.id, charge.amount]),
        [['charge', chargeId, flow.amount]],
      );
    });

    test('PATCH /charges/:id changes description and metadata', async () => {
      const chargeId = need(state.chargeId, 'the charge');
      const response = await exchange(portOf(), flow.updateCharge(portOf(), keys.secretKey, chargeId));
      assertJsonReply(response, 200, 'update charge');
      assert.equal(response.json.object, 'charge');
      assert.equal(response.json.id, chargeId);
      assert.equal(response.json.status, 'pending');
      assert.equal(response.json.description, flow.updated.description);
      assert.deepEqual(response.json.metadata, flow.updated.metadata);
      const again = await exchange(portOf(), flow.retrieveCharge(portOf(), keys.secretKey, chargeId));
      assertJsonReply(again, 200, 'retrieve updated charge');
      assert.equal(again.json.description, flow.updated.description);
      assert.deepEqual(again.json.metadata, flow.updated.metadata);
    });

    test('GET /events lists charge.create and charge.update with the charge', async () => {
      const chargeId = need(state.chargeId, 'the charge');
      const response = await exchange(portOf(), flow.listEvents(portOf(), keys.secretKey));
      assertJsonReply(response, 200, 'list events');
      assert.equal(response.json.object, 'list');
      assert.equal(response.json.location, '/events');
      assert.equal(response.json.total, 2);
      const events = response.json.data as any[];
      assert.deepEqual(events.map((event) => [event.object, event.key, event.data.object, event.data.id]).sort(), [
        ['event', 'charge.create', 'charge', chargeId],
        ['event', 'charge.update', 'charge', chargeId],
      ]);
      state.updateEventId = events.find((event) => event.key === 'charge.update').id;
    });

    test('GET /events/:id retrieves the update event', async () => {
      const eventId = need(state.updateEventId, 'the charge.update event');
      const response = await exchange(portOf(), flow.retrieveEvent(portOf(), keys.secretKey, eventId));
      assertJsonReply(response, 200, 'retrieve event');
      assert.equal(response.json.object, 'event');
      assert.equal(response.json.id, eventId);
      assert.equal(response.json.location, `/events/${eventId}`);
      assert.equal(response.json.key, 'charge.update');
      assert.equal(response.json.data.id, state.chargeId);
      assert.equal(response.json.data.description, flow.updated.description);
      assert.deepEqual(response.json.data.metadata, flow.updated.metadata);
    });

    test(`GET /sources/:id with the ${flow.sourceReadKey} key shows the charged source`, async () => {
      const sourceId = need(state.sourceId, 'the source');
      const response = await exchange(portOf(), flow.retrieveSource(portOf(), keyOf(keys, flow.sourceReadKey), sourceId));
      assertJsonReply(response, 200, 'retrieve source');
      assertSource(response.json, flow.amount, 'pending');
      assert.equal(response.json.id, sourceId);
    });

    test(`GET /capability with the ${flow.capabilityKey} key lists truemoney_qr`, async () => {
      const response = await exchange(portOf(), flow.capability(portOf(), keyOf(keys, flow.capabilityKey)));
      assertJsonReply(response, 200, 'capability');
      const capability = response.json;
      assert.equal(capability.object, 'capability');
      assert.equal(capability.location, '/capability');
      assert.equal(capability.country, 'TH');
      assert.deepEqual(capability.limits.charge_amount, { min: 10000, max: 5000000 });
      assert.equal(typeof capability.limits.installment_amount.min, 'number');
      const method = capability.payment_methods.find((candidate: any) => candidate.name === 'truemoney_qr');
      assert.ok(method, 'truemoney_qr is listed');
      assert.deepEqual(method.currencies, ['THB']);
    });
  });
}

// ---------------------------------------------------------------------------------------

describeEachStore('SDK wire formats over TCP', (h) => {
  const portOf = listening(h);

  for (const flow of flows) describeFlow(h, portOf, flow);

  describe('omise-node 1.1.0: bodiless POSTs (Content-Type: application/json, Content-Length: 0)', () => {
    let chargeId: string;
    before(async () => {
      const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 20000, currency: 'THB', source: { type: 'truemoney_qr' } } });
      assert.equal(created.status, 200, created.body);
      chargeId = created.json.id;
    });

    test('POST /charges/:id/capture answers failed_capture, not a parser error', async () => {
      const response = await exchange(portOf(), nodeRequest('POST', `/charges/${chargeId}/capture`, h.keys.secretKey));
      assertOmiseError(response, 400, 'failed_capture', 'capture');
    });

    test('POST /charges/:id/reverse answers failed_reverse, not a parser error', async () => {
      const response = await exchange(portOf(), nodeRequest('POST', `/charges/${chargeId}/reverse`, h.keys.secretKey));
      assertOmiseError(response, 400, 'failed_reverse', 'reverse');
    });

    test('capture of an unknown charge is not_found', async () => {
      const response = await exchange(portOf(), nodeRequest('POST', '/charges/chrg_test_5zzzzzzzzzzzzzzzzzz/capture', h.keys.secretKey));
      assertOmiseError(response, 404, 'not_found', 'capture unknown');
      assert.equal(response.json.message, 'charge chrg_test_5zzzzzzzzzzzzzzzzzz was not found');
    });
  });

  describe('inline sources in both bracket encodings', () => {
    test('omise-ruby: source[type]=truemoney_qr (brackets as they are)', async () => {
      const response = await exchange(portOf(), rubyRequest(portOf(), 'POST', '/charges', h.keys.secretKey, 'amount=30000&currency=THB&source[type]=truemoney_qr&metadata[order_id]=7'));
      assertJsonReply(response, 200, 'ruby inline charge');
      assert.equal(response.json.status, 'pending');
      assertSource(response.json.source, 30000, 'pending');
      assert.deepEqual(response.json.metadata, { order_id: '7' });
    });

    test('omise-php: source%5Btype%5D=truemoney_qr to POST /charges/', async () => {
      const response = await exchange(portOf(), phpRequest(portOf(), 'POST', '/charges/', h.keys.secretKey, 'amount=30000&currency=THB&source%5Btype%5D=truemoney_qr&metadata%5Border_id%5D=8'));
      assertJsonReply(response, 200, 'php inline charge');
      assert.equal(response.json.status, 'pending');
      assertSource(response.json.source, 30000, 'pending');
      assert.deepEqual(response.json.metadata, { order_id: '8' });
    });
  });

  describe('omise.js 2.5.4 in a browser, with the merchant backend charging the source', () => {
    let keys: Keys;
    let sourceId: string;
    let downloadUri: string;
    before(async () => {
      keys = await makeKeys(h.store, 'Merchant of omise.js');
    });

    test('the CORS preflight OPTIONS /sources/ is allowed', async () => {
      const response = await exchange(portOf(), browserPreflight(portOf(), '/sources/', 'POST'));
      assert.ok(response.status === 200 || response.status === 204, `preflight HTTP ${response.status} ${response.text}`);
      const allowOrigin = response.headers['access-control-allow-origin'];
      assert.ok(allowOrigin === shopOrigin || allowOrigin === '*', `Access-Control-Allow-Origin: ${allowOrigin}`);
      const methods = (response.headers['access-control-allow-methods'] ?? '').toUpperCase().split(/\s*,\s*/);
      assert.ok(methods.includes('POST'), `Access-Control-Allow-Methods: ${response.headers['access-control-allow-methods']}`);
      const allowed = (response.headers['access-control-allow-headers'] ?? '').toLowerCase().split(/\s*,\s*/);
      assert.ok(allowed.includes('authorization') && allowed.includes('content-type'), `Access-Control-Allow-Headers: ${response.headers['access-control-allow-headers']}`);
    });

    test('POST /sources/ with Basic base64(pkey) (no colon) creates the source, with Access-Control-Allow-Origin', async () => {
      const response = await exchange(portOf(), browserRequest(portOf(), 'POST', '/sources/', keys.publicKey, '{"amount":400000,"currency":"THB","type":"truemoney_qr"}'));
      assertJsonReply(response, 200, 'omise.js create source');
      const allowOrigin = response.headers['access-control-allow-origin'];
      assert.ok(allowOrigin === shopOrigin || allowOrigin === '*', `Access-Control-Allow-Origin: ${allowOrigin}`);
      assertSource(response.json, 400000, 'unknown');
      sourceId = response.json.id;
    });

    test('error replies carry Access-Control-Allow-Origin too, so omise.js\'s callback gets the Omise error', async () => {
      const invalid = await exchange(portOf(), browserRequest(portOf(), 'POST', '/sources/', keys.publicKey, '{"amount":100,"currency":"THB","type":"truemoney_qr"}'));
      assertOmiseError(invalid, 400, 'bad_request', 'omise.js invalid amount');
      assert.ok(['*', shopOrigin].includes(invalid.headers['access-control-allow-origin'] ?? ''), 'CORS header on the 400');
      const unknownKey = await exchange(portOf(), browserRequest(portOf(), 'POST', '/sources/', 'pkey_test_5zzzzzzzzzzzzzzzzzz', '{"amount":40000,"currency":"THB","type":"truemoney_qr"}'));
      assertOmiseError(unknownKey, 401, 'authentication_failure', 'omise.js unknown key');
      assert.ok(['*', shopOrigin].includes(unknownKey.headers['access-control-allow-origin'] ?? ''), 'CORS header on the 401');
    });

    test('the backend charges it with `curl -u skey:` form data', async () => {
      assert.ok(sourceId, 'needs the source');
      const response = await exchange(portOf(), curlRequest(portOf(), 'POST', '/charges', keys.secretKey, `source=${sourceId}&amount=400000&currency=THB&return_uri=https%3A%2F%2Fshop.example%2Fdone&metadata%5Bcart%5D=c-9`));
      assertJsonReply(response, 200, 'backend charge');
      assert.equal(response.json.source.id, sourceId);
      assert.equal(response.json.return_uri, 'https://shop.example/done');
      assert.deepEqual(response.json.metadata, { cart: 'c-9' });
      downloadUri = response.json.source.scannable_code.image.download_uri;
    });

    test('the browser reads the source back (no colon) and gets the QR without credentials', async () => {
      assert.ok(downloadUri, 'needs the charge');
      const source = await exchange(portOf(), browserRequest(portOf(), 'GET', `/sources/${sourceId}`, keys.publicKey));
      assertJsonReply(source, 200, 'omise.js retrieve source');
      assert.ok(['*', shopOrigin].includes(source.headers['access-control-allow-origin'] ?? ''), 'CORS header on GET /sources/:id');
      assertSource(source.json, 400000, 'pending');
      assert.equal(source.json.scannable_code.image.download_uri, downloadUri);

      const url = new URL(downloadUri);
      const image = await exchange(portOf(), {
        method: 'GET',
        path: url.pathname,
        headers: [['Host', url.host], ['User-Agent', browserUserAgent], ['Accept', 'image/avif,image/webp,image/png,*/*'], ['Referer', `${shopOrigin}/checkout`]],
      });
      assert.equal(image.status, 200);
      assert.equal(image.headers['content-type'], 'image/png');
    });

    test('the preflight for GET /capability is allowed too, and the browser reads it with the public key', async () => {
      const preflight = await exchange(portOf(), browserPreflight(portOf(), '/capability', 'GET'));
      assert.ok(preflight.status === 200 || preflight.status === 204, `preflight HTTP ${preflight.status}`);
      const response = await exchange(portOf(), browserRequest(portOf(), 'GET', '/capability', keys.publicKey));
      assertJsonReply(response, 200, 'omise.js capability');
      assert.equal(response.json.object, 'capability');
    });
  });

  describe('Basic credentials: key:, key:anything and key', () => {
    const withAuthorization = (request: WireRequest, authorization: string): WireRequest => ({
      ...request,
      headers: request.headers.map(([name, value]) => (name === 'Authorization' ? [name, authorization] : [name, value])),
    });
    for (const [label, password] of [
      ['key:', ''],
      ['key:anything', 'anything'],
      ['key (no colon)', null],
    ] as const) {
      test(`${label} authenticates the secret key on GET /charges and the public key on POST /sources`, async () => {
        const listed = await exchange(portOf(), withAuthorization(curlRequest(portOf(), 'GET', '/charges?limit=1', h.keys.secretKey), basicAuth(h.keys.secretKey, password)));
        assertJsonReply(listed, 200, `${label} list`);
        assert.equal(listed.json.object, 'list');

        const sourceRequest = curlRequest(portOf(), 'POST', '/sources', h.keys.publicKey, 'amount=10000&currency=THB&type=truemoney_qr');
        const created = await exchange(portOf(), withAuthorization(sourceRequest, basicAuth(h.keys.publicKey, password)));
        assertJsonReply(created, 200, `${label} source`);
        assert.equal(created.json.object, 'source');
      });
    }

    test('an unknown key, a missing header and a public key on /charges are authentication_failure', async () => {
      const unknown = curlRequest(portOf(), 'GET', '/charges', 'skey_test_5zzzzzzzzzzzzzzzzzz');
      assertOmiseError(await exchange(portOf(), unknown), 401, 'authentication_failure', 'unknown key');
      const missing = curlRequest(portOf(), 'GET', '/charges', h.keys.secretKey);
      missing.headers = missing.headers.filter(([name]) => name !== 'Authorization');
      assertOmiseError(await exchange(portOf(), missing), 401, 'authentication_failure', 'no header');
      const publicOnCharges = curlRequest(portOf(), 'GET', '/charges', h.keys.publicKey);
      assertOmiseError(await exchange(portOf(), publicOnCharges), 401, 'authentication_failure', 'public key on /charges');
    });
  });

  describe('GET /account and GET /search, exactly as each SDK calls them (DECISIONS §10)', () => {
    let keys: Keys;
    let wireChargeId: string;
    before(async () => {
      keys = await makeKeys(h.store, 'Merchant of the account and search calls');
      const create = async (json: Record<string, unknown>) => {
        const created = await h.request({ method: 'POST', url: '/charges', key: keys.secretKey, json: { currency: 'THB', source: { type: 'truemoney_qr' }, ...json } });
        assert.equal(created.status, 200, created.body);
        return created.json.id as string;
      };
      wireChargeId = await create({ amount: 123400, description: 'wire order', metadata: { order_id: 'w-1' } });
      const paid = await create({ amount: 20000, description: 'another order' });
      assert.equal((await h.request({ method: 'POST', url: `/charges/${paid}/mark_as_paid`, key: keys.secretKey })).status, 200);
    });

    const accountCalls: Array<[string, (port: number, key: string) => WireRequest]> = [
      ['omise-node: omise.account.retrieve()', (_port, key) => nodeRequest('GET', '/account', key)],
      ['omise-python: omise.Account.retrieve()', (port, key) => pythonRequest(port, 'GET', '/account', key)],
      ['omise-ruby: Omise::Account.retrieve', (port, key) => rubyRequest(port, 'GET', '/account', key)],
      ['omise-php: OmiseAccount::retrieve() (GET /account/)', (port, key) => phpRequest(port, 'GET', '/account/', key)],
      ['omise-go: client.Do(account, &operations.RetrieveAccount{})', (port, key) => goRequest(port, 'GET', '/account', key, '{}')],
    ];
    for (const [title, call] of accountCalls) {
      test(title, async () => {
        const response = await exchange(portOf(), call(portOf(), keys.secretKey));
        assertJsonReply(response, 200, title);
        assert.equal(response.json.object, 'account');
        assert.equal(response.json.id, `account_test_${keys.accountId.slice('acct_'.length)}`);
        assert.equal(response.json.team, keys.accountId);
        assert.equal(response.json.livemode, false);
        assert.deepEqual(response.json.metadata_export_keys, { charge: [], transfer: [], refund: [], dispute: [] });
      });
    }

    const searchCalls: Array<[string, (port: number, key: string) => WireRequest, Record<string, string>]> = [
      [
        "omise-node: omise.search.list({scope: 'charge', query: 'wire order', filters: {status: 'pending'}}) (querystring.encode drops the filters)",
        (_port, key) => nodeRequest('GET', '/search?scope=charge&query=wire%20order&filters=', key),
        {},
      ],
      [
        "omise-python: omise.Search.execute('charge', query='wire order', filters={'status': 'pending'}, order='reverse_chronological') (raw brackets, JSON body {})",
        (port, key) => pythonRequest(port, 'GET', '/search/?scope=charge&query=wire%20order&filters[status]=pending&order=reverse_chronological', key),
        { status: 'pending' },
      ],
      [
        "omise-ruby: Omise::Charge.search.filter(status: 'pending').query('amount:1234 wire').execute (rest-client params)",
        (port, key) => rubyRequest(port, 'GET', '/search?scope=charge&filters[status]=pending&query=amount%3A1234+wire', key),
        { status: 'pending' },
      ],
      [
        "omise-php: OmiseCharge::search('wire order')->filter(['status' => 'pending']) (http_build_query)",
        (port, key) => phpRequest(port, 'GET', '/search/?scope=charge&query=wire+order&filters%5Bstatus%5D=pending', key),
        { status: 'pending' },
      ],
      [
        'omise-go: client.Do(result, &operations.Search{Scope: omise.ChargeScope, Query: "wire order", Filters: {"status": "pending"}, Order: omise.ReverseChronological, PerPage: 10})',
        (port, key) => goRequest(port, 'GET', '/search', key, '{"scope":"charge","query":"wire order","filters":{"status":"pending"},"order":"reverse_chronological","per_page":10}'),
        { status: 'pending' },
      ],
    ];
    for (const [title, call, filters] of searchCalls) {
      test(title, async () => {
        const response = await exchange(portOf(), call(portOf(), keys.secretKey));
        assertJsonReply(response, 200, title);
        assert.equal(response.json.object, 'search');
        assert.equal(response.json.scope, 'charge');
        assert.deepEqual(response.json.filters, filters);
        assert.equal(response.json.total, 1);
        assert.equal(response.json.total_pages, 1);
        assert.equal(response.json.data.length, 1);
        assert.equal(response.json.data[0].object, 'charge');
        assert.equal(response.json.data[0].id, wireChargeId);
        assert.equal(response.json.data[0].description, 'wire order');
      });
    }

    test('omise-go: a scope Satang does not search is 400 bad_request, which omise-go reads as an error (status ≠ 200, JSON body)', async () => {
      const response = await exchange(portOf(), goRequest(portOf(), 'GET', '/search', keys.secretKey, '{"scope":"dispute","query":"dspt_test"}'));
      assertOmiseError(response, 400, 'bad_request', 'dispute scope');
    });
  });

  describe('Omise-Version', () => {
    const withVersion = (request: WireRequest, version: string): WireRequest => ({
      ...request,
      headers: request.headers.map(([name, value]) => (name === 'Omise-Version' ? [name, version] : [name, value])),
    });

    test('2014-07-27 on POST /sources is 404 service_not_found', async () => {
      const request = withVersion(phpRequest(portOf(), 'POST', '/sources/', h.keys.publicKey, 'amount=10000&currency=THB&type=truemoney_qr'), '2014-07-27');
      const response = await exchange(portOf(), request);
      assertOmiseError(response, 404, 'service_not_found', 'old version on /sources');
      assert.equal(response.json.message, 'you are using api version which does not support this operation');
    });

    test('2015-11-17 on POST /charges with an inline source is 404 service_not_found', async () => {
      const request = withVersion(rubyRequest(portOf(), 'POST', '/charges', h.keys.secretKey, 'amount=10000&currency=THB&source[type]=truemoney_qr'), '2015-11-17');
      assertOmiseError(await exchange(portOf(), request), 404, 'service_not_found', 'old version inline source');
    });

    test('2014-07-27 on GET /charges is 200', async () => {
      const response = await exchange(portOf(), withVersion(nodeRequest('GET', '/charges', h.keys.secretKey), '2014-07-27'));
      assertJsonReply(response, 200, 'old version on GET /charges');
      assert.equal(response.json.object, 'list');
    });

    test('2017-11-02 is accepted for sources', async () => {
      const response = await exchange(portOf(), rubyRequest(portOf(), 'POST', '/sources', h.keys.secretKey, 'type=truemoney_qr&amount=10000&currency=THB'));
      assertJsonReply(response, 200, '2017-11-02 source');
      assert.equal(response.json.object, 'source');
    });

    for (const version of ['2020-01-01', 'latest', '2019-5-29']) {
      test(`an unknown version "${version}" is 400 bad_request`, async () => {
        const response = await exchange(portOf(), withVersion(goRequest(portOf(), 'GET', '/charges', h.keys.secretKey, '{"limit":100}'), version));
        assertOmiseError(response, 400, 'bad_request', `version ${version}`);
      });
    }
  });
}, { listen: true });

// ---------------------------------------------------------------------------------------
// Satang's scripted outcomes (DECISIONS §10) in each SDK's encoding: metadata values arrive as the SDK sends
// them (numbers from JSON SDKs, strings from form SDKs), and the charge completes by itself.

describeEachStore(
  'SDK wire formats: scripted outcomes in the metadata',
  (h) => {
    const portOf = listening(h);
    for (const flow of flows) {
      test(`${flow.title.split(' (')[0]}: metadata[satang_outcome]=successful completes the charge by itself`, async () => {
        const keys = await makeKeys(h.store, `Scripted ${flow.title.split(' ')[0]}`);
        const source = await exchange(portOf(), flow.createSource(portOf(), keyOf(keys, flow.sourceKey)));
        assertJsonReply(source, 200, 'create source');
        const created = await exchange(portOf(), flow.createScriptedCharge(portOf(), keys.secretKey, source.json.id));
        assertJsonReply(created, 200, 'create scripted charge');
        assert.equal(created.json.status, 'pending', 'POST /charges answers pending as always');
        assert.deepEqual(created.json.metadata, flow.scripted.metadata, 'the metadata is kept as given');

        const deadline = Date.now() + 5000;
        let charge = created.json;
        while (charge.status === 'pending') {
          assert.ok(Date.now() < deadline, `charge ${charge.id} still pending after 5 s`);
          await new Promise((resolve) => setTimeout(resolve, 50));
          const retrieved = await exchange(portOf(), flow.retrieveCharge(portOf(), keys.secretKey, created.json.id));
          assertJsonReply(retrieved, 200, 'retrieve charge');
          charge = retrieved.json;
        }
        assert.equal(charge.status, 'successful');
        assert.equal(charge.paid, true);
        assert.match(charge.transaction, /^trxn_test_[0-9a-z]{19}$/);
        assertSource(charge.source, flow.amount, 'successful');
        const row = await h.store.read.selectFrom('charges').select('funding_source').where('id', '=', charge.id).executeTakeFirstOrThrow();
        assert.equal(row.funding_source, flow.scripted.fundingSource);

        const events = await exchange(portOf(), flow.listEvents(portOf(), keys.secretKey));
        assertJsonReply(events, 200, 'list events');
        assert.deepEqual(events.json.data.map((event: any) => [event.key, event.data.id, event.data.status]).sort(), [
          ['charge.complete', charge.id, 'successful'],
          ['charge.create', charge.id, 'pending'],
        ]);
      });
    }
  },
  { listen: true, sweep: true },
);
