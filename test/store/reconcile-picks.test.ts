/**
 * Which live charges the reconciliation sweep asks the bank about (store/providers.ts liveChargesToReconcile), and
 * that finding them reads only the charges of accounts with a live provider: the sweep runs every 30 s on every
 * gateway, and on SQLite its reads hold the event loop, so a plan that walks the charges table (every test-mode
 * charge too) stalls every request for as long as the table takes to read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { chargeExpiryMs } from '../../src/domain/limits.js';
import { liveChargesToReconcile } from '../../src/store/providers.js';
import { describeEachStore, withLiveProvider } from '../support/harness.js';
import { chargeIndexesOf, statementsOf } from '../support/plans.js';

const hourMs = 3_600_000;

describeEachStore('the reconciliation sweep asks about the pending and lately expired live charges of accounts with a provider', (h) => {
  const nowMs = Date.now();
  const ids: Record<string, string> = {};

  /** A charge made through the API, then given the mode, status and times the case needs. */
  async function charge(name: string, key: string, row: { livemode: number; status: string; createdAgoMs: number; expiredAgoMs?: number }): Promise<void> {
    const made = await h.request({ method: 'POST', url: '/charges', key, json: { amount: 40000, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(made.status, 200, made.body);
    ids[name] = made.json.id;
    const createdAt = nowMs - row.createdAgoMs;
    const expiresAt = row.expiredAgoMs === undefined ? createdAt + chargeExpiryMs : nowMs - row.expiredAgoMs;
    await h.store.transaction((tx) =>
      sql`update charges set livemode = ${row.livemode}, status = ${row.status}, created_at = ${createdAt}, expires_at = ${expiresAt}, expired_at = ${row.status === 'expired' ? expiresAt : null} where id = ${made.json.id}`.execute(tx),
    );
  }

  test('pending and lately expired, newest and nearest their deadline; not test mode, not another state, not an account without a provider', async () => {
    await withLiveProvider(h.store, h.keys.accountId);
    const key = h.keys.secretKey;
    await charge('newest', key, { livemode: 1, status: 'pending', createdAgoMs: 1 * hourMs });
    await charge('middle', key, { livemode: 1, status: 'pending', createdAgoMs: 5 * hourMs });
    await charge('oldest', key, { livemode: 1, status: 'pending', createdAgoMs: 23 * hourMs });
    // Expired 10 minutes ago, at its deadline, a day after it was made: its deadline is the nearest of all.
    await charge('justExpired', key, { livemode: 1, status: 'expired', createdAgoMs: chargeExpiryMs + 10 * 60_000, expiredAgoMs: 10 * 60_000 });
    // Expired by hand an hour and a half ago: past the window.
    await charge('longExpired', key, { livemode: 1, status: 'expired', createdAgoMs: 3 * hourMs, expiredAgoMs: 1.5 * hourMs });
    await charge('paid', key, { livemode: 1, status: 'successful', createdAgoMs: 2 * hourMs });
    await charge('testMode', key, { livemode: 0, status: 'pending', createdAgoMs: 0.5 * hourMs });
    await charge('noProvider', h.other.secretKey, { livemode: 1, status: 'pending', createdAgoMs: 0.5 * hourMs });

    const name = (id: string) => Object.keys(ids).find((n) => ids[n] === id);
    const all = await liveChargesToReconcile(h.store.read, nowMs, 10, hourMs);
    assert.deepEqual(all.map((row) => name(row.id)).sort(), ['justExpired', 'middle', 'newest', 'oldest']);
    // Taken in turns: the newest made, the nearest its deadline, the next newest, ...
    const four = await liveChargesToReconcile(h.store.read, nowMs, 4, hourMs);
    assert.deepEqual(four.map((row) => name(row.id)), ['newest', 'justExpired', 'middle', 'oldest']);
    const two = await liveChargesToReconcile(h.store.read, nowMs, 2, hourMs);
    assert.deepEqual(two.map((row) => name(row.id)), ['newest', 'justExpired']);
  });

  if (h.dialect === 'sqlite') {
    test("SQLite reads them through the charges' indexes, never the whole table", async () => {
      const statements = await statementsOf(h, (db) => liveChargesToReconcile(db, nowMs, 10, hourMs));
      assert.ok(statements.length > 0);
      for (const statement of statements) {
        const indexes = await chargeIndexesOf(h, statement);
        assert.ok(indexes.length > 0 && !indexes.includes('(scan)'), `${statement.sql}\n${indexes.join(', ')}`);
      }
    });
  }
});
