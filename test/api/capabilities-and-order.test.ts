/**
 * Capabilities tell nothing of each other (DECISIONS §2): a charge's pay2 reference, document id,
 * download token and QR ref1 are random, so an account that knows only its own ids cannot reach
 * another account's payment page, QR or simulator. And order finer than a second comes from the
 * sequence the store assigns in the writing transaction: lists, a charge's events and its refunds
 * come out in the order they were made and applied (a refund is dated inside the transaction that
 * applies it), whatever the ids.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { voidDebitSatang } from '../../src/domain/refunds.js';
import { describeEachStore, type Harness } from '../support/harness.js';

/** A wall clock a test moves by hand: many requests in one millisecond, or a request dated before the one before it. */
const clock = { ms: Date.parse('2026-03-02T03:04:05.678Z'), nowMs: () => clock.ms };

function suffixValue(id: string): bigint {
  let value = 0n;
  for (const ch of id.slice(id.lastIndexOf('_') + 1).toLowerCase()) value = value * 36n + BigInt(parseInt(ch, 36));
  return value;
}

function base36Suffix(value: bigint): string {
  return value.toString(36).padStart(19, '0');
}

async function createCharge(h: Harness, key: string, extra: Record<string, unknown> = {}) {
  const res = await h.request({ method: 'POST', url: '/charges', key, json: { amount: 40000, currency: 'THB', source: { type: 'truemoney_qr' }, ...extra } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

describeEachStore(
  'capabilities are random, and lists keep the order things happened in',
  (h) => {
    test("an account knowing only its own ids cannot find another account's payment page or QR", async () => {
      // Both accounts make charges in the same millisecond, interleaved: ids that counted up within a
      // millisecond made each account's references its neighbours' ids.
      const theirs: any[] = [];
      const mine: any[] = [];
      await Promise.all(
        Array.from({ length: 20 }, async (_, index) => {
          const [other, own] = await Promise.all([
            createCharge(h, h.other.secretKey, { return_uri: `https://other.example/orders/${index}` }),
            createCharge(h, h.keys.secretKey),
          ]);
          theirs.push(other);
          mine.push(own);
        }),
      );
      const theirRefs = new Set(theirs.map((charge) => charge.authorize_uri.match(/payments\/(pay2_test_[0-9a-z]{19})\//)[1]));
      const theirDocuments = new Set(theirs.map((charge) => charge.source.scannable_code.image.id));
      // Everything this account holds: its charges', sources' and events' ids.
      const ownIds: string[] = [];
      for (const charge of mine) {
        ownIds.push(charge.id, charge.source.id, charge.source.scannable_code.image.id);
        const events = await h.request({ url: `/charges/${charge.id}/events`, key: h.keys.secretKey });
        ownIds.push(...events.json.data.map((event: any) => event.id));
      }
      let found = 0;
      let probes = 0;
      for (const id of ownIds) {
        for (let delta = -8n; delta <= 8n; delta++) {
          const guess = base36Suffix(suffixValue(id) + delta);
          if (theirRefs.has(`pay2_test_${guess}`) || theirDocuments.has(`docu_test_${guess}`)) found++;
          // The page's status: amount and return_uri of whoever's payment it is.
          if (delta !== 0n && probes++ < 400) {
            const status = await h.request({ url: `/payments/pay2_test_${guess}/status` });
            assert.equal(status.status, 404, `pay2_test_${guess} answered ${status.body.slice(0, 200)}`);
          }
        }
      }
      assert.equal(found, 0, "another account's pay2 or document id is a neighbour of this account's ids");
      for (const charge of theirs) {
        const pay2 = charge.authorize_uri.match(/payments\/(pay2_test_[0-9a-z]{19})\//)[1];
        // Nothing of the id is in the references: not the time prefix, not the random part.
        assert.notEqual(pay2.slice(-19, -8), charge.id.slice(-19, -8), `${pay2} shares its leading characters with ${charge.id}`);
      }
    });

    test('the QR ref1 is 16 random characters, derived from no id', async () => {
      const charge = await createCharge(h, h.keys.secretKey);
      const row = await h.store.read.selectFrom('charges').select(['qr_ref1', 'payment_ref', 'document_id']).where('id', '=', charge.id).executeTakeFirstOrThrow();
      assert.match(row.qr_ref1, /^[A-Z0-9]{16}$/);
      for (const id of [charge.id, charge.source.id, row.payment_ref, row.document_id]) {
        assert.ok(!id.toUpperCase().includes(row.qr_ref1.slice(0, 8)), `ref1 ${row.qr_ref1} shares characters with ${id}`);
      }
    });

    test('charges made in one millisecond are listed in the order they were made, and so are their events', async () => {
      clock.ms += 60_000;
      const made: string[] = [];
      for (let index = 0; index < 25; index++) made.push((await createCharge(h, h.keys.secretKey, { description: `order ${index}` })).id);
      const from = `from=${encodeURIComponent(new Date(clock.ms).toISOString())}`;
      const window = `${from}&limit=100`;
      const forward = await h.request({ url: `/charges?${window}`, key: h.keys.secretKey });
      assert.deepEqual(
        forward.json.data.map((charge: any) => charge.id),
        made,
      );
      const backward = await h.request({ url: `/charges?${window}&order=reverse_chronological`, key: h.keys.secretKey });
      assert.deepEqual(
        backward.json.data.map((charge: any) => charge.id),
        [...made].reverse(),
      );
      // Pages of 7 join up to the same list.
      const paged: string[] = [];
      for (let offset = 0; offset < 25; offset += 7) {
        paged.push(...(await h.request({ url: `/charges?${from}&limit=7&offset=${offset}`, key: h.keys.secretKey })).json.data.map((charge: any) => charge.id));
      }
      assert.deepEqual(paged, made);
      // A charge's own events, all in the same millisecond: create, update, complete.
      const id = made[0];
      await h.request({ method: 'PATCH', url: `/charges/${id}`, key: h.keys.secretKey, json: { description: 'changed' } });
      await h.request({ method: 'POST', url: `/charges/${id}/mark_as_paid`, key: h.keys.secretKey });
      const events = await h.request({ url: `/charges/${id}/events`, key: h.keys.secretKey });
      assert.deepEqual(
        events.json.data.map((event: any) => event.key),
        ['charge.create', 'charge.update', 'charge.complete'],
      );
      const all = await h.request({ url: `/events?${from}&order=reverse_chronological&limit=3`, key: h.keys.secretKey });
      assert.deepEqual(
        all.json.data.map((event: any) => [event.key, event.data.id]),
        [
          ['charge.complete', id],
          ['charge.update', id],
          ['charge.create', made[24]],
        ],
      );
    });

    test('refunds are listed in the order they were applied, and the void debits read in that order match the ledger', async () => {
      clock.ms += 60_000;
      const charge = await createCharge(h, h.keys.secretKey, { amount: 100001 });
      const paid = await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: h.keys.secretKey, json: { funding_source: 'wallet_balance' } });
      assert.equal(paid.status, 200, paid.body);
      // Each void is dated a second before the one applied before it: a request read its clock, then
      // waited while another void was applied (as racing requests do on PostgreSQL).
      const amounts = [33333, 7, 25000, 1, 19999];
      const applied: string[] = [];
      for (const amount of amounts) {
        clock.ms -= 1000;
        const res = await h.request({ method: 'POST', url: `/charges/${charge.id}/refunds`, key: h.keys.secretKey, json: { amount, void: true } });
        assert.equal(res.status, 200, res.body);
        applied.push(res.json.id);
      }
      clock.ms += 60_000;
      const listed = (await h.request({ url: `/charges/${charge.id}/refunds`, key: h.keys.secretKey })).json.data;
      assert.deepEqual(
        listed.map((refund: any) => refund.id),
        applied,
        'listed in the order applied',
      );
      for (let index = 1; index < listed.length; index++) assert.ok(listed[index].created_at >= listed[index - 1].created_at, 'never dated before the refund before it');
      const fromRefunds = (await h.request({ url: '/refunds?limit=100&order=reverse_chronological', key: h.keys.secretKey })).json.data.slice(0, amounts.length);
      assert.deepEqual(
        fromRefunds.map((refund: any) => refund.id),
        [...applied].reverse(),
      );
      // DECISIONS §5: with V the voided sum before and after, each void debits its share of the net.
      const transactions = (await h.request({ url: '/transactions?limit=100', key: h.keys.secretKey })).json.data;
      const net = paid.json.net;
      let voided = 0;
      for (const refund of listed) {
        const debit = transactions.find((transaction: any) => transaction.id === refund.transaction);
        assert.ok(debit, `the debit of ${refund.id}`);
        assert.equal(debit.amount, voidDebitSatang(net, 100001, voided, voided + refund.amount), `${refund.id} (${refund.amount}) after ${voided} voided`);
        voided += refund.amount;
      }
      // The charge's events: the refund.create events follow the charge's, in the same order.
      const events = (await h.request({ url: `/charges/${charge.id}/events?limit=100`, key: h.keys.secretKey })).json.data;
      assert.deepEqual(
        events.filter((event: any) => event.key === 'refund.create').map((event: any) => event.data.id),
        applied,
      );
    });
  },
  { wallClock: clock },
);

describeEachStore('racing voids on one charge are listed in the order they were applied', (h) => {
  test('15 voids at once on each of 3 charges: the debits read in listed order match the formula', async () => {
    for (let round = 0; round < 3; round++) {
      const charge = await createCharge(h, h.keys.secretKey, { amount: 100003 });
      const paid = await h.request({ method: 'POST', url: `/charges/${charge.id}/mark_as_paid`, key: h.keys.secretKey, json: { funding_source: 'bank_account' } });
      const amounts = Array.from({ length: 15 }, (_, index) => 1 + ((index * 7919) % 6661));
      const results = await Promise.all(amounts.map((amount) => h.request({ method: 'POST', url: `/charges/${charge.id}/refunds`, key: h.keys.secretKey, json: { amount, void: true } })));
      for (const res of results) assert.equal(res.status, 200, res.body);
      const listed = (await h.request({ url: `/charges/${charge.id}/refunds`, key: h.keys.secretKey })).json.data;
      assert.equal(listed.length, 15);
      const transactions = (await h.request({ url: '/transactions?limit=100&order=reverse_chronological', key: h.keys.secretKey })).json.data;
      let voided = 0;
      for (const refund of listed) {
        const debit = transactions.find((transaction: any) => transaction.id === refund.transaction);
        assert.equal(debit.amount, voidDebitSatang(paid.json.net, 100003, voided, voided + refund.amount), `${refund.id} after ${voided} voided`);
        voided += refund.amount;
      }
    }
  });
});
