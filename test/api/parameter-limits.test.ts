/**
 * Form bodies and query strings past the parser's limits (DECISIONS §9, §10): more than 1,000
 * parameters, or an array over 100 elements, is a 400 bad_request that says which limit, and
 * nothing is stored. Before, qs cut the form at 1,000 parameters without a word, so a charge was
 * made without the description and return_uri that came last.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formNestingDepthMax, requestArrayElementsMax, requestParametersMax } from '../../src/domain/limits.js';
import { describeEachStore, type Harness, type TestResponse } from '../support/harness.js';

function assertBadRequest(res: TestResponse, message: RegExp, label: string): void {
  const where = `${label}: ${res.status} ${res.body.slice(0, 300)}`;
  assert.equal(res.status, 400, where);
  assert.deepEqual(Object.keys(res.json ?? {}), ['object', 'location', 'code', 'message'], where);
  assert.equal(res.json.code, 'bad_request', where);
  assert.match(res.json.message, message, where);
}

async function countRows(h: Harness, table: 'charges' | 'sources' | 'events'): Promise<number> {
  const row = await h.store.read
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function rowCounts(h: Harness) {
  return { charges: await countRows(h, 'charges'), sources: await countRows(h, 'sources'), events: await countRows(h, 'events') };
}

/** A charge form with `metadataKeys` metadata entries between the required fields and description + return_uri. */
function chargeForm(metadataKeys: number): string {
  const metadata = Array.from({ length: metadataKeys }, (_, i) => `metadata[k${i}]=v`);
  return ['amount=400000', 'currency=THB', 'source[type]=truemoney_qr', ...metadata, 'description=order%2042', 'return_uri=https%3A%2F%2Fshop.example%2Fdone'].join('&');
}

describeEachStore('request parameter limits: never silently cut', (h) => {
  test(`a form of ${requestParametersMax} parameters is served whole`, async () => {
    const form = chargeForm(requestParametersMax - 5);
    assert.equal(form.split('&').length, requestParametersMax);
    const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form });
    assert.equal(res.status, 200, res.body.slice(0, 300));
    assert.equal(res.json.description, 'order 42');
    assert.equal(res.json.return_uri, 'https://shop.example/done');
    assert.equal(Object.keys(res.json.metadata).length, requestParametersMax - 5);
  });

  test(`a form of ${requestParametersMax + 1} parameters is 400 "too many parameters" and no charge is made`, async () => {
    const before = await rowCounts(h);
    for (const extra of [1, 500]) {
      const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: chargeForm(requestParametersMax - 5 + extra) });
      assertBadRequest(res, new RegExp(`too many parameters.*${requestParametersMax}`), `${requestParametersMax + extra} parameters`);
    }
    // The same on the other form routes, and in a GET body read by hand.
    const many = Array.from({ length: requestParametersMax + 1 }, (_, i) => `p${i}=1`).join('&');
    for (const [method, url, key] of [
      ['POST', '/sources', h.keys.publicKey],
      ['PATCH', '/charges/chrg_test_000000000000000000a', h.keys.secretKey],
      ['GET', '/charges', h.keys.secretKey],
    ] as const) {
      const res = await h.request({ method, url, key, form: many });
      assertBadRequest(res, /too many parameters/, `${method} ${url}`);
    }
    assert.deepEqual(await rowCounts(h), before);
  });

  test(`a query string of ${requestParametersMax + 1} parameters is 400 "too many parameters"`, async () => {
    const before = await rowCounts(h);
    const query = Array.from({ length: requestParametersMax + 1 }, (_, i) => `p${i}=1`).join('&');
    for (const [method, url] of [
      ['GET', '/charges'],
      ['GET', '/events'],
      ['POST', '/charges'],
    ] as const) {
      const res = await h.request({ method, url: `${url}?${query}`, key: h.keys.secretKey, ...(method === 'POST' ? { json: { amount: 400000, currency: 'THB', source: { type: 'truemoney_qr' } } } : {}) });
      assertBadRequest(res, /too many parameters/, `${method} ${url}?<${requestParametersMax + 1} parameters>`);
    }
    assert.deepEqual(await rowCounts(h), before);
  });

  test(`an array of more than ${requestArrayElementsMax} elements is 400 naming the array limit, in a form body and a query string`, async () => {
    const before = await rowCounts(h);
    const tags = (count: number, indexed = false) => Array.from({ length: count }, (_, i) => `metadata[tags][${indexed ? i : ''}]=t${i}`).join('&');
    const arrayLimit = new RegExp(`array.*more than ${requestArrayElementsMax} elements`);
    for (const [label, form] of [
      ['101 metadata[tags][]', tags(requestArrayElementsMax + 1)],
      ['metadata[tags][0..100]', tags(requestArrayElementsMax + 1, true)],
      ['metadata[tags][500]', 'metadata[tags][500]=x'],
    ] as const) {
      const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: `amount=400000&currency=THB&source[type]=truemoney_qr&${form}` });
      assertBadRequest(res, arrayLimit, label);
      const query = await h.request({ url: `/charges?${form}`, key: h.keys.secretKey });
      assertBadRequest(query, arrayLimit, `query ${label}`);
    }
    assert.deepEqual(await rowCounts(h), before);
    // At the limit, an array is an array.
    const ok = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: `amount=400000&currency=THB&source[type]=truemoney_qr&${tags(requestArrayElementsMax)}` });
    assert.equal(ok.status, 200, ok.body.slice(0, 300));
    assert.equal(ok.json.metadata.tags.length, requestArrayElementsMax);
  });

  test('a query string nested too deeply still says so, and each limit names itself', async () => {
    const deep = `a${'[b]'.repeat(formNestingDepthMax + 1)}=1`;
    const res = await h.request({ url: `/charges?${deep}`, key: h.keys.secretKey });
    assertBadRequest(res, /nested too deeply/, deep);
    const form = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: `amount=400000&currency=THB&source[type]=truemoney_qr&${deep}` });
    assertBadRequest(form, /nested too deeply/, `form ${deep}`);
    const many = await h.request({ url: `/charges?${Array.from({ length: requestParametersMax + 1 }, (_, i) => `p${i}=1`).join('&')}`, key: h.keys.secretKey });
    assertBadRequest(many, /too many parameters/, 'a query string of too many parameters');
    assert.doesNotMatch(many.json.message, /nested/);
  });
});
