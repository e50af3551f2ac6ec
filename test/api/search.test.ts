/**
 * GET /search (DECISIONS §10) as a merchant sees it: every query term and filter, amounts in baht
 * (as Omise takes them), dates as Asia/Bangkok days, order, pages, limits, every malformed input a
 * 400 saying what is wrong, refunds, and never another account's or the other mode's objects.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { describeEachStore, type Harness, type TestResponse } from '../support/harness.js';

const secondMs = 1000;
const dayMs = 24 * 3600 * secondMs;
/** The wall clock, moved by hand from 2026-11-27 10:00 in Bangkok. */
const startMs = Date.UTC(2026, 10, 27, 3, 0, 0);
const wall = { ms: startMs, nowMs() { return this.ms; } };

function show(res: TestResponse): string {
  return `${res.status} ${res.body.slice(0, 400)}`;
}

describeEachStore(
  'GET /search',
  (h) => {
    /** c1..c4 in creation order. */
    const c: any[] = [];
    let voidRefund: any;
    let otherCharge: any;

    const create = async (key: string, body: Record<string, unknown>) => {
      const res = await h.request({ method: 'POST', url: '/charges', key, json: { currency: 'THB', source: { type: 'truemoney_qr' }, ...body } });
      assert.equal(res.status, 200, show(res));
      return res.json;
    };
    const search = (query: string, key = h.keys.secretKey) => h.request({ url: `/search?${query}`, key });
    const ids = (res: TestResponse) => {
      assert.equal(res.status, 200, show(res));
      return res.json.data.map((object: any) => object.id);
    };
    const badRequest = async (query: string, message: RegExp) => {
      const res = await search(query);
      assert.equal(res.status, 400, `${query}: ${show(res)}`);
      assert.equal(res.json.object, 'error');
      assert.equal(res.json.code, 'bad_request', query);
      assert.match(res.json.message, message, query);
    };

    before(async () => {
      wall.ms = startMs;
      // Day one (2026-11-27 in Bangkok): a pending charge, and a paid one with a void.
      c.push(await create(h.keys.secretKey, { amount: 100000, description: 'Blue mug', metadata: { order_id: 987654, customer: { name: 'Somchai Jaidee' } } }));
      c.push(await create(h.keys.secretKey, { amount: 250050, description: 'Red kettle', metadata: { order_id: '43', gift: true } }));
      const paid = await h.request({ method: 'POST', url: `/charges/${c[1].id}/mark_as_paid`, key: h.keys.secretKey });
      assert.equal(paid.status, 200, show(paid));
      const voided = await h.request({ method: 'POST', url: `/charges/${c[1].id}/refunds`, key: h.keys.secretKey, json: { amount: 1000, metadata: { reason: 'damaged box' } } });
      assert.equal(voided.status, 200, show(voided));
      voidRefund = voided.json;
      // Two days later (2026-11-29): a failed charge and an expired one.
      wall.ms += 2 * dayMs;
      c.push(await create(h.keys.secretKey, { amount: 100000, description: 'Green 100% tea_leaf' }));
      assert.equal((await h.request({ method: 'POST', url: `/charges/${c[2].id}/mark_as_failed`, key: h.keys.secretKey })).status, 200);
      wall.ms += 5 * secondMs;
      c.push(await create(h.keys.secretKey, { amount: 30000 }));
      assert.equal((await h.request({ method: 'POST', url: `/charges/${c[3].id}/expire`, key: h.keys.secretKey })).status, 200);
      // Another merchant's charge that reads just like c1.
      otherCharge = await create(h.other.secretKey, { amount: 100000, description: 'Blue mug', metadata: { order_id: 987654 } });
    });

    describe('the answer', () => {
      test('scope=charge alone: every charge of the account and mode, oldest first, 30 a page, with the Omise search keys', async () => {
        const res = await search('scope=charge');
        assert.equal(res.status, 200, show(res));
        assert.deepEqual(Object.keys(res.json), ['object', 'order', 'scope', 'query', 'filters', 'page', 'per_page', 'total_pages', 'total', 'location', 'data']);
        assert.deepEqual({ ...res.json, data: undefined }, {
          object: 'search',
          order: 'chronological',
          scope: 'charge',
          query: '',
          filters: {},
          page: 1,
          per_page: 30,
          total_pages: 1,
          total: 4,
          location: '/search',
          data: undefined,
        });
        assert.deepEqual(ids(res), c.map((charge) => charge.id));
      });

      test('charges are rendered exactly as GET /charges/:id renders them', async () => {
        const res = await search(`scope=charge&query=${encodeURIComponent(`id:${c[1].id}`)}`);
        const one = await h.request({ url: `/charges/${c[1].id}`, key: h.keys.secretKey });
        assert.deepEqual(res.json.data, [one.json]);
        assert.equal(one.json.refunds.data[0].id, voidRefund.id);
      });

      test('order=reverse_chronological: newest first', async () => {
        const res = await search('scope=charge&order=reverse_chronological');
        assert.equal(res.json.order, 'reverse_chronological');
        assert.deepEqual(ids(res), c.map((charge) => charge.id).reverse());
      });

      test('page and per_page: the pages, total and total_pages; past the last page an empty page', async () => {
        const first = await search('scope=charge&per_page=3');
        assert.deepEqual(ids(first), c.slice(0, 3).map((charge) => charge.id));
        assert.equal(first.json.total_pages, 2);
        assert.equal(first.json.total, 4);
        const second = await search('scope=charge&per_page=3&page=2');
        assert.deepEqual(ids(second), [c[3].id]);
        assert.equal(second.json.page, 2);
        const past = await search('scope=charge&per_page=3&page=3');
        assert.deepEqual(ids(past), []);
        assert.equal(past.json.total, 4);
        const none = await search(`scope=charge&query=${encodeURIComponent('no such thing')}`);
        assert.equal(none.json.total, 0);
        assert.equal(none.json.total_pages, 0);
        assert.equal((await search('scope=charge&per_page=100')).json.per_page, 100);
      });

      test('the empty filters= the node SDK sends is no filter, as every empty parameter is', async () => {
        const res = await search('scope=charge&query=&filters=&order=&page=&per_page=');
        assert.equal(res.json.total, 4, show(res));
        assert.deepEqual(res.json.filters, {});
      });
    });

    describe('query', () => {
      test('free text is found in descriptions, case-insensitively', async () => {
        assert.deepEqual(ids(await search('scope=charge&query=blue')), [c[0].id]);
        assert.deepEqual(ids(await search('scope=charge&query=BLUE+MUG')), [c[0].id]);
        assert.deepEqual(ids(await search('scope=charge&query=kettle')), [c[1].id]);
      });

      test('in metadata values at any depth, numbers too, but not in metadata keys', async () => {
        assert.deepEqual(ids(await search('scope=charge&query=somchai')), [c[0].id]);
        assert.deepEqual(ids(await search('scope=charge&query=987654')), [c[0].id]);
        assert.deepEqual(ids(await search('scope=charge&query=order_id')), []);
        assert.deepEqual(ids(await search('scope=charge&query=customer')), []);
      });

      test('in ids, the pay2 reference and the QR ref1 (any part, any case)', async () => {
        const charge = c[1];
        assert.deepEqual(ids(await search(`scope=charge&query=${charge.id}`)), [charge.id]);
        assert.deepEqual(ids(await search(`scope=charge&query=${charge.id.slice(-12)}`)), [charge.id]);
        assert.deepEqual(ids(await search(`scope=charge&query=${charge.source.id}`)), [charge.id]);
        const paid = await h.request({ url: `/charges/${charge.id}`, key: h.keys.secretKey });
        assert.deepEqual(ids(await search(`scope=charge&query=${paid.json.transaction}`)), [charge.id]);
        const pay2 = charge.source.provider_references.reference_number_1;
        assert.deepEqual(ids(await search(`scope=charge&query=${pay2}`)), [charge.id]);
        const ref1 = (await h.store.read.selectFrom('charges').select('qr_ref1').where('id', '=', charge.id).executeTakeFirstOrThrow()).qr_ref1;
        assert.deepEqual(ids(await search(`scope=charge&query=${ref1.toLowerCase()}`)), [charge.id]);
      });

      test('% and _ are text, not wildcards', async () => {
        assert.deepEqual(ids(await search(`scope=charge&query=${encodeURIComponent('100%')}`)), [c[2].id]);
        assert.deepEqual(ids(await search(`scope=charge&query=${encodeURIComponent('%')}`)), [c[2].id]);
        assert.deepEqual(ids(await search('scope=charge&query=a_l')), [c[2].id]);
        // As a wildcard, "d_k" would find "Red kettle".
        assert.deepEqual(ids(await search('scope=charge&query=d_k')), []);
      });

      test('quotes keep spaces and colons in one term of text', async () => {
        assert.deepEqual(ids(await search(`scope=charge&query=${encodeURIComponent('"red kettle"')}`)), [c[1].id]);
        assert.deepEqual(ids(await search(`scope=charge&query=${encodeURIComponent('"kettle red"')}`)), []);
        assert.deepEqual(ids(await search(`scope=charge&query=${encodeURIComponent('"10:30"')}`)), []);
      });

      test('amount: is in baht (as Omise takes it): a value, two decimals, or a range', async () => {
        assert.deepEqual(ids(await search('scope=charge&query=amount:1000')), [c[0].id, c[2].id]);
        assert.deepEqual(ids(await search('scope=charge&query=amount:2500.5')), [c[1].id]);
        assert.deepEqual(ids(await search('scope=charge&query=amount:2500.50')), [c[1].id]);
        assert.deepEqual(ids(await search('scope=charge&query=amount:1000..2000')), [c[0].id, c[2].id]);
        assert.deepEqual(ids(await search('scope=charge&query=amount:1000.01..')), [c[1].id]);
        assert.deepEqual(ids(await search('scope=charge&query=amount:..300')), [c[3].id]);
        assert.deepEqual(ids(await search('scope=charge&query=amount:100000')), []);
      });

      test('status: and id:', async () => {
        assert.deepEqual(ids(await search('scope=charge&query=status:successful')), [c[1].id]);
        assert.deepEqual(ids(await search('scope=charge&query=Status:EXPIRED')), [c[3].id]);
        assert.deepEqual(ids(await search('scope=charge&query=status:reversed')), []);
        assert.deepEqual(ids(await search(`scope=charge&query=id:${c[2].id}`)), [c[2].id]);
        assert.deepEqual(ids(await search(`scope=charge&query=id:${c[2].id}+id:${c[1].id}`)), []);
      });

      test('every term must hold, and so must every filter beside the query', async () => {
        assert.deepEqual(ids(await search('scope=charge&query=blue+status:pending')), [c[0].id]);
        assert.deepEqual(ids(await search('scope=charge&query=blue+status:successful')), []);
        assert.deepEqual(ids(await search('scope=charge&query=amount:1000&filters[status]=failed')), [c[2].id]);
        assert.deepEqual(ids(await search('scope=charge&query=blue+kettle')), []);
      });

      test('the answer echoes the query as asked', async () => {
        const res = await search(`scope=charge&query=${encodeURIComponent('Blue  amount:1000')}`);
        assert.equal(res.json.query, 'Blue  amount:1000');
        assert.deepEqual(ids(res), [c[0].id]);
      });
    });

    describe('filters', () => {
      test('status and amount (baht), echoed back', async () => {
        const res = await search('scope=charge&filters[status]=expired');
        assert.deepEqual(ids(res), [c[3].id]);
        assert.deepEqual(res.json.filters, { status: 'expired' });
        const amount = await search('scope=charge&filters[amount]=1000..2600');
        assert.deepEqual(ids(amount), [c[0].id, c[1].id, c[2].id]);
        assert.deepEqual(amount.json.filters, { amount: '1000..2600' });
      });

      test('created: a date is its whole Asia/Bangkok day; ranges take in their last day; either end open', async () => {
        assert.deepEqual(ids(await search('scope=charge&filters[created]=2026-11-27')), [c[0].id, c[1].id]);
        assert.deepEqual(ids(await search('scope=charge&filters[created]=2026-11-28')), []);
        assert.deepEqual(ids(await search('scope=charge&filters[created]=2026-11-29')), [c[2].id, c[3].id]);
        assert.deepEqual(ids(await search('scope=charge&filters[created]=2026-11-27..2026-11-29')), c.map((charge) => charge.id));
        assert.deepEqual(ids(await search('scope=charge&filters[created]=2026-11-28..')), [c[2].id, c[3].id]);
        assert.deepEqual(ids(await search('scope=charge&filters[created]=..2026-11-28')), [c[0].id, c[1].id]);
        // 2026-11-27 10:00 in Bangkok is 03:00Z; the day began at 2026-11-26T17:00:00Z.
        assert.deepEqual(ids(await search('scope=charge&filters[created]=2026-11-26T17:00:00Z..2026-11-27T02:59:59Z')), []);
        assert.deepEqual(ids(await search(`scope=charge&filters[created]=${encodeURIComponent('2026-11-27T10:00:00+07:00')}`)), [c[0].id, c[1].id]);
        assert.deepEqual(ids(await search(`scope=charge&filters[created]=${c[3].created_at}`)), [c[3].id]);
      });

      test('metadata[key]: a top-level value, strings and numbers alike; nested objects match nothing', async () => {
        const res = await search('scope=charge&filters[metadata][order_id]=987654');
        assert.deepEqual(ids(res), [c[0].id]);
        assert.deepEqual(res.json.filters, { 'metadata[order_id]': '987654' });
        assert.deepEqual(ids(await search('scope=charge&filters[metadata][order_id]=43')), [c[1].id]);
        assert.deepEqual(ids(await search('scope=charge&filters[metadata][gift]=true')), [c[1].id]);
        assert.deepEqual(ids(await search('scope=charge&filters[metadata][order_id]=43&filters[metadata][gift]=false')), []);
        assert.deepEqual(ids(await search('scope=charge&filters[metadata][customer]=Somchai')), []);
        assert.deepEqual(ids(await search('scope=charge&filters[metadata][nope]=43')), []);
      });

      test('a JSON body works as well as the query string, with a flat metadata[key] as a string map sends it', async () => {
        const res = await h.request({ url: '/search', key: h.keys.secretKey, json: { scope: 'charge', filters: { 'metadata[order_id]': '43', amount: 2500.5 }, per_page: 5 } });
        assert.deepEqual(ids(res), [c[1].id]);
        assert.deepEqual(res.json.filters, { 'metadata[order_id]': '43', amount: '2500.5' });
        assert.equal(res.json.per_page, 5);
      });
    });

    describe('refunds', () => {
      test('scope=refund: the account\'s refunds and voids, rendered as everywhere else', async () => {
        const res = await search('scope=refund');
        assert.equal(res.json.scope, 'refund');
        assert.deepEqual(res.json.data, [voidRefund]);
      });

      test('found by their id, their charge\'s id, its pay2 reference, their metadata, amount (baht), status and date', async () => {
        const pay2 = c[1].source.provider_references.reference_number_1;
        for (const query of [voidRefund.id, c[1].id, pay2, 'damaged', 'amount:10', 'status:closed', `id:${voidRefund.id}`]) {
          assert.deepEqual(ids(await search(`scope=refund&query=${encodeURIComponent(query)}`)), [voidRefund.id], query);
        }
        for (const query of [c[0].id, 'kettle', 'amount:2500.50', 'status:pending', `id:${c[1].id}`]) {
          assert.deepEqual(ids(await search(`scope=refund&query=${encodeURIComponent(query)}`)), [], query);
        }
        assert.deepEqual(ids(await search('scope=refund&filters[created]=2026-11-27&filters[metadata][reason]=damaged+box')), [voidRefund.id]);
        assert.deepEqual(ids(await search('scope=refund&filters[created]=2026-11-29')), []);
      });

      test('a charge status is not a refund status', async () => {
        await badRequest('scope=refund&filters[status]=successful', /filters\[status\] must be one of pending, closed, failed for refunds/);
      });
    });

    describe('isolation', () => {
      test('another account\'s objects are never found, and it finds only its own', async () => {
        assert.deepEqual(ids(await search('scope=charge&query=blue')), [c[0].id]);
        assert.deepEqual(ids(await search(`scope=charge&query=${otherCharge.id}`)), []);
        assert.deepEqual(ids(await search(`scope=charge&query=id:${otherCharge.id}`)), []);
        assert.deepEqual(ids(await search('scope=charge&query=blue', h.other.secretKey)), [otherCharge.id]);
        assert.deepEqual(ids(await search('scope=charge&filters[metadata][order_id]=987654', h.other.secretKey)), [otherCharge.id]);
        assert.deepEqual(ids(await search('scope=refund', h.other.secretKey)), []);
      });

      test('the live key finds none of the test-mode objects', async () => {
        for (const query of ['scope=charge', 'scope=charge&query=blue', `scope=charge&query=id:${c[0].id}`, 'scope=refund']) {
          const res = await search(query, h.keys.liveSecretKey);
          assert.equal(res.json.total, 0, query);
          assert.deepEqual(res.json.data, [], query);
        }
      });

      test('a secret key is needed', async () => {
        for (const key of [h.keys.publicKey, undefined, 'skey_test_5zzzzzzzzzzzzzzzzzz']) {
          const res = await h.request({ url: '/search?scope=charge', key });
          assert.equal(res.status, 401, show(res));
          assert.equal(res.json.code, 'authentication_failure');
        }
      });
    });

    describe('malformed input is 400 bad_request saying what is wrong', () => {
      const cases: Array<[string, RegExp]> = [
        ['query=blue', /scope is required: charge or refund/],
        ['scope=dispute', /scope must be charge or refund, not "dispute"/],
        ['scope[]=charge', /scope must be text/],
        ['scope=charge&order=newest', /order must be chronological or reverse_chronological/],
        ['scope=charge&page=0', /page must be a whole number of 1 or more/],
        ['scope=charge&page=-1', /page must be a whole number/],
        ['scope=charge&page=1.5', /page must be a whole number/],
        ['scope=charge&per_page=0', /per_page must be a whole number of 1 or more/],
        ['scope=charge&per_page=101', /per_page must be at most 100/],
        ['scope=charge&per_page=100&page=101', /first 10000 results/],
        ['scope=charge&query=colour:blue', /unknown field "colour:"; the fields are amount:, status:, id:/],
        ['scope=charge&query=amount:', /amount: needs a value/],
        ['scope=charge&query=amount:abc', /amount: must be an amount in baht/],
        ['scope=charge&query=amount:10.123', /amount: must be an amount in baht/],
        ['scope=charge&query=amount:-5', /amount: must be an amount in baht/],
        ['scope=charge&query=amount:2000..1000', /start is above its end/],
        ['scope=charge&query=amount:..', /must be an amount in baht/],
        ['scope=charge&query=status:paid', /status: must be one of pending, successful, failed, expired, reversed for charges, not "paid"/],
        ['scope=charge&query=id:chrg-x', /id: must be an object id/],
        [`scope=charge&query=${encodeURIComponent('"open')}`, /quote that is not closed/],
        [`scope=charge&query=${'x'.repeat(501)}`, /query must be at most 500 characters/],
        [`scope=charge&query=${Array.from({ length: 21 }, (_, i) => `t${i}`).join('+')}`, /more than 20 terms/],
        ['scope=charge&filters=status', /filters must be an object/],
        ['scope=charge&filters[captured]=true', /filters\[captured\] is not a filter Satang knows/],
        ['scope=charge&filters[status]=bogus', /filters\[status\] must be one of/],
        ['scope=charge&filters[amount]=1,000', /filters\[amount\] must be an amount in baht/],
        ['scope=charge&filters[created]=2026-02-30', /filters\[created\] must be a date/],
        ['scope=charge&filters[created]=2026-11-27T10:00:00', /with its zone/],
        ['scope=charge&filters[created]=yesterday', /filters\[created\] must be a date/],
        ['scope=charge&filters[created]=2026-11-29..2026-11-27', /start is after its end/],
        ['scope=charge&filters[metadata]=x', /filters\[metadata\] must be an object/],
        ['scope=charge&filters[metadata][a][b]=x', /filters\[metadata\]\[a\] must be text, not an object/],
        [`scope=charge&${Array.from({ length: 11 }, (_, i) => `filters[metadata][k${i}]=v`).join('&')}`, /at most 10 metadata filters/],
        [`scope=charge&filters[status]=${'x'.repeat(201)}`, /filters\[status\] must be at most 200 characters/],
      ];
      for (const [query, message] of cases) {
        test(query.length > 80 ? `${query.slice(0, 80)}...` : query, async () => {
          await badRequest(query, message);
        });
      }
    });
  },
  { wallClock: wall },
);
