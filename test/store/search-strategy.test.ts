/**
 * How a free-text search uses the full-text index when thousands of charges hold its words
 * (store/text-index.ts): a term most charges hold walks the list newest first (no narrowing), a
 * term whose every trigram is common but whose whole is rare is still narrowed, and the answers
 * are the same with and without the index either way.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { sql } from 'kysely';
import { newCapabilityId, newDownloadToken, newId, newQrRef1 } from '../../src/domain/ids.js';
import { planSearch } from '../../src/domain/search.js';
import { dialectOf } from '../../src/store/dialect.js';
import { searchCharges } from '../../src/store/search.js';
import { withSeq } from '../../src/store/sequence.js';
import { ftsCandidatesMax } from '../../src/store/text-index.js';
import { describeEachStore, type Harness } from '../support/harness.js';

/** More charges than the index's candidate bound hold "zebrafish"; each half also holds its own word order. */
const half = 3000;

describeEachStore('search: the full-text index at thousands of matching charges', (h: Harness) => {
  let rare: string;

  before(async () => {
    const res = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' }, description: 'template' } });
    assert.equal(res.status, 200, res.body);
    const template = (await h.store.read.selectFrom('charges').selectAll().where('id', '=', res.json.id).executeTakeFirstOrThrow()) as Record<string, unknown>;
    const { seq: _seq, ...base } = template;
    const clone = (description: string, at: number) => {
      const createdAt = Number(template.created_at) - at * 1000;
      return {
        ...base, id: newId('chrg', false, createdAt), source_id: newId('src', false, createdAt), payment_ref: newCapabilityId('pay2', false), qr_ref1: newQrRef1(),
        document_id: newCapabilityId('docu', false), download_token: newDownloadToken(), description, created_at: createdAt, updated_at: createdAt,
      };
    };
    const rows: Array<Record<string, unknown>> = [];
    for (let i = 0; i < half; i++) rows.push(clone(`Zebrafish food ${i}`, 2 * i + 1), clone(`Food zebrafish ${i}`, 2 * i + 2));
    const odd = clone('zebrafish food zebra', 2 * half + 1);
    rare = odd.id;
    rows.push(odd);
    await h.store.transaction(async (tx) => {
      const numbered = await withSeq(tx as any, 'charges', rows);
      for (let at = 0; at < numbered.length; at += 500) await (tx as any).insertInto('charges').values(numbered.slice(at, at + 500)).execute();
      // Queued for the index as insertCharge queues what it writes (migration 0021).
      for (const row of numbered as Array<{ seq?: number }>) await dialectOf(tx).textIndex.queueNew(tx, row.seq);
    });
    // The statistics the PostgreSQL estimate reads, as autovacuum would gather them.
    if (h.dialect === 'postgres') await sql`analyze charge_texts`.execute(h.store.read);
  });

  test('charges not indexed yet are found all the same; the index job takes them all', async () => {
    const queued = async () => Number((await sql<{ n: number }>`select count(*) as n from charges_fts_queue`.execute(h.store.read)).rows[0].n);
    if (h.dialect === 'sqlite') assert.equal(await queued(), 2 * half + 2, 'every new charge waits in the queue (the template too)');
    // More queued than the candidate bound: a search walks the list, and finds what it always did.
    if (h.dialect === 'sqlite') assert.equal(await dialectOf(h.store.read).textIndex.chargeNarrowing(h.store.read, ['food 2999']), null);
    assert.equal((await same('"food 2999"')).total, 1);
    assert.deepEqual((await same('"fish food zebra"')).rows.map((r) => r.id), [rare]);
    const indexed = await h.gateway.textIndex.runOnce();
    assert.equal(indexed, h.dialect === 'sqlite' ? 2 * half + 2 : 0);
    if (h.dialect === 'sqlite') assert.equal(await queued(), 0);
  });

  const scope = () => ({ accountId: h.keys.accountId, livemode: 0 });
  const same = async (query: string) => {
    const plan = planSearch({ scope: 'charge', query, per_page: 100, order: 'reverse_chronological' });
    const withIndex = await searchCharges(h.store.read, scope(), plan);
    const without = await searchCharges(h.store.read, scope(), plan, { textIndex: false });
    assert.deepEqual(withIndex.rows.map((r) => r.id), without.rows.map((r) => r.id), `"${query}": the same charges`);
    assert.equal(withIndex.total, without.total, `"${query}": the same total`);
    return withIndex;
  };

  test('a word more charges hold than the candidate bound walks the list newest first, with the same answers', async () => {
    assert.ok(2 * half + 1 > ftsCandidatesMax);
    assert.equal(await dialectOf(h.store.read).textIndex.chargeNarrowing(h.store.read, ['zebrafish']), null, 'no narrowing');
    const found = await same('zebrafish');
    assert.equal(found.total, 2 * half + 1);
    assert.equal(found.rows.length, 100);
  });

  test('a phrase whose every trigram is common but whose whole is rare is still narrowed to the one charge', async () => {
    const narrowing = await dialectOf(h.store.read).textIndex.chargeNarrowing(h.store.read, ['fish food zebra']);
    assert.ok(narrowing, 'narrowed by the index');
    const found = await same('"fish food zebra"');
    assert.deepEqual(found.rows.map((r) => r.id), [rare]);
  });

  test('a rare word among them is narrowed and found', async () => {
    assert.ok(await dialectOf(h.store.read).textIndex.chargeNarrowing(h.store.read, ['food 2999']));
    const found = await same('"food 2999"');
    assert.equal(found.total, 1);
    assert.match(found.rows[0].description ?? '', /^Zebrafish food 2999$/);
  });
});
