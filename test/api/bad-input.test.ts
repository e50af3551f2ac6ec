/**
 * Bad input gets a clear Omise error (DECISIONS §2, §9) and changes nothing: no charge, no
 * event, no source. Ends with a seeded random fuzz over every route.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachStore, type Harness, type TestResponse } from '../support/harness.js';
import { seeded } from '../support/seeded.js';

const mib = 1024 * 1024;
const seedCharge = { amount: 400000, currency: 'THB' };

function describeResponse(res: TestResponse): string {
  return `${res.status} ${res.body.slice(0, 300)}`;
}

/** The reply is exactly {object:"error", location, code, message} with this status and code. */
function assertOmiseError(res: TestResponse, status: number, code: string, message?: RegExp, label = ''): void {
  const where = `${label ? `${label}: ` : ''}${describeResponse(res)}`;
  assert.equal(res.status, status, where);
  assert.ok(res.json && typeof res.json === 'object', `not JSON: ${where}`);
  assert.deepEqual(Object.keys(res.json), ['object', 'location', 'code', 'message'], where);
  assert.equal(res.json.object, 'error', where);
  assert.equal(res.json.code, code, where);
  assert.equal(res.json.location, `https://www.omise.co/api-errors#${code.replaceAll('_', '-')}`, where);
  assert.equal(typeof res.json.message, 'string', where);
  assert.ok(res.json.message.length > 0, where);
  if (message) assert.match(res.json.message, message, where);
  const type = String(res.headers['content-type'] ?? '');
  assert.match(type, /^application\/json/, `content-type ${type}: ${where}`);
}

/** Whatever the reply is, it is an Omise error object (any 4xx code). */
function isOmiseErrorBody(res: TestResponse): boolean {
  const json = res.json;
  return (
    json !== null &&
    typeof json === 'object' &&
    !Array.isArray(json) &&
    json.object === 'error' &&
    typeof json.code === 'string' &&
    /^[a-z_]+$/.test(json.code) &&
    typeof json.message === 'string' &&
    json.message.length > 0 &&
    json.location === `https://www.omise.co/api-errors#${json.code.replaceAll('_', '-')}`
  );
}

interface Snapshot {
  charges: number;
  events: number;
  otherCharges: number;
  rows: { sources: number; charges: number; events: number };
}

async function countRows(h: Harness, table: 'sources' | 'charges' | 'events'): Promise<number> {
  const row = await h.store.read
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function snapshot(h: Harness): Promise<Snapshot> {
  const charges = await h.request({ url: '/charges', key: h.keys.secretKey });
  const events = await h.request({ url: '/events', key: h.keys.secretKey });
  const otherCharges = await h.request({ url: '/charges', key: h.other.secretKey });
  for (const res of [charges, events, otherCharges]) assert.equal(res.status, 200, describeResponse(res));
  return {
    charges: charges.json.total,
    events: events.json.total,
    otherCharges: otherCharges.json.total,
    rows: { sources: await countRows(h, 'sources'), charges: await countRows(h, 'charges'), events: await countRows(h, 'events') },
  };
}

/** Runs `body` and checks that no charge, event or source appeared meanwhile. */
async function changesNothing(h: Harness, body: () => Promise<void>): Promise<void> {
  const before = await snapshot(h);
  await body();
  assert.deepEqual(await snapshot(h), before, 'bad input must change nothing');
}

async function createSource(h: Harness, amount = 400000, key = h.keys.publicKey): Promise<any> {
  const res = await h.request({ method: 'POST', url: '/sources', key, form: `amount=${amount}&currency=THB&type=truemoney_qr` });
  assert.equal(res.status, 200, describeResponse(res));
  return res.json;
}

async function createCharge(h: Harness, amount = 400000): Promise<any> {
  const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
  assert.equal(res.status, 200, describeResponse(res));
  return res.json;
}

/** `{"a":{"a":...1...}}` nested `depth` levels, built as text (JSON.stringify would recurse). */
function nestedObjectJson(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

function nestedArrayJson(depth: number): string {
  return '['.repeat(depth) + '1' + ']'.repeat(depth);
}

describeEachStore('bad input: request bodies', (h) => {
  test('a body that is not valid JSON is 400 bad_request on every kind of route', async () => {
    await changesNothing(h, async () => {
      const bodies = ['{', '{"amount":', "{'amount':400000}", '{"amount":400000,}', '{"amount": 400000 "currency": "THB"}', 'nul', '{"a":1}}', '\u0000', 'NaN', '{"a":"\\x"}'];
      for (const body of bodies) {
        for (const [method, url, key] of [
          ['POST', '/sources', h.keys.publicKey],
          ['POST', '/charges', h.keys.secretKey],
          ['PATCH', '/charges/chrg_test_000000000000000000a', h.keys.secretKey],
          ['GET', '/charges', h.keys.secretKey],
          ['GET', '/events', h.keys.secretKey],
        ] as const) {
          const res = await h.request({ method, url, key, body, headers: { 'content-type': 'application/json' } });
          assertOmiseError(res, 400, 'bad_request', /JSON/i, `${method} ${url} ${JSON.stringify(body)}`);
        }
      }
    });
  });

  test('a JSON array or scalar body is 400 bad_request, not a crash and not a validation error', async () => {
    await changesNothing(h, async () => {
      for (const body of ['[]', '[{"amount":400000,"currency":"THB","type":"truemoney_qr"}]', '[1,2,3]', '42', '-1', '"truemoney_qr"', 'true', 'false', '1e400']) {
        for (const [method, url, key] of [
          ['POST', '/sources', h.keys.publicKey],
          ['POST', '/charges', h.keys.secretKey],
          ['GET', '/charges', h.keys.secretKey],
        ] as const) {
          const res = await h.request({ method, url, key, body, headers: { 'content-type': 'application/json' } });
          assertOmiseError(res, 400, 'bad_request', /object/i, `${method} ${url} ${body}`);
        }
      }
    });
  });

  test('a body over 1 MiB is 400 bad_request, as JSON and as form data', async () => {
    await changesNothing(h, async () => {
      const padding = 'x'.repeat(mib + 16);
      const json = JSON.stringify({ ...seedCharge, source: { type: 'truemoney_qr' }, description: padding });
      const form = `amount=400000&currency=THB&source[type]=truemoney_qr&description=${padding}`;
      const sourceForm = `amount=400000&currency=THB&type=truemoney_qr&name=${padding}`;
      const cases: Array<[string, string, string, string, string]> = [
        ['POST', '/charges', h.keys.secretKey, json, 'application/json'],
        ['POST', '/charges', h.keys.secretKey, form, 'application/x-www-form-urlencoded'],
        ['POST', '/sources', h.keys.publicKey, sourceForm, 'application/x-www-form-urlencoded'],
        ['POST', '/sources', h.keys.publicKey, JSON.stringify({ amount: 400000, currency: 'THB', type: 'truemoney_qr', name: padding }), 'application/json'],
        ['POST', '/charges', h.keys.secretKey, form, 'text/plain'],
        ['GET', '/charges', h.keys.secretKey, JSON.stringify({ limit: 10, pad: padding }), 'application/json'],
        ['GET', '/events', h.keys.secretKey, `limit=10&pad=${padding}`, 'application/x-www-form-urlencoded'],
      ];
      for (const [method, url, key, body, type] of cases) {
        const res = await h.request({ method, url, key, body, headers: { 'content-type': type } });
        assertOmiseError(res, 400, 'bad_request', /large|big|size|bytes|MiB|1048576/i, `${method} ${url} ${type} ${body.length} bytes`);
      }
    });
  });

  test('JSON nested 50 and 10,000 levels deep is 400 bad_request (no crash, no 500)', async () => {
    await changesNothing(h, async () => {
      for (const depth of [50, 10_000]) {
        const charge = `{"amount":400000,"currency":"THB","source":{"type":"truemoney_qr"},"metadata":${nestedObjectJson(depth)}}`;
        const chargeArrays = `{"amount":400000,"currency":"THB","source":{"type":"truemoney_qr"},"metadata":{"list":${nestedArrayJson(depth)}}}`;
        const source = `{"amount":400000,"currency":"THB","type":"truemoney_qr","extra":${nestedObjectJson(depth)}}`;
        const cases: Array<[string, string, string, string]> = [
          ['POST', '/charges', h.keys.secretKey, charge],
          ['POST', '/charges', h.keys.secretKey, chargeArrays],
          ['POST', '/sources', h.keys.publicKey, source],
          ['POST', '/sources', h.keys.publicKey, nestedObjectJson(depth)],
          ['GET', '/charges', h.keys.secretKey, `{"limit":5,"x":${nestedObjectJson(depth)}}`],
        ];
        for (const [method, url, key, body] of cases) {
          const res = await h.request({ method, url, key, body, headers: { 'content-type': 'application/json' } });
          assertOmiseError(res, 400, 'bad_request', /nest|deep|depth/i, `${method} ${url} depth ${depth}`);
        }
        // The same nesting as a top-level array is refused for being an array.
        const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, body: nestedArrayJson(depth), headers: { 'content-type': 'application/json' } });
        assertOmiseError(res, 400, 'bad_request', undefined, `top-level array depth ${depth}`);
      }
    });
    const alive = await h.request({ url: '/charges', key: h.keys.secretKey });
    assert.equal(alive.status, 200);
  });

  test('form data nested 100 brackets deep is 400 bad_request, not silently flattened', async () => {
    await changesNothing(h, async () => {
      const brackets = Array.from({ length: 100 }, (_, i) => `[k${i}]`).join('');
      const encoded = Array.from({ length: 100 }, (_, i) => `%5Bk${i}%5D`).join('');
      const cases: Array<[string, string, string]> = [
        ['/sources', h.keys.publicKey, `amount=400000&currency=THB&type=truemoney_qr&extra${brackets}=1`],
        ['/sources', h.keys.publicKey, `amount=400000&currency=THB&type=truemoney_qr&extra${encoded}=1`],
        ['/charges', h.keys.secretKey, `amount=400000&currency=THB&source[type]=truemoney_qr&metadata${brackets}=1`],
        ['/charges', h.keys.secretKey, `amount=400000&currency=THB&source[type]=truemoney_qr&metadata${encoded}=1`],
      ];
      for (const [url, key, form] of cases) {
        const res = await h.request({ method: 'POST', url, key, form });
        assertOmiseError(res, 400, 'bad_request', /nest|deep|depth/i, `POST ${url} ${form.slice(0, 80)}...`);
      }
    });
  });

  test('a query string nested 100 brackets deep is 400 bad_request', async () => {
    await changesNothing(h, async () => {
      const brackets = Array.from({ length: 100 }, (_, i) => `[k${i}]`).join('');
      for (const url of [`/charges?limit=5&x${brackets}=1`, `/events?x${brackets}=1`]) {
        const res = await h.request({ url, key: h.keys.secretKey });
        assertOmiseError(res, 400, 'bad_request', /nest|deep|depth/i, `GET ${url.slice(0, 60)}...`);
      }
    });
  });

  test('unsupported content types are 400 bad_request naming the type', async () => {
    await changesNothing(h, async () => {
      const form = 'amount=400000&currency=THB&type=truemoney_qr&source[type]=truemoney_qr';
      const types = ['application/xml', 'text/xml', 'multipart/form-data; boundary=xyz', 'text/csv', 'application/graphql', 'image/png'];
      for (const type of types) {
        for (const [url, key, body] of [
          ['/sources', h.keys.publicKey, form],
          ['/charges', h.keys.secretKey, form],
          ['/charges', h.keys.secretKey, '<charge><amount>400000</amount></charge>'],
          ['/charges', h.keys.secretKey, `--xyz\r\nContent-Disposition: form-data; name="amount"\r\n\r\n400000\r\n--xyz--\r\n`],
        ] as const) {
          const res = await h.request({ method: 'POST', url, key, body, headers: { 'content-type': type } });
          assertOmiseError(res, 400, 'bad_request', /content.type|not supported/i, `POST ${url} as ${type}`);
          assert.ok(res.json.message.includes(type.split(';')[0]), `the message names ${type}: ${res.json.message}`);
        }
      }
    });
  });

  test('a malformed percent-encoding in the path is an Omise error, not Fastify\'s', async () => {
    await changesNothing(h, async () => {
      for (const url of ['/charges/%E0%A4%A', '/sources/%zz', '/charges/chrg_test_x%/documents/docu_test_x/downloads/ABC', '/events/%']) {
        const res = await h.request({ url, key: h.keys.secretKey });
        assert.ok(res.status === 400 || res.status === 404, `${url}: ${describeResponse(res)}`);
        assertOmiseError(res, res.status, res.status === 400 ? 'bad_request' : 'not_found', undefined, `GET ${url}`);
      }
    });
  });

  test('an over-long id in the path is an Omise error, not Fastify\'s', async () => {
    await changesNothing(h, async () => {
      for (const url of [`/charges/chrg_test_${'a'.repeat(200)}`, `/sources/${'s'.repeat(5000)}`, `/events/evnt_${'e'.repeat(101)}`, `/charges/${'c'.repeat(300)}/documents/docu/downloads/0123456789ABCDEF`]) {
        const res = await h.request({ url, key: h.keys.secretKey });
        assert.ok(res.status === 400 || res.status === 404, `${url.slice(0, 40)}: ${describeResponse(res)}`);
        assertOmiseError(res, res.status, res.status === 400 ? 'bad_request' : 'not_found', undefined, `GET ${url.slice(0, 40)}...`);
      }
    });
  });

  test('NUL characters in ids and in string parameters are refused cleanly, never a 500', async () => {
    await changesNothing(h, async () => {
      for (const url of ['/charges/chrg_test_%00', '/sources/src_test_%00abc', '/events/evnt_%00', '/charges/chrg_%00/events', '/charges/chrg_%00/documents/docu_%00', '/charges/chrg_%00/documents/docu_x/downloads/%00']) {
        const res = await h.request({ url, key: h.keys.secretKey });
        assertOmiseError(res, 404, 'not_found', undefined, `GET ${url}`);
      }
      const charge = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { ...seedCharge, source: { type: 'truemoney_qr' }, description: 'order\u0000123' } });
      assertOmiseError(charge, 400, 'invalid_charge', /description/, 'description with NUL');
      const source = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, json: { amount: 400000, currency: 'THB', type: 'truemoney_qr', name: 'a\u0000b' } });
      assertOmiseError(source, 400, 'bad_request', /name/, 'source name with NUL');
      const byId = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: 'amount=400000&currency=THB&source=src_test_%00' });
      assertOmiseError(byId, 400, 'invalid_charge', /source/, 'source id with NUL');
    });
  });
});

describeEachStore('bad input: amounts, metadata and sources', (h) => {
  // [JSON value, what the message is about]
  const absurdAmounts: unknown[] = [-10000, -1, 0, 10000.5, '10000.5', '1e5', 1e30, '1e30', '9007199254740993', 9007199254740993, '', null, true, false, [], [400000], {}, { value: 400000 }, 'ten thousand', '0x2710', ' ', 'NaN', 'Infinity', '400000abc', '-400000', 9999, 5000001];

  test('absurd amounts on POST /sources are 400 bad_request about the amount', async () => {
    await changesNothing(h, async () => {
      for (const amount of absurdAmounts) {
        const res = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, json: { amount, currency: 'THB', type: 'truemoney_qr' } });
        assertOmiseError(res, 400, 'bad_request', /amount/, `amount ${JSON.stringify(amount)}`);
      }
      for (const form of ['amount=-1', 'amount=0', 'amount=10000.5', 'amount=1e5', 'amount=0x2710', 'amount=', 'amount[]=400000', 'amount[a]=1', 'amount=400000&amount=400000', 'amount=%20', 'amount=9007199254740993']) {
        const res = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, form: `${form}&currency=THB&type=truemoney_qr` });
        assertOmiseError(res, 400, 'bad_request', /amount/, form);
      }
    });
  });

  test('absurd amounts on POST /charges are 400 invalid_charge about the amount, inline and by source id', async () => {
    const source = await createSource(h);
    await changesNothing(h, async () => {
      for (const amount of absurdAmounts) {
        for (const sourceParam of [{ type: 'truemoney_qr' }, source.id]) {
          const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount, currency: 'THB', source: sourceParam } });
          assertOmiseError(res, 400, 'invalid_charge', /amount/, `amount ${JSON.stringify(amount)} source ${JSON.stringify(sourceParam)}`);
        }
      }
      for (const form of ['amount=-1', 'amount=0', 'amount=10000.5', 'amount=1e5', 'amount=0x2710', 'amount=', 'amount[]=400000', 'amount[a]=1', 'amount=9007199254740993']) {
        const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: `${form}&currency=THB&source[type]=truemoney_qr` });
        assertOmiseError(res, 400, 'invalid_charge', /amount/, form);
      }
    });
    // The source is still usable: nothing was consumed by the refusals.
    const ok = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { ...seedCharge, source: source.id } });
    assert.equal(ok.status, 200, describeResponse(ok));
  });

  test('metadata that is not an object is 400 invalid_charge', async () => {
    await changesNothing(h, async () => {
      for (const metadata of ['order 42', 5, [1, 2], ['a'], true, '{"order":42}']) {
        const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { ...seedCharge, source: { type: 'truemoney_qr' }, metadata } });
        assertOmiseError(res, 400, 'invalid_charge', /metadata/, `metadata ${JSON.stringify(metadata)}`);
      }
      for (const form of ['metadata=abc', 'metadata[]=1&metadata[]=2']) {
        const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: `amount=400000&currency=THB&source[type]=truemoney_qr&${form}` });
        assertOmiseError(res, 400, 'invalid_charge', /metadata/, form);
      }
    });
  });

  test('another account\'s source is 404 not_found, checked before amount or currency rules', async () => {
    const theirs = await createSource(h, 400000, h.other.publicKey);
    await changesNothing(h, async () => {
      for (const body of [
        { ...seedCharge, source: theirs.id },
        { amount: 500000, currency: 'THB', source: theirs.id },
      ]) {
        const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: body });
        assertOmiseError(res, 404, 'not_found', new RegExp(`source ${theirs.id} was not found`), JSON.stringify(body));
      }
      const unknown = 'src_test_0000000000000000000';
      const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: `amount=400000&currency=THB&source=${unknown}` });
      assertOmiseError(res, 404, 'not_found', new RegExp(`source ${unknown} was not found`), 'unknown source');
      const malformed = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: 'amount=400000&currency=THB&source=tokn_test_123' });
      assertOmiseError(malformed, 400, 'invalid_charge', /source/, 'not a source id');
    });
    // The other account can still charge its own source.
    const own = await h.request({ method: 'POST', url: '/charges', key: h.other.secretKey, json: { ...seedCharge, source: theirs.id } });
    assert.equal(own.status, 200, describeResponse(own));
  });

  test('a source that was already charged is 400 invalid_charge "source has already been used"', async () => {
    const source = await createSource(h);
    const first = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { ...seedCharge, source: source.id } });
    assert.equal(first.status, 200, describeResponse(first));
    const inline = await createCharge(h);
    await changesNothing(h, async () => {
      for (const id of [source.id, inline.source.id]) {
        const again = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { ...seedCharge, source: id } });
        assertOmiseError(again, 400, 'invalid_charge', /source has already been used/, id);
        const form = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: `amount=400000&currency=THB&source=${id}` });
        assertOmiseError(form, 400, 'invalid_charge', /source has already been used/, `${id} as form`);
      }
    });
    const fetched = await h.request({ url: `/charges/${first.json.id}`, key: h.keys.secretKey });
    assert.equal(fetched.json.source.id, source.id);
    assert.equal(fetched.json.status, 'pending');
  });

  test('an amount or currency that differs from the source\'s is 400 invalid_charge', async () => {
    const source = await createSource(h, 400000);
    await changesNothing(h, async () => {
      for (const [body, message] of [
        [{ amount: 500000, currency: 'THB', source: source.id }, /amount/],
        [{ amount: 10000, currency: 'THB', source: source.id }, /amount/],
        [{ amount: '399999', currency: 'THB', source: source.id }, /amount/],
        [{ amount: 400000, currency: 'USD', source: source.id }, /currency/],
        [{ amount: 400000, currency: 'JPY', source: source.id }, /currency/],
        [{ amount: 400000, source: source.id }, /currency/],
      ] as const) {
        const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: body });
        assertOmiseError(res, 400, 'invalid_charge', message, JSON.stringify(body));
      }
    });
    const ok = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { ...seedCharge, source: source.id } });
    assert.equal(ok.status, 200, describeResponse(ok));
  });
});

describeEachStore('bad input: lists, routes and keys', (h) => {
  let chargeId = '';
  test('setup: one charge so lists are not empty', async () => {
    chargeId = (await createCharge(h)).id;
  });

  const listUrls = () => ['/charges', '/events', `/charges/${chargeId}/events`];

  test('limit 0, -1, "x", 1.5 is 422 invalid_per_page', async () => {
    await changesNothing(h, async () => {
      for (const url of listUrls()) {
        for (const limit of ['0', '-1', 'x', '1.5', '1e2', '0x10']) {
          const res = await h.request({ url: `${url}?limit=${limit}`, key: h.keys.secretKey });
          assertOmiseError(res, 422, 'invalid_per_page', /limit/, `${url}?limit=${limit}`);
        }
        // A NUL is refused at the edge, before any parameter's own rule (DECISIONS §9).
        const nul = await h.request({ url: `${url}?limit=%00`, key: h.keys.secretKey });
        assertOmiseError(nul, 400, 'bad_request', /^limit must not contain NUL characters$/, `${url}?limit=%00`);
        // The same in a JSON body on GET (omise-python sends list parameters that way).
        const res = await h.request({ url, key: h.keys.secretKey, json: { limit: 0 } });
        assertOmiseError(res, 422, 'invalid_per_page', /limit/, `${url} {"limit":0}`);
      }
    });
  });

  test('limit 1000 is clamped to 100', async () => {
    for (const url of listUrls()) {
      for (const request of [{ url: `${url}?limit=1000` }, { url, json: { limit: 1000 } }, { url, form: 'limit=1000' }]) {
        const res = await h.request({ ...request, key: h.keys.secretKey });
        assert.equal(res.status, 200, `${url}: ${describeResponse(res)}`);
        assert.equal(res.json.object, 'list');
        assert.equal(res.json.limit, 100, url);
      }
    }
  });

  test('offset -1 is 422 invalid_page', async () => {
    await changesNothing(h, async () => {
      for (const url of listUrls()) {
        for (const offset of ['-1', 'x', '2.5']) {
          const res = await h.request({ url: `${url}?offset=${offset}`, key: h.keys.secretKey });
          assertOmiseError(res, 422, 'invalid_page', /offset/, `${url}?offset=${offset}`);
        }
      }
    });
  });

  test('from "yesterday" (or a bad to, or a bad order) is 422 invalid_filter', async () => {
    await changesNothing(h, async () => {
      for (const url of listUrls()) {
        for (const query of ['from=yesterday', 'to=yesterday', 'from=2025-13-45T00:00:00Z', 'to=not-a-date', 'order=sideways']) {
          const res = await h.request({ url: `${url}?${query}`, key: h.keys.secretKey });
          assertOmiseError(res, 422, 'invalid_filter', undefined, `${url}?${query}`);
        }
      }
    });
  });

  test('unknown routes are 404 not_found', async () => {
    await changesNothing(h, async () => {
      const cases: Array<[string, string]> = [
        ['GET', '/nope'],
        ['GET', '/v1/charges'],
        ['POST', '/charge'],
        ['GET', `/charges/${chargeId}/nope`],
        ['POST', '/sources/src_test_0000000000000000000/charge'],
        ['DELETE', `/charges/${chargeId}`],
        ['PUT', '/charges'],
        ['GET', '/charges/a/b/c/d/e/f/g'],
        ['GET', '/events/evnt_test_x/data'],
      ];
      for (const [method, url] of cases) {
        for (const key of [h.keys.secretKey, undefined]) {
          const res = await h.request({ method, url, key });
          assertOmiseError(res, 404, 'not_found', /not found/, `${method} ${url} ${key ? 'with key' : 'without key'}`);
        }
      }
    });
  });

  test('Omise resources Satang does not serve are 400 feature_not_supported', async () => {
    await changesNothing(h, async () => {
      const paths = [
        '/tokens',
        '/tokens/tokn_test_5086xl7ddjbases4sq3i',
        '/customers',
        '/customers/cust_test_5086xl7ddjbases4sq3i/cards',
        '/cards',
        '/disputes',
        '/disputes/open',
        '/transfers',
        '/recipients',
        '/links',
        '/schedules',
      ];
      for (const path of paths) {
        for (const method of ['GET', 'POST']) {
          const res = await h.request({ method, url: path, key: h.keys.secretKey, ...(method === 'POST' ? { form: 'amount=400000&currency=THB' } : {}) });
          assertOmiseError(res, 400, 'feature_not_supported', /not supported/, `${method} ${path}`);
        }
      }
    });
  });

  test('a static Omise sub-resource under a served resource (GET /charges/schedules) is 400 feature_not_supported, not read as an id', async () => {
    await changesNothing(h, async () => {
      const cases: Array<[string, string]> = [
        ['GET', '/charges/schedules'],
        ['GET', '/charges/schedules/'],
        ['GET', '/charges/schedules?limit=10&order=reverse_chronological'],
        ['PATCH', '/charges/schedules'],
        ['POST', '/charges/schedules'],
        ['DELETE', '/charges/schedules'],
        ['GET', '/charges/schedules/schd_test_5086xl7ddjbases4sq3i'],
        ['GET', '/charges/schedules/events'],
      ];
      for (const [method, url] of cases) {
        for (const key of [h.keys.secretKey, undefined]) {
          const res = await h.request({ method, url, key, ...(method === 'PATCH' || method === 'POST' ? { json: { description: 'x' } } : {}) });
          assertOmiseError(res, 400, 'feature_not_supported', /charge schedules are not supported/, `${method} ${url} ${key ? 'with key' : 'without key'}`);
        }
      }
    });
    // A real charge id beside it is still a charge.
    const charge = await h.request({ url: `/charges/${chargeId}`, key: h.keys.secretKey });
    assert.equal(charge.status, 200, describeResponse(charge));
  });

  test('a public key where a secret key is needed is 401 authentication_failure', async () => {
    await changesNothing(h, async () => {
      const cases: Array<[string, string, object]> = [
        ['POST', '/charges', { json: { ...seedCharge, source: { type: 'truemoney_qr' } } }],
        ['GET', '/charges', {}],
        ['GET', `/charges/${chargeId}`, {}],
        ['PATCH', `/charges/${chargeId}`, { json: { description: 'x' } }],
        ['GET', '/events', {}],
        ['GET', `/charges/${chargeId}/events`, {}],
      ];
      for (const [method, url, extra] of cases) {
        for (const key of [h.keys.publicKey, h.keys.livePublicKey, h.other.publicKey]) {
          const res = await h.request({ method, url, key, ...extra });
          assertOmiseError(res, 401, 'authentication_failure', undefined, `${method} ${url}`);
        }
      }
    });
  });

  test('garbage Authorization headers are 401 authentication_failure', async () => {
    await changesNothing(h, async () => {
      const b64 = (text: string) => Buffer.from(text).toString('base64');
      const headers = [
        'Basic %%%not base64%%%',
        'Basic !!!!',
        'Bearer x',
        `Bearer ${h.keys.secretKey}`,
        '',
        ' ',
        'Basic',
        'Basic ',
        `Basic ${'A'.repeat(10 * 1024)}`,
        `Basic ${b64(`skey_test_${'a'.repeat(10 * 1024)}:`)}`,
        `Basic ${b64('skey_test_5086xl7ddjbases4sq3i:')}`,
        `Basic ${b64(`:${h.keys.secretKey}`)}`,
        `Basic ${b64(h.keys.secretKey.toUpperCase())}`,
        `Basic ${b64(`${h.keys.secretKey}x:`)}`,
        `Digest username="${h.keys.secretKey}"`,
        h.keys.secretKey,
        `Basic ${b64('\u0000\u0001\u0002')}`,
        `Basic ${b64(`${h.keys.publicKey}:${h.keys.secretKey}`)}`,
      ];
      for (const authorization of headers) {
        const res = await h.request({ method: 'POST', url: '/charges', json: { ...seedCharge, source: { type: 'truemoney_qr' } }, headers: { authorization } });
        assertOmiseError(res, 401, 'authentication_failure', undefined, `Authorization: ${authorization.slice(0, 40)}`);
        const list = await h.request({ url: '/charges', headers: { authorization } });
        assertOmiseError(list, 401, 'authentication_failure', undefined, `GET with Authorization: ${authorization.slice(0, 40)}`);
      }
      const none = await h.request({ method: 'POST', url: '/sources', form: 'amount=400000&currency=THB&type=truemoney_qr' });
      assertOmiseError(none, 401, 'authentication_failure', undefined, 'POST /sources without a key');
    });
  });
});

// ---------------------------------------------------------------------------------------
// Seeded fuzz

const fuzzSeed = Number(process.env.SATANG_FUZZ_SEED ?? 20250320);
const fuzzRequests = Number(process.env.SATANG_FUZZ_REQUESTS ?? 300);

class Fuzzer {
  constructor(readonly random: () => number) {}
  int(max: number): number {
    return Math.floor(this.random() * max);
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  string(maxLength = 12): string {
    const alphabets = ['abcdefghijklmnopqrstuvwxyz0123456789', 'ABCDEF0123456789', ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', 'ก ข ค ฿ é ü 中 😀', '\u0000\u0001\u001f\u007f'];
    const alphabet = Array.from(this.pick(alphabets));
    let text = '';
    const length = this.int(maxLength + 1);
    for (let i = 0; i < length; i++) text += this.pick(alphabet);
    return text;
  }
  number(): number {
    return this.pick([0, -1, 1, 9999, 10000, 400000, 5000000, 5000001, 10000.5, -400000, 1e30, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, -0, this.int(1e7)]);
  }
  json(depth: number): unknown {
    const kinds = depth <= 0 ? 5 : 7;
    switch (this.int(kinds)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.number();
      case 3:
        return this.pick(['', 'THB', 'thb', 'USD', 'truemoney_qr', 'promptpay', '400000', '1e5', '0x2710', 'src_test_0000000000000000000', '2025-03-20T09:24:15Z', 'yesterday', this.string()]);
      case 4:
        return this.string(30);
      case 5: {
        const list: unknown[] = [];
        for (let i = this.int(4); i > 0; i--) list.push(this.json(depth - 1));
        return list;
      }
      default: {
        const object: Record<string, unknown> = {};
        for (let i = this.int(6); i > 0; i--) object[this.paramName()] = this.json(depth - 1);
        return object;
      }
    }
  }
  paramName(): string {
    return this.pick(['amount', 'currency', 'type', 'source', 'metadata', 'description', 'return_uri', 'ip', 'email', 'name', 'limit', 'offset', 'from', 'to', 'order', 'webhook_endpoints', 'card', 'customer', 'platform_fee', 'expires_at', 'capture', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', this.string(8)]);
  }
  /** A form string with brackets, arrays and odd encodings. */
  form(): string {
    const pairs: string[] = [];
    for (let i = this.int(7); i > 0; i--) {
      let key = this.paramName();
      for (let depth = this.int(this.chance(0.1) ? 40 : 4); depth > 0; depth--) key += this.pick(['[]', `[${this.paramName()}]`, `[${this.int(100)}]`, '%5B', '%5D', '[', ']']);
      const value = this.pick([String(this.number()), this.string(20), encodeURIComponent(this.string(20)), '%', '%zz', '%E0%A4%A', '']);
      pairs.push(this.chance(0.9) ? `${key}=${value}` : key);
    }
    return pairs.join(this.pick(['&', '&', '&&', ';']));
  }
  bytes(): Buffer {
    const buffer = Buffer.alloc(this.int(300));
    for (let i = 0; i < buffer.length; i++) buffer[i] = this.int(256);
    return buffer;
  }
}

interface FuzzIds {
  source: string;
  charge: string;
  document: string;
  token: string;
  event: string;
  otherCharge: string;
}

function fuzzPath(f: Fuzzer, ids: FuzzIds): string {
  const id = (real: string, prefix: string): string => {
    switch (f.int(10)) {
      case 0:
      case 1:
      case 2:
        return real;
      case 3:
        return `${prefix}_test_${encodeURIComponent(f.string(19))}`;
      case 4:
        return encodeURIComponent(f.string(f.chance(0.2) ? 150 : 20));
      case 5:
      case 9:
        return f.pick(['%00', `${real}%00`, `${prefix}_test_%00`, '%01%7F', '%zz', '%E0%A4%A', '..', '%2F', '%252F', 'null', 'undefined', '0', '-1', ids.otherCharge, ids.charge, ids.source]);
      case 6:
        return real.toUpperCase();
      case 7:
        return `${real}${f.pick(['%00', 'x', '%20', '.json'])}`;
      case 8:
        return `${prefix}_${encodeURIComponent(f.string(19))}`;
      default:
        return real;
    }
  };
  const templates = [
    () => '/sources',
    () => `/sources/${id(ids.source, 'src')}`,
    () => '/capability',
    () => '/charges',
    () => `/charges/${id(ids.charge, 'chrg')}`,
    () => `/charges/${id(ids.charge, 'chrg')}/capture`,
    () => `/charges/${id(ids.charge, 'chrg')}/reverse`,
    () => `/charges/${id(ids.charge, 'chrg')}/events`,
    () => `/charges/${id(ids.charge, 'chrg')}/refunds`,
    () => `/charges/${id(ids.charge, 'chrg')}/expire`,
    () => `/charges/${id(ids.charge, 'chrg')}/mark_as_paid`,
    () => `/charges/${id(ids.charge, 'chrg')}/documents/${id(ids.document, 'docu')}`,
    () => `/charges/${id(ids.charge, 'chrg')}/documents/${id(ids.document, 'docu')}/downloads/${id(ids.token, 'x')}`,
    () => '/events',
    () => `/events/${id(ids.event, 'evnt')}`,
    () => f.pick(['/tokens', '/customers', '/customers/cust_test_x/cards', '/disputes', '/transfers', '/recipients', '/links', '/schedules', '/search', '/account']),
    () => `/${Array.from({ length: 1 + f.int(5) }, () => encodeURIComponent(f.string(10)) || 'x').join('/')}`,
    () => '/',
  ];
  let path = f.pick(templates)();
  if (f.chance(0.1)) path += '/';
  if (f.chance(0.05)) path = path.replace('/', '//');
  if (f.chance(0.3)) path += `?${f.form()}`;
  return path;
}

describeEachStore('bad input: seeded fuzz over every route', (h) => {
  test(`~${fuzzRequests} random requests never get a 500 and every API failure is an Omise error (seed ${fuzzSeed})`, async () => {
    const charge = await createCharge(h);
    const source = await createSource(h);
    const otherCharge = await h.request({ method: 'POST', url: '/charges', key: h.other.secretKey, json: { ...seedCharge, source: { type: 'truemoney_qr' } } });
    const events = await h.request({ url: '/events?order=reverse_chronological&limit=1', key: h.keys.secretKey });
    const image = charge.source.scannable_code.image;
    const ids: FuzzIds = {
      source: source.id,
      charge: charge.id,
      document: image.id,
      token: image.download_uri.split('/').at(-1),
      event: events.json.data[0].id,
      otherCharge: otherCharge.json.id,
    };

    const f = new Fuzzer(seeded(fuzzSeed));
    const methods = ['GET', 'GET', 'POST', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'];
    const contentTypes = [undefined, 'application/json', 'application/json', 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/xml', 'x/y', '', ';;;', 'application/json; charset=latin1'];
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const authorizations = [
      undefined,
      `Basic ${b64(`${h.keys.secretKey}:`)}`,
      `Basic ${b64(`${h.keys.secretKey}:`)}`,
      `Basic ${b64(`${h.keys.publicKey}:`)}`,
      `Basic ${b64(h.keys.secretKey)}`,
      `Basic ${b64(`${h.keys.liveSecretKey}:`)}`,
      `Basic ${b64(`${h.other.secretKey}:`)}`,
      'Bearer x',
      'Basic %%%',
      `Basic ${'A'.repeat(2000)}`,
    ];
    const failures: string[] = [];
    const failureKinds = new Map<string, number>();
    const fail = (label: string, res: TestResponse | undefined, problem: string) => {
      const kind = res ? `${problem} ${res.status} ${res.json?.code ?? res.body.slice(0, 60)}` : problem;
      failureKinds.set(kind, (failureKinds.get(kind) ?? 0) + 1);
      // Up to three examples of each kind of failure.
      if (failureKinds.get(kind)! <= 3) failures.push(`${label} → ${problem}: ${res ? describeResponse(res) : ''}`);
    };

    for (let i = 0; i < fuzzRequests; i++) {
      const method = f.pick(methods);
      const url = fuzzPath(f, ids);
      const headers: Record<string, string> = {};
      const authorization = f.pick(authorizations);
      if (authorization !== undefined) headers.authorization = authorization;
      if (f.chance(0.2)) headers['omise-version'] = f.pick(['2014-07-27', '2015-11-17', '2017-11-02', '2019-05-29', '2019-05-29 ', '1999-01-01', 'latest', f.string(10).replace(/[^\x20-\x7e]/g, '')]);
      if (f.chance(0.1)) headers['idempotency-key'] = f.string(20).replace(/[^\x21-\x7e]/g, 'k') || 'k';
      if (f.chance(0.1)) headers.origin = 'https://shop.example';
      if (f.chance(0.05)) headers['x-forwarded-for'] = f.pick(['1.2.3.4', 'garbage', '']);

      let payload: string | Buffer | undefined;
      let shape = 'none';
      switch (f.int(5)) {
        case 0:
          break;
        case 1:
        case 2:
          payload = JSON.stringify(f.json(f.int(12)));
          shape = 'json';
          break;
        case 3:
          payload = f.form();
          shape = 'form';
          break;
        default:
          payload = f.bytes();
          shape = 'bytes';
      }
      if (payload !== undefined) {
        const type = f.pick(contentTypes);
        if (type !== undefined) headers['content-type'] = type;
      }

      const label = `seed ${fuzzSeed} #${i}: ${method} ${url.slice(0, 160)} [${shape}${payload !== undefined ? ` ${payload.length}B` : ''}, content-type ${headers['content-type'] ?? '-'}, auth ${headers.authorization?.slice(0, 14) ?? '-'}]`;
      let res: TestResponse;
      try {
        const raw = await h.app.inject({ method: method as any, url, headers, payload });
        let json: any;
        try {
          json = JSON.parse(raw.body);
        } catch {
          json = undefined;
        }
        res = { status: raw.statusCode, headers: raw.headers, body: raw.body, json, raw: raw.rawPayload };
      } catch (error) {
        fail(label, undefined, `inject threw ${String(error)}`);
        continue;
      }
      if (res.status >= 500) {
        fail(label, res, 'server error');
        continue;
      }
      // Every API failure is an Omise error (a HEAD reply has no body; redirects are for people).
      if (res.status >= 400 && method !== 'HEAD') {
        if (!isOmiseErrorBody(res)) fail(label, res, 'not an Omise error');
        else if (Object.keys(res.json).length !== 4) fail(label, res, 'extra keys in the error');
      }
    }

    // The server still answers a normal request.
    const alive = await h.request({ url: `/charges/${charge.id}`, key: h.keys.secretKey });
    assert.equal(alive.status, 200, `after the fuzz: ${describeResponse(alive)}`);
    assert.equal(alive.json.id, charge.id);
    const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { ...seedCharge, source: { type: 'truemoney_qr' } } });
    assert.equal(created.status, 200, `after the fuzz: ${describeResponse(created)}`);

    const summary = [...failureKinds].map(([kind, count]) => `  ${count} × ${kind}`).join('\n');
    assert.ok(failures.length === 0, `fuzz (seed ${fuzzSeed}; replay with SATANG_FUZZ_SEED=${fuzzSeed}, SATANG_FUZZ_REQUESTS=${fuzzRequests}) found bad replies:\n${summary}\nexamples:\n${failures.join('\n')}`);
  });
});
