/**
 * Two gateway processes on one PostgreSQL database behind nginx, one of them SIGKILLed in
 * the middle of concurrent traffic. What a merchant was told must hold, and background
 * work (expiry, webhook delivery) must be done once per item, by whichever process lives.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { inCi, postgresReady, postgresUrl } from '../support/harness.js';
import { freePort, type Nginx, nginxAvailable, nginxBinary, startNginx } from '../support/nginx.js';
import { type GatewayProcess, startGatewayProcess } from '../support/process.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

const secretKey = 'skey_test_' + 'm'.repeat(19);
const publicKey = 'pkey_test_' + 'n'.repeat(19);
const authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
const hourMs = 3600_000;

let retried = 0;

interface Answer {
  status: number;
  json: any;
}

/**
 * A POST with an Idempotency-Key, retried with the same key while the answer is a
 * gateway error or the connection fails: what a careful client does.
 */
/** The gateways' own logs, shown when one answers 500 so the cause is in the failure. */
let gatewayLogs: () => string = () => '';

async function post(baseUrl: string, path: string, key: string, json: unknown): Promise<Answer | null> {
  for (let attempt = 0; attempt < 20; attempt++) {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(json),
      });
      text = await response.text();
    } catch {
      retried++;
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      retried++;
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    assert.ok(response.status < 500, `${path}: ${response.status} ${text}\n${gatewayLogs()}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      assert.fail(`${path}: ${response.status} is not JSON: ${text.slice(0, 300)}`);
    }
    return { status: response.status, json: parsed };
  }
  return null;
}

async function get(baseUrl: string, path: string): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization } });
  return { status: response.status, json: await response.json() };
}

const skipReason = !postgresReady ? `no PostgreSQL server at ${postgresUrl}` : !nginxAvailable ? `no nginx at ${nginxBinary} (apt-get install nginx)` : undefined;

if (skipReason && inCi) {
  test('two gateway processes behind nginx on one PostgreSQL', () => assert.fail(`${skipReason}, and CI=true requires it`));
} else if (skipReason) {
  process.stderr.write(`# SKIPPING "two gateway processes behind nginx": ${skipReason}\n`);
  describe('two gateway processes behind nginx on one PostgreSQL', { skip: skipReason }, () => {});
} else {
  describe('two gateway processes behind nginx on one PostgreSQL', () => {
    const schema = `t_multi_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'satang-multi-'));
    const db = new pg.Pool({ connectionString: postgresUrl, options: `-c search_path=${schema}`, max: 2 });
    let receiver: Receiver;
    let nginx: Nginx | undefined;
    const gateways: GatewayProcess[] = [];
    gatewayLogs = () => gateways.map((gateway, i) => `--- gateway ${i} log (end):\n${gateway.output().slice(-4000)}`).join('\n');

    before(async () => {
      receiver = await startReceiver();
      // Answers take a moment, so deliveries are in flight when a process dies.
      receiver.respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 30));
    });
    after(async () => {
      await nginx?.stop();
      for (const gateway of gateways) await gateway.kill('SIGKILL');
      await receiver.close();
      await db.query(`drop schema if exists ${schema} cascade`);
      await db.end();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('concurrent traffic, one process SIGKILLed midway: nothing acknowledged lost, nothing done twice, every event delivered', async (t) => {
      const nginxPort = await freePort();
      const env = {
        DATABASE_URL: postgresUrl,
        SATANG_DATABASE_SCHEMA: schema,
        SATANG_DATA_DIR: dataDir,
        SATANG_PUBLIC_URL: `http://127.0.0.1:${nginxPort}`,
        SATANG_TEST_PUBLIC_KEY: publicKey,
        SATANG_TEST_SECRET_KEY: secretKey,
        SATANG_WEBHOOK_TIMEOUT_MS: '2000',
        SATANG_DATABASE_POOL_SIZE: '6',
      };
      // Both start at once on an empty schema: one migrates, one default account is made.
      const starting = await Promise.allSettled([startGatewayProcess(env), startGatewayProcess(env)]);
      for (const result of starting) if (result.status === 'fulfilled') gateways.push(result.value);
      for (const result of starting) if (result.status === 'rejected') throw result.reason;
      const [survivor, victim] = gateways;
      nginx = await startNginx(gateways.map((gateway) => new URL(gateway.url).host), nginxPort);
      const base = nginx.url;
      const accounts = await db.query('select id from accounts');
      assert.equal(accounts.rowCount, 1, 'one default account for two processes');

      assert.equal((await post(base, '/webhook_endpoints', 'endpoint-1', { url: `${receiver.url}/hooks` }))?.status, 200);

      // The same Idempotency-Key sent to both processes at once makes one charge; both get its answer.
      for (let i = 0; i < 10; i++) {
        const body = { amount: 10_000 + i, currency: 'THB', source: { type: 'truemoney_qr' } };
        const [a, b] = await Promise.all(gateways.map((gateway) => post(gateway.url, '/charges', `twin-${i}`, body)));
        assert.equal(a?.status, 200);
        assert.equal(b?.status, 200);
        assert.equal(a!.json.id, b!.json.id, 'one charge for one key across processes');
      }
      assert.equal((await db.query('select count(*)::int as n from charges')).rows[0].n, 10);

      // A clock advanced through one process is the clock of the other at once.
      const before = await get(victim.url, '/test/clock');
      assert.equal((await post(survivor.url, '/test/clock/advance', 'advance-first', { seconds: 3600 }))?.status, 200);
      const afterAdvance = await get(victim.url, '/test/clock');
      // (offset_seconds is rounded to the second, so the reads a moment apart can differ by one.)
      const moved = afterAdvance.json.offset_seconds - before.json.offset_seconds;
      assert.ok(moved >= 3599 && moved <= 3601, `the other process's clock moved ${moved} s`);

      const createKeys: string[] = [];
      const created = new Map<string, { id: string; amount: number }>(); // idempotency key -> charge
      const completed = new Map<string, 'successful' | 'failed'>(); // charge id -> acknowledged outcome
      const refunded = new Map<string, string>(); // charge id -> acknowledged refund id
      const expiredByHand = new Set<string>();
      let advances = 0;
      let sequence = 0;
      let stop = false;
      let killedAt = 0;

      const pick = <T>(items: T[]): T | undefined => items[Math.floor(Math.random() * items.length)];
      const worker = async (index: number) => {
        while (!stop) {
          const n = sequence++;
          const roll = Math.random();
          if (roll < 0.4) {
            const key = `create-${n}`;
            createKeys.push(key);
            const amount = 20_000 + n;
            const answer = await post(base, '/charges', key, { amount, currency: 'THB', source: { type: 'truemoney_qr' }, description: `worker ${index}` });
            if (answer?.status === 200) {
              assert.equal(answer.json.amount, amount);
              created.set(key, { id: answer.json.id, amount });
            }
          } else if (roll < 0.75) {
            const pending = [...created.values()].filter((charge) => !completed.has(charge.id) && !expiredByHand.has(charge.id));
            const charge = pick(pending);
            if (!charge) continue;
            const outcome = Math.random() < 0.8 ? 'successful' : 'failed';
            const path = `/charges/${charge.id}/${outcome === 'successful' ? 'mark_as_paid' : 'mark_as_failed'}`;
            const answer = await post(base, path, `complete-${n}`, {});
            if (answer?.status === 200) {
              assert.equal(answer.json.status, outcome);
              assert.equal(completed.has(charge.id), false, `${charge.id} completed twice: the second was acknowledged`);
              completed.set(charge.id, outcome);
            } else if (answer) {
              assert.equal(answer.status, 400, JSON.stringify(answer.json));
            }
          } else if (roll < 0.9) {
            const paid = [...completed].filter(([id, outcome]) => outcome === 'successful' && !refunded.has(id)).map(([id]) => id);
            const id = pick(paid);
            if (!id) continue;
            const amount = [...created.values()].find((charge) => charge.id === id)!.amount;
            const answer = await post(base, `/charges/${id}/refunds`, `refund-${n}`, { amount });
            if (answer?.status === 200) {
              assert.equal(refunded.has(id), false, `${id} fully refunded twice`);
              refunded.set(id, answer.json.id);
            } else if (answer) {
              assert.equal(answer.status, 400, JSON.stringify(answer.json));
            }
          } else if (roll < 0.95) {
            // Four hours at a time: charges made early in the run reach their 24-hour deadline.
            const answer = await post(base, '/test/clock/advance', `advance-${n}`, { seconds: 4 * 3600 });
            if (answer?.status === 200) advances++;
          } else {
            const pending = [...created.values()].filter((charge) => !completed.has(charge.id) && !expiredByHand.has(charge.id));
            const charge = pick(pending);
            if (!charge) continue;
            const answer = await post(base, `/charges/${charge.id}/expire`, `expire-${n}`, {});
            if (answer?.status === 200) expiredByHand.add(charge.id);
          }
        }
      };

      const started = Date.now();
      const workers = Array.from({ length: 8 }, (_, index) => worker(index));
      // At least 2.5 s and 100 operations before the kill, and as much after it (a loaded machine is slower).
      const phase = async (operations: number) => {
        const from = sequence;
        const phaseStart = Date.now();
        while ((Date.now() - phaseStart < 2500 || sequence - from < operations) && Date.now() - phaseStart < 30_000) await new Promise((r) => setTimeout(r, 50));
      };
      await phase(100);
      await victim.kill('SIGKILL');
      killedAt = sequence;
      await phase(100);
      stop = true;
      await Promise.all(workers);
      const elapsedMs = Date.now() - started;

      // Both processes served traffic before the kill.
      const log = nginx.accessLog();
      for (const gateway of gateways) assert.ok(log.includes(`upstream=${new URL(gateway.url).host}`), `${gateway.url} served nothing`);
      assert.ok(created.size > 30 && completed.size > 15 && refunded.size > 3 && advances >= 1, `too little traffic: ${created.size} created, ${completed.size} completed, ${refunded.size} refunded, ${advances} advances in ${elapsedMs} ms (kill after ${killedAt} operations)`);

      t.diagnostic(
        `${sequence} operations in ${elapsedMs} ms (SIGKILL after ${killedAt}, ${retried} retried after a gateway error): ${created.size} charges, ${completed.size} completions, ${refunded.size} refunds, ${expiredByHand.size} expired by hand, ${advances} clock advances`,
      );
      // Every remaining pending charge reaches its deadline; the survivor's sweep expires it.
      assert.equal((await post(base, '/test/clock/advance', 'advance-final', { seconds: 25 * 3600 }))?.status, 200);
      const deadline = Date.now() + 20_000;
      while ((await db.query(`select 1 from charges where status = 'pending' limit 1`)).rowCount! > 0) {
        assert.ok(Date.now() < deadline, 'pending charges left after the final clock advance');
        await new Promise((r) => setTimeout(r, 100));
      }

      // Every acknowledged object exists, in the state it was acknowledged in (or later).
      for (const { id, amount } of created.values()) {
        const charge = await get(base, `/charges/${id}`);
        assert.equal(charge.status, 200, id);
        assert.equal(charge.json.amount, amount);
        const outcome = completed.get(id);
        if (outcome) assert.equal(charge.json.status, outcome, id);
        if (expiredByHand.has(id)) assert.equal(charge.json.status, 'expired', id);
        const refundId = refunded.get(id);
        if (refundId) {
          const refund = await get(base, `/charges/${id}/refunds/${refundId}`);
          assert.equal(refund.status, 200, refundId);
          assert.equal(charge.json.refunded_amount, amount);
        }
      }

      // One charge per idempotency key: retries across processes replayed, never duplicated.
      const charges = (await db.query('select id, status, amount::int as amount, refunded_amount::int as refunded_amount from charges')).rows;
      assert.equal(new Set([...created.values()].map((charge) => charge.id)).size, created.size);
      assert.ok(charges.length <= createKeys.length + 10, `${charges.length} charges for ${createKeys.length + 10} keys`);
      const amounts = new Set<number>();
      for (const charge of charges) {
        assert.equal(amounts.has(charge.amount), false, `two charges for amount ${charge.amount}: one create made two charges`);
        amounts.add(charge.amount);
      }

      // Every charge is in one final state, reached once: one charge.complete or one
      // charge.expire event, never two, never both; a successful charge is credited once.
      const endings = (
        await db.query(
          `select charge_id, key, count(*)::int as n from events where key in ('charge.complete', 'charge.expire') group by charge_id, key`,
        )
      ).rows;
      const endingsByCharge = new Map<string, Array<{ key: string; n: number }>>();
      for (const row of endings) endingsByCharge.set(row.charge_id, [...(endingsByCharge.get(row.charge_id) ?? []), row]);
      const credits = new Map<string, number>(
        (await db.query(`select origin, count(*)::int as n from transactions where key = 'charge.captured.net' group by origin`)).rows.map((row) => [row.origin, row.n]),
      );
      for (const charge of charges) {
        assert.ok(['successful', 'failed', 'expired'].includes(charge.status), `${charge.id} is ${charge.status}`);
        const rows = endingsByCharge.get(charge.id) ?? [];
        assert.equal(rows.length, 1, `${charge.id} ended ${JSON.stringify(rows)}`);
        assert.equal(rows[0].n, 1, `${charge.id} has ${rows[0].n} ${rows[0].key} events`);
        assert.equal(rows[0].key, charge.status === 'expired' ? 'charge.expire' : 'charge.complete');
        assert.equal(credits.get(charge.id) ?? 0, charge.status === 'successful' ? 1 : 0, `${charge.id} credited ${credits.get(charge.id)} times`);
        const refundSum = (await db.query('select coalesce(sum(amount), 0)::int as total from refunds where charge_id = $1', [charge.id])).rows[0].total;
        assert.equal(charge.refunded_amount, refundSum);
      }

      // Each event reached the receiver at least once (the killed process's leases run out
      // and the survivor sends what it held).
      const eventIds: string[] = (await db.query('select id from events')).rows.map((row) => row.id);
      assert.ok(eventIds.length > created.size);
      await receiver.waitFor((all) => {
        const seen = new Set(all.map((r) => r.json?.id));
        return eventIds.every((id) => seen.has(id));
      }, 30_000);
      const undelivered = (await db.query(`select count(*)::int as n from webhook_jobs where status <> 'delivered'`)).rows[0].n;
      const settleDeadline = Date.now() + 10_000;
      let left = undelivered;
      while (left > 0 && Date.now() < settleDeadline) {
        await new Promise((r) => setTimeout(r, 100));
        left = (await db.query(`select count(*)::int as n from webhook_jobs where status <> 'delivered'`)).rows[0].n;
      }
      assert.equal(left, 0, 'every webhook job is recorded as delivered');
      const sends = new Map<string, number>();
      for (const r of receiver.received) sends.set(r.json?.id, (sends.get(r.json?.id) ?? 0) + 1);
      t.diagnostic(`${eventIds.length} events, ${receiver.received.length} webhook requests (${[...sends.values()].filter((n) => n > 1).length} events sent more than once)`);

      // The survivor still answers, and says so.
      assert.equal((await fetch(`${survivor.url}/readyz`)).status, 200);
    });
  });
}
