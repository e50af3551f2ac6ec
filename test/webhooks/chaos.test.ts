/**
 * Webhook chaos (test mode, per endpoint): settings through PATCH /webhook_endpoints/:id and the
 * dashboard, decisions that repeat with their seed, duplicates that verify, first attempts failed on
 * purpose then delivered on the retry schedule, and deliveries held within their reordering window.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifyWebhook } from '../../src/index.js';
import { listAudit } from '../../src/store/operators.js';
import { claimDueJobs } from '../../src/store/webhooks.js';
import { addOperator, type DashboardClient, signIn } from '../support/dashboard.js';
import { describeEachStore, type Harness, secondGateway } from '../support/harness.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

async function charge(h: Harness, request = h.request) {
  const res = await request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 20000, currency: 'THB', source: { type: 'truemoney_qr' } } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

async function advance(h: Harness, seconds: number) {
  const res = await h.request({ method: 'POST', url: '/test/clock/advance', key: h.keys.secretKey, json: { seconds } });
  assert.equal(res.status, 200, res.body);
}

async function addEndpoint(h: Harness, url: string, key = h.keys.secretKey) {
  const res = await h.request({ method: 'POST', url: '/webhook_endpoints', key, json: { url } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

async function setChaos(h: Harness, endpointId: string, chaos: unknown, key = h.keys.secretKey) {
  const res = await h.request({ method: 'PATCH', url: `/webhook_endpoints/${endpointId}`, key, json: { chaos } });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

async function removeEndpoint(h: Harness, endpointId: string, key = h.keys.secretKey) {
  assert.equal((await h.request({ method: 'DELETE', url: `/webhook_endpoints/${endpointId}`, key })).status, 200);
}

/** The charge.create event of a charge, with every delivery attempt. */
async function createEvent(h: Harness, chargeId: string) {
  const list = await h.request({ url: `/charges/${chargeId}/events`, key: h.keys.secretKey });
  const found = list.json.data.find((event: any) => event.key === 'charge.create');
  return (await h.request({ url: `/events/${found.id}`, key: h.keys.secretKey })).json;
}

/** What chaos recorded for each charge's charge.create at one URL: its attempts' satang_chaos, oldest first. */
async function recordedDecisions(h: Harness, chargeIds: string[], uri: string) {
  const decisions = [];
  for (const id of chargeIds) {
    const event = await createEvent(h, id);
    decisions.push(event.webhook_deliveries.filter((delivery: any) => delivery.uri === uri).map((delivery: any) => delivery.satang_chaos));
  }
  return decisions;
}

describeEachStore(
  'webhook chaos: settings, decisions, duplicates, simulated failures',
  (h) => {
    let receiver: Receiver;
    let client: DashboardClient;
    before(async () => {
      receiver = await startReceiver();
      await addOperator(h.store, 'ops@example.com');
      client = await signIn(h.app, 'ops@example.com');
    });
    after(() => releaseAll([['the receiver', () => receiver?.close()]]));
    const drain = () => h.gateway.webhooks.drain();

    test('settings through PATCH: defaults, form bodies, every bound checked, null turns chaos off, live refused', async () => {
      const endpoint = await addEndpoint(h, `${receiver.url}/settings`);
      assert.equal(endpoint.chaos, null);
      const defaults = await setChaos(h, endpoint.id, {});
      assert.deepEqual({ ...defaults.chaos, seed: 0 }, { duplicate_rate: 0, delay_ms: [0, 0], reorder_window_ms: 0, fail_first_attempts: 0, seed: 0 });
      assert.ok(Number.isSafeInteger(defaults.chaos.seed) && defaults.chaos.seed > 0, 'a seed is chosen and shown');
      const form = await h.request({
        method: 'PATCH',
        url: `/webhook_endpoints/${endpoint.id}`,
        key: h.keys.secretKey,
        form: 'chaos[duplicate_rate]=0.5&chaos[delay_ms][0]=10&chaos[delay_ms][1]=20&chaos[reorder_window_ms]=30&chaos[fail_first_attempts]=1&chaos[seed]=9',
      });
      assert.equal(form.status, 200, form.body);
      const nine = { duplicate_rate: 0.5, delay_ms: [10, 20], reorder_window_ms: 30, fail_first_attempts: 1, seed: 9 };
      assert.deepEqual(form.json.chaos, nine);
      const refusals: Array<[unknown, RegExp]> = [
        [{ duplicate_rate: 1.5 }, /chaos\.duplicate_rate must be a number from 0 to 1/],
        [{ duplicate_rate: -0.1 }, /chaos\.duplicate_rate/],
        [{ delay_ms: [500, 100] }, /min \(500\) must not be more than max \(100\)/],
        [{ delay_ms: [0, 3_600_001] }, /chaos\.delay_ms must be \[min, max\]: two whole numbers of milliseconds from 0 to 3600000/],
        [{ delay_ms: 100 }, /chaos\.delay_ms must be \[min, max\]/],
        [{ reorder_window_ms: 600_001 }, /chaos\.reorder_window_ms must be a whole number from 0 to 600000/],
        [{ fail_first_attempts: 11 }, /chaos\.fail_first_attempts must be a whole number from 0 to 10/],
        [{ seed: -1 }, /chaos\.seed must be a whole number/],
        [{ seed: 2 ** 53 }, /chaos\.seed must be a whole number/],
        [{ mystery: 1 }, /chaos has no setting "mystery"/],
        ['on', /chaos must be an object of settings, or null to turn chaos off/],
      ];
      for (const [chaos, message] of refusals) {
        const res = await h.request({ method: 'PATCH', url: `/webhook_endpoints/${endpoint.id}`, key: h.keys.secretKey, json: { chaos } });
        assert.equal(res.status, 400, JSON.stringify(chaos));
        assert.equal(res.json.code, 'bad_request');
        assert.match(res.json.message, message);
      }
      const kept = await h.request({ url: `/webhook_endpoints/${endpoint.id}`, key: h.keys.secretKey });
      assert.deepEqual(kept.json.chaos, nine, 'a refused change leaves the settings as they were');
      const enabledOnly = await h.request({ method: 'PATCH', url: `/webhook_endpoints/${endpoint.id}`, key: h.keys.secretKey, json: { enabled: true } });
      assert.deepEqual(enabledOnly.json.chaos, nine, 'a PATCH without chaos keeps it');
      assert.equal((await setChaos(h, endpoint.id, null)).chaos, null);
      assert.equal((await h.request({ url: '/webhook_endpoints', key: h.keys.secretKey })).json.data.find((e: any) => e.id === endpoint.id).chaos, null);

      // Live mode: an endpoint there cannot have chaos, at creation or later; null changes nothing.
      const live = await addEndpoint(h, 'https://shop.example/hooks/live', h.keys.liveSecretKey);
      assert.equal(live.chaos, null);
      const refused = await h.request({ method: 'PATCH', url: `/webhook_endpoints/${live.id}`, key: h.keys.liveSecretKey, json: { chaos: { duplicate_rate: 0.5 } } });
      assert.equal(refused.status, 400);
      assert.equal(refused.json.code, 'bad_request');
      assert.match(refused.json.message, /webhook chaos is only available in test mode/);
      const createdWith = await h.request({ method: 'POST', url: '/webhook_endpoints', key: h.keys.liveSecretKey, json: { url: 'https://shop.example/hooks/live2', chaos: {} } });
      assert.equal(createdWith.status, 400);
      assert.match(createdWith.json.message, /only available in test mode/);
      assert.equal((await setChaos(h, live.id, null, h.keys.liveSecretKey)).chaos, null);
      assert.equal((await h.request({ method: 'PATCH', url: `/webhook_endpoints/${live.id}`, key: h.keys.secretKey, json: { chaos: {} } })).status, 404, 'endpoints are per mode');
      await removeEndpoint(h, live.id, h.keys.liveSecretKey);
      await removeEndpoint(h, endpoint.id);
    });

    test('fail_first_attempts: recorded as simulated failures (nothing sent), then delivered on the retry schedule', async () => {
      const endpoint = await addEndpoint(h, `${receiver.url}/fails`);
      await setChaos(h, endpoint.id, { fail_first_attempts: 2, seed: 1 });
      const secret = (await h.request({ url: '/webhook_secret', key: h.keys.secretKey })).json.secret;
      const made = await charge(h);
      const mine = () => receiver.received.filter((r) => r.path === '/fails' && r.json?.data?.id === made.id);
      await drain();
      assert.equal(mine().length, 0, 'the first attempt sends nothing');
      await advance(h, 13); // first retry: 10 s ± 20 %
      await drain();
      assert.equal(mine().length, 0, 'nor does the second');
      await advance(h, 25); // second retry: 20 s ± 20 %
      await drain();
      assert.equal(mine().length, 1, 'the third is sent');
      assert.ok(verifyWebhook({ secret, headers: mine()[0].headers, rawBody: mine()[0].body }).ok);
      const attempts = (await createEvent(h, made.id)).webhook_deliveries.filter((d: any) => d.uri === endpoint.url);
      assert.deepEqual(attempts.map((d: any) => d.status), [null, null, 200]);
      assert.match(attempts[0].error, /webhook chaos: simulated failure \(attempt 1 of the first 2 that fail\); nothing was sent/);
      assert.equal(attempts[2].error, null);
      assert.deepEqual(
        attempts.map((d: any) => d.satang_chaos),
        [1, 2, 3].map((attempt) => ({ event_number: 1, attempt, duplicate: false, duplicated: false, delay_ms: 0, hold_ms: 0, simulated_failure: attempt < 3 })),
      );
      assert.equal(attempts[2].payload, mine()[0].body, 'the body that was finally sent is the one recorded');
      await removeEndpoint(h, endpoint.id);
    });

    test("another account cannot set or clear chaos on this account's endpoint", async () => {
      const endpoint = await addEndpoint(h, `${receiver.url}/theirs`);
      const set = await h.request({ method: 'PATCH', url: `/webhook_endpoints/${endpoint.id}`, key: h.other.secretKey, json: { chaos: { duplicate_rate: 1, seed: 3 } } });
      assert.deepEqual([set.status, set.json.code], [404, 'not_found']);
      assert.equal((await setChaos(h, endpoint.id, { seed: 5 })).chaos.seed, 5);
      const cleared = await h.request({ method: 'PATCH', url: `/webhook_endpoints/${endpoint.id}`, key: h.other.secretKey, json: { chaos: null } });
      assert.equal(cleared.status, 404);
      assert.equal((await h.request({ url: `/webhook_endpoints/${endpoint.id}`, key: h.keys.secretKey })).json.chaos.seed, 5, 'unchanged');
      await removeEndpoint(h, endpoint.id);
    });

    test('duplicates carry the same event id and a valid signature', async () => {
      const endpoint = await addEndpoint(h, `${receiver.url}/twice`);
      await setChaos(h, endpoint.id, { duplicate_rate: 1, seed: 5 });
      const secret = (await h.request({ url: '/webhook_secret', key: h.keys.secretKey })).json.secret;
      const made = [await charge(h), await charge(h), await charge(h)];
      await drain();
      for (const [index, { id }] of made.entries()) {
        const copies = receiver.received.filter((r) => r.path === '/twice' && r.json?.data?.id === id);
        assert.equal(copies.length, 2, 'sent twice');
        assert.equal(copies[0].json.id, copies[1].json.id, 'the same event id');
        assert.equal(copies[0].body, copies[1].body, 'the same bytes');
        for (const copy of copies) assert.ok(verifyWebhook({ secret, headers: copy.headers, rawBody: copy.body }).ok, 'each copy verifies');
        const recorded = (await recordedDecisions(h, [id], endpoint.url))[0];
        assert.deepEqual(recorded.map((c: any) => [c.event_number, c.duplicated, c.duplicate]).sort(), [
          [index + 1, true, false],
          [index + 1, true, true],
        ]);
      }
      const other = await charge(h);
      await setChaos(h, endpoint.id, null);
      const afterOff = await charge(h);
      await drain();
      assert.equal(receiver.received.filter((r) => r.path === '/twice' && r.json?.data?.id === other.id).length, 2, 'queued before chaos went off: as decided');
      assert.equal(receiver.received.filter((r) => r.path === '/twice' && r.json?.data?.id === afterOff.id).length, 1, 'chaos off: once');
      const plain = (await createEvent(h, afterOff.id)).webhook_deliveries.filter((d: any) => d.uri === endpoint.url);
      assert.equal(plain.length, 1);
      assert.equal('satang_chaos' in plain[0], false, 'no chaos, no satang_chaos key');
      await removeEndpoint(h, endpoint.id);
    });

    test('the same seed and the same events record the same decisions (settings set again, or a test-data reset); another seed, others', async () => {
      const endpoint = await addEndpoint(h, `${receiver.url}/seeded`);
      const settings = { duplicate_rate: 0.5, delay_ms: [100, 900], reorder_window_ms: 1000, fail_first_attempts: 0, seed: 20251127 };
      const run = async (chaos: typeof settings | undefined) => {
        if (chaos) await setChaos(h, endpoint.id, chaos);
        const ids: string[] = [];
        for (let i = 0; i < 16; i++) ids.push((await charge(h)).id);
        // Each job is first due after its decided delay and hold (account clock), then the clock passes them all.
        const jobs = await h.store.read.selectFrom('webhook_jobs').selectAll().where('endpoint_id', '=', endpoint.id).where('status', '=', 'pending').execute();
        assert.ok(jobs.length >= 16);
        for (const job of jobs) {
          const decided = JSON.parse(job.chaos!);
          assert.equal(job.next_attempt_at - job.created_at, decided.delay_ms + decided.hold_ms);
        }
        await advance(h, 2);
        await drain();
        const decisions = await recordedDecisions(h, ids, endpoint.url);
        const delivered = ids.map((id) => receiver.received.filter((r) => r.path === '/seeded' && r.json?.data?.id === id).length);
        assert.deepEqual(delivered, decisions.map((attempts) => attempts.length), 'every copy decided was delivered');
        return decisions.map((attempts) => attempts.sort((a: any, b: any) => Number(a.duplicate) - Number(b.duplicate)));
      };
      const first = await run(settings);
      assert.deepEqual(first.map((attempts) => attempts[0].event_number), Array.from({ length: 16 }, (_, i) => i + 1));
      const flat = first.flat();
      assert.ok(flat.some((c: any) => c.duplicated) && flat.some((c: any) => !c.duplicated), 'some events duplicated, some not');
      assert.ok(flat.every((c: any) => c.delay_ms >= 100 && c.delay_ms <= 900 && c.hold_ms >= 0 && c.hold_ms <= 1000 && c.attempt === 1 && !c.simulated_failure));
      assert.ok(new Set(flat.map((c: any) => c.delay_ms)).size > 5, 'delays vary');
      assert.deepEqual(await run(settings), first, 'the settings set again: the count starts again, the decisions repeat');
      assert.equal((await h.request({ method: 'POST', url: '/test/reset', key: h.keys.secretKey })).status, 200);
      assert.deepEqual(await run(undefined), first, 'after a test-data reset too');
      assert.notDeepEqual(await run({ ...settings, seed: settings.seed + 1 }), first, 'another seed decides otherwise');
      await removeEndpoint(h, endpoint.id);
    });

    test("an endpoint's events are numbered in their writing transactions: two gateways at once take no number twice", async () => {
      const endpoint = await addEndpoint(h, `${receiver.url}/numbered`);
      await setChaos(h, endpoint.id, { seed: 3 });
      const second = await secondGateway(h);
      try {
        await Promise.all([...Array.from({ length: 10 }, () => charge(h)), ...Array.from({ length: 10 }, () => charge(h, second.request))]);
      } finally {
        await second.close();
      }
      const jobs = await h.store.read.selectFrom('webhook_jobs').select('chaos').where('endpoint_id', '=', endpoint.id).execute();
      assert.deepEqual(jobs.map((job) => JSON.parse(job.chaos!).event_number).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
      await removeEndpoint(h, endpoint.id);
    });

    test('the dashboard: chaos set, shown, refused when wrong, turned off; its decisions on the deliveries; not in live mode', async () => {
      const endpoint = await addEndpoint(h, `${receiver.url}/dashboard`);
      const path = `/dashboard/webhooks/endpoints/${endpoint.id}/chaos`;
      let page = await client.get('/dashboard/webhooks');
      assert.match(page.body, new RegExp(`action="${path}"`), 'the form is on the endpoint');
      const saved = await client.post(path, { duplicate_rate: '0', delay_min_ms: '', delay_max_ms: '', reorder_window_ms: '', fail_first_attempts: '1', seed: '77' });
      assert.equal(saved.status, 303, saved.body);
      const api = await h.request({ url: `/webhook_endpoints/${endpoint.id}`, key: h.keys.secretKey });
      assert.deepEqual(api.json.chaos, { duplicate_rate: 0, delay_ms: [0, 0], reorder_window_ms: 0, fail_first_attempts: 1, seed: 77 });
      const made = await charge(h);
      await drain();
      page = await client.get('/dashboard/webhooks');
      const card = page.body.slice(page.body.indexOf(`data-endpoint="${endpoint.id}"`));
      assert.match(card, /data-test="chaos-state">On</);
      assert.match(card, /data-test="chaos-summary">[^<]*first 1 attempts fail · seed 77 · 1 events since set/);
      const row = new RegExp(`${endpoint.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</td>(?:(?!</tr>)[\\s\\S])*data-test="chaos-note">Chaos: event 1, attempt 1 · failed on purpose \\(nothing sent\\)<`);
      assert.match(page.body, row, "the attempt's row says what chaos did");
      assert.equal(receiver.received.filter((r) => r.json?.data?.id === made.id && r.path === '/dashboard').length, 0);
      const wrong = await client.post(path, { delay_min_ms: '500', delay_max_ms: '100' });
      assert.equal(wrong.status, 400);
      assert.match(wrong.body, /The delay must be two whole numbers of milliseconds, the minimum no more than the maximum\./);
      const off = await client.post(path, { off: 'yes', duplicate_rate: '5' });
      assert.equal(off.status, 303);
      assert.equal((await h.request({ url: `/webhook_endpoints/${endpoint.id}`, key: h.keys.secretKey })).json.chaos, null);
      assert.match((await client.get('/dashboard/webhooks')).body, /data-test="chaos-state">Off</);
      const audit = (await listAudit(h.store.read, 20)).filter((entry) => entry.action === 'webhook_endpoint.chaos');
      assert.equal(audit.length, 2, 'the two changes are audited (the refused one is not)');

      const live = await addEndpoint(h, 'https://shop.example/hooks/dashboard-live', h.keys.liveSecretKey);
      assert.equal((await client.post('/dashboard/session/mode', { mode: 'live', back: '/dashboard/webhooks' })).status, 303);
      try {
        const livePage = await client.get('/dashboard/webhooks');
        assert.match(livePage.body, new RegExp(`data-endpoint="${live.id}"`));
        assert.doesNotMatch(livePage.body, /\/chaos"/, 'no chaos form in live mode');
        const refused = await client.post(`/dashboard/webhooks/endpoints/${live.id}/chaos`, { duplicate_rate: '0.5' });
        assert.equal(refused.status, 400);
        assert.match(refused.body, /This is a test-mode tool; switch to test mode to use it\./);
      } finally {
        assert.equal((await client.post('/dashboard/session/mode', { mode: 'test', back: '/dashboard/webhooks' })).status, 303);
      }
      await removeEndpoint(h, live.id, h.keys.liveSecretKey);
      await removeEndpoint(h, endpoint.id);
    });
  },
  { webhookTimeoutMs: 2000 },
);

describeEachStore(
  'webhook chaos: deliveries held within the reordering window (the dispatcher running)',
  (h) => {
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver();
    });
    after(() => releaseAll([['the receiver', () => receiver?.close()]]));

    test('each delivery arrives after its decided delay and hold, never later than delay max + window (+ slack), and not in commit order', async (t) => {
      const endpoint = await addEndpoint(h, `${receiver.url}/window`);
      const [delayMaxMs, windowMs, slackMs] = [150, 400, 2000];
      await setChaos(h, endpoint.id, { delay_ms: [50, delayMaxMs], reorder_window_ms: windowMs, seed: 77 });
      const made: Array<{ id: string; sentAtMs: number; answeredAtMs: number }> = [];
      for (let i = 0; i < 15; i++) {
        const sentAtMs = Date.now();
        const { id } = await charge(h);
        made.push({ id, sentAtMs, answeredAtMs: Date.now() });
      }
      const ids = new Set(made.map((m) => m.id));
      const arrivals = () => receiver.received.filter((r) => r.path === '/window' && r.json?.key === 'charge.create' && ids.has(r.json.data.id));
      await receiver.waitFor(() => arrivals().length === made.length, 20_000);
      // A delivery is recorded after its answer arrives: wait for the attempts in flight to be written.
      await h.gateway.webhooks.drain();
      const decisions = await recordedDecisions(
        h,
        made.map((m) => m.id),
        endpoint.url,
      );
      for (const [index, { id, sentAtMs, answeredAtMs }] of made.entries()) {
        const arrivedAtMs = arrivals().find((r) => r.json.data.id === id)!.atMs;
        const [decided] = decisions[index];
        assert.ok(arrivedAtMs >= sentAtMs + decided.delay_ms + decided.hold_ms, `not before its delay and hold: ${arrivedAtMs - sentAtMs} ms, decided ${decided.delay_ms} + ${decided.hold_ms}`);
        assert.ok(arrivedAtMs <= answeredAtMs + delayMaxMs + windowMs + slackMs, `within the window: ${arrivedAtMs - answeredAtMs} ms after the commit`);
      }
      const arrivalOrder = [...arrivals()].sort((a, b) => a.atMs - b.atMs).map((r) => r.json.data.id);
      // A later charge whose delivery was due, by its decisions, before an earlier one's could be (its commit is
      // known to within the request's round trip): then the window must have reordered them. On a machine slow
      // enough that no such pair exists, the decisions alone cannot reorder anything.
      const postponed = (index: number) => decisions[index][0].delay_ms + decisions[index][0].hold_ms;
      const reversedPair = made.some((earlier, i) => made.some((later, j) => j > i && later.answeredAtMs + postponed(j) < earlier.sentAtMs + postponed(i)));
      if (reversedPair) assert.notDeepEqual(arrivalOrder, made.map((m) => m.id), 'deliveries within the window arrive out of order');
      else t.diagnostic('no pair of deliveries was due out of commit order: the charges were made too slowly for the window to reorder them');
      await removeEndpoint(h, endpoint.id);
    });
  },
  { dispatch: true },
);

describeEachStore('webhook chaos: jobs that fell due while the dispatcher was away are claimed in the order they fell due', (h) => {
  test('a claim of every due job hands them over by due time, not in the order they were written', async () => {
    const endpoint = await addEndpoint(h, 'https://shop.example/hooks/claim-order');
    await setChaos(h, endpoint.id, { delay_ms: [0, 0], reorder_window_ms: 2000, seed: 5 });
    const made = [];
    for (let i = 0; i < 12; i++) made.push((await charge(h)).id);
    const jobs = await h.store.read
      .selectFrom('webhook_jobs')
      .innerJoin('events', 'events.id', 'webhook_jobs.event_id')
      .select(['webhook_jobs.id', 'webhook_jobs.next_attempt_at', 'webhook_jobs.created_at', 'events.object_id'])
      .where('webhook_jobs.endpoint_id', '=', endpoint.id)
      .execute();
    assert.equal(jobs.length, made.length, 'one job a charge');
    const written = made.map((id) => jobs.find((job) => job.object_id === id)!.id);
    // Due time first; jobs due in the same millisecond, the one written first.
    const byDue = [...jobs]
      .sort((a, b) => Number(a.next_attempt_at) - Number(b.next_attempt_at) || Number(a.created_at) - Number(b.created_at) || (a.id < b.id ? -1 : 1))
      .map((job) => job.id);
    // Chaos holds them up to 2 s each: the order they fall due is not the order they were written.
    assert.notDeepEqual(byDue, written, 'the holds reorder the jobs (else this test proves nothing)');
    const farAhead = Date.now() + 60_000;
    const claimed = await h.store.transactionNow((tx) => claimDueJobs(tx, { nowMs: farAhead }, farAhead, farAhead + 30_000, 100));
    assert.deepEqual(
      claimed.map((job) => job.id),
      byDue,
      'claimed in the order they fell due',
    );
  });
});
