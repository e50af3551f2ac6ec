/**
 * The test-mode request log (DECISIONS §10; issue 15 `satang logs tail`): every test-mode API request
 * of an account recorded after its reply, in batches (method, route, path without query, status,
 * duration, request id, Idempotency-Key, key kind and last four), never a secret, a body or a query
 * string, never a live-mode request; kept to a count per account and an age; served as a filtered
 * list (GET /test/requests) and as a stream (GET /test/requests/stream) that shows what every
 * process on the database served.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { describeEachStore, type Harness, postgresUrl, secondGateway } from '../support/harness.js';

const dayMs = 86_400_000;

/** Every text of every request_log row, one string per row. */
async function storedRows(h: Harness): Promise<string[]> {
  const rows = await h.store.read.selectFrom('request_log').selectAll().execute();
  return rows.map((row) => JSON.stringify(row));
}

async function list(h: Harness, query = '', key = h.keys.secretKey) {
  const res = await h.request({ url: `/test/requests${query}`, key });
  assert.equal(res.status, 200, res.body);
  return res.json;
}

describeEachStore(
  'the request log: what is recorded, when, and the list',
  (h) => {
    const flush = () => h.gateway.requestLog.flush();

    test('a request is recorded after its reply, in a batch, with its method, route, path, status, duration, ids and key', async () => {
      const before = (await storedRows(h)).length;
      const res = await h.request({
        method: 'POST',
        url: '/charges',
        key: h.keys.secretKey,
        json: { amount: 40_000, currency: 'THB', source: { type: 'truemoney_qr' } },
        headers: { 'idempotency-key': 'order-1001', 'x-request-id': 'req-log-first' },
      });
      assert.equal(res.status, 200, res.body);
      // Answered, and not written yet: it waits in the queue for its batch.
      assert.equal(h.gateway.requestLog.waiting, 1);
      assert.equal((await storedRows(h)).length, before);
      await flush();
      assert.equal(h.gateway.requestLog.waiting, 0);
      const entries = (await list(h, '?request_id=req-log-first')).data;
      assert.equal(entries.length, 1);
      const [entry] = entries;
      assert.match(entry.id, /^rqlg_test_[0-9a-z]{19}$/);
      assert.match(entry.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.ok(Math.abs(Date.parse(entry.created_at) - Date.now()) < 60_000);
      assert.equal(typeof entry.duration_ms, 'number');
      assert.ok(entry.duration_ms >= 0);
      assert.deepEqual(
        { ...entry, id: undefined, created_at: undefined, duration_ms: undefined },
        {
          object: 'request_log',
          id: undefined,
          livemode: false,
          created_at: undefined,
          method: 'POST',
          route: '/charges',
          path: '/charges',
          status: 200,
          duration_ms: undefined,
          request_id: 'req-log-first',
          idempotency_key: 'order-1001',
          key_kind: 'secret',
          key_last4: h.keys.secretKey.slice(-4),
        },
      );
      // The answer carried the same request id.
      assert.equal(res.headers['x-request-id'], 'req-log-first');
    });

    test('a public-key request shows its kind and last four; a route pattern and a path with ids', async () => {
      const source = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, json: { type: 'truemoney_qr', amount: 40_000, currency: 'THB' }, headers: { 'x-request-id': 'req-log-source' } });
      assert.equal(source.status, 200, source.body);
      const got = await h.request({ url: `/sources/${source.json.id}?limit=5`, key: h.keys.publicKey, headers: { 'x-request-id': 'req-log-source-get' } });
      assert.equal(got.status, 200);
      await flush();
      const [created] = (await list(h, '?request_id=req-log-source')).data;
      assert.equal(created.key_kind, 'public');
      assert.equal(created.key_last4, h.keys.publicKey.slice(-4));
      const [read] = (await list(h, '?request_id=req-log-source-get')).data;
      assert.equal(read.route, '/sources/:id');
      assert.equal(read.path, `/sources/${source.json.id}`, 'the path, without its query string');
      assert.equal(read.idempotency_key, null);
    });

    test('never a secret: no key, no body, no query string in any stored column', async () => {
      const secrets = [h.keys.secretKey, 'hunter2-very-secret-password', 'sk_live_metadata_token_0001', 'query-token-9f8e7d6c5b4a', 'body-that-is-not-json-7a7a'];
      const [password, metadataToken, queryToken, notJson] = secrets.slice(1);
      const charge = await h.request({
        method: 'POST',
        url: `/charges?access_token=${queryToken}`,
        key: h.keys.secretKey,
        json: { amount: 40_000, currency: 'THB', source: { type: 'truemoney_qr' }, metadata: { password, api_key: metadataToken, secret: h.keys.secretKey } },
      });
      assert.equal(charge.status, 200, charge.body);
      assert.equal((await h.request({ url: `/charges?token=${queryToken}&limit=1`, key: h.keys.secretKey })).status, 200);
      // Refused before its route looked at the key (not JSON): still recorded, by the key's account, without the body.
      const refused = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, body: `{"${notJson}": ${password}`, headers: { 'content-type': 'application/json', 'x-request-id': 'req-log-not-json' } });
      assert.equal(refused.status, 400);
      await flush();
      const [entry] = (await list(h, '?request_id=req-log-not-json')).data;
      assert.equal(entry.status, 400);
      assert.equal(entry.route, '/charges');
      const stored = (await storedRows(h)).join('\n');
      assert.ok(stored.includes(h.keys.secretKey.slice(-4)));
      for (const secret of secrets) assert.equal(stored.includes(secret), false, `${secret} is stored`);
      assert.equal(stored.includes(Buffer.from(`${h.keys.secretKey}:`).toString('base64')), false, 'the Authorization header is stored');
      assert.equal(stored.includes('?'), false, 'a query string is stored');
    });

    test('requests refused before their route looked at the key are recorded when the key names a test account', async () => {
      const nul = await h.request({ url: '/charges?description=a%00b', key: h.keys.secretKey, headers: { 'x-request-id': 'req-log-nul' } });
      assert.equal(nul.status, 400);
      const unknownPath = await h.request({ url: '/chargez/chrg_test_0000000000000000000', key: h.keys.secretKey, headers: { 'x-request-id': 'req-log-404' } });
      assert.equal(unknownPath.status, 404);
      const wrongKind = await h.request({ url: '/charges', key: h.keys.publicKey, headers: { 'x-request-id': 'req-log-wrong-kind' } });
      assert.equal(wrongKind.status, 401);
      // The key's lookup happens after the reply: give it its turn.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await flush();
      const byId = async (id: string) => (await list(h, `?request_id=${id}`)).data[0];
      assert.deepEqual(pick(await byId('req-log-nul')), { status: 400, route: '/charges', path: '/charges', key_kind: 'secret' });
      assert.deepEqual(pick(await byId('req-log-404')), { status: 404, route: null, path: '/chargez/chrg_test_0000000000000000000', key_kind: 'secret' });
      assert.deepEqual(pick(await byId('req-log-wrong-kind')), { status: 401, route: '/charges', path: '/charges', key_kind: 'public' });
    });

    test('live mode, unknown keys and requests without a key are never recorded', async () => {
      await flush();
      const before = await storedRows(h);
      assert.equal((await h.request({ url: '/charges', key: h.keys.liveSecretKey })).status, 200);
      assert.equal((await h.request({ method: 'POST', url: '/sources', key: h.keys.livePublicKey, json: { type: 'truemoney_qr', amount: 40_000, currency: 'THB' } })).status, 400);
      assert.equal((await h.request({ url: '/charges?note=a%00b', key: h.keys.liveSecretKey })).status, 400);
      assert.equal((await h.request({ url: '/charges', key: 'skey_test_' + 'z'.repeat(19) })).status, 401);
      assert.equal((await h.request({ url: '/nowhere', key: 'skey_test_' + 'z'.repeat(19) })).status, 404);
      assert.equal((await h.request({ url: '/charges' })).status, 401);
      assert.equal((await h.request({ url: '/healthz', key: h.keys.secretKey })).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await flush();
      assert.deepEqual(await storedRows(h), before);
      // The log's own reads are not recorded either (a poll would fill it).
      await list(h);
      await flush();
      assert.deepEqual(await storedRows(h), before);
    });

    test("an account sees its own requests only; the list is test mode and secret key only", async () => {
      assert.equal((await h.request({ url: '/charges', key: h.keys.secretKey, headers: { 'x-request-id': 'req-log-mine' } })).status, 200);
      assert.equal((await h.request({ url: '/charges', key: h.other.secretKey, headers: { 'x-request-id': 'req-log-theirs' } })).status, 200);
      await flush();
      const mine = (await list(h, '?limit=100')).data.map((entry: any) => entry.request_id);
      assert.ok(mine.includes('req-log-mine'));
      assert.equal(mine.includes('req-log-theirs'), false);
      const theirs = (await list(h, '?limit=100', h.other.secretKey)).data.map((entry: any) => entry.request_id);
      assert.deepEqual(theirs, ['req-log-theirs']);
      const live = await h.request({ url: '/test/requests', key: h.keys.liveSecretKey });
      assert.equal(live.status, 403);
      assert.equal(live.json.code, 'not_authorized');
      assert.equal((await h.request({ url: '/test/requests', key: h.keys.publicKey })).status, 401);
      assert.equal((await h.request({ url: '/test/requests/stream', key: h.keys.liveSecretKey })).status, 403);
    });

    test('filters: status classes and codes, method, route, path and the paths below it, request id; newest first, paged', async () => {
      await flush();
      const charge = await h.request({ method: 'POST', url: '/charges', key: h.other.secretKey, json: { amount: 40_000, currency: 'THB', source: { type: 'truemoney_qr' } }, headers: { 'x-request-id': 'f-create' } });
      assert.equal(charge.status, 200);
      const id = charge.json.id;
      const sent: Array<[string, string, number]> = [
        ['GET', `/charges/${id}`, 200],
        ['GET', '/charges/chrg_test_0000000000000000000', 404],
        ['GET', `/charges/${id}/events`, 200],
        ['POST', `/charges/${id}/capture`, 400],
        ['GET', '/charges?limit=0', 422],
        ['GET', '/refunds', 200],
      ];
      for (const [index, [method, url, status]] of sent.entries()) {
        const res = await h.request({ method, url, key: h.other.secretKey, headers: { 'x-request-id': `f-${index}` } });
        assert.equal(res.status, status, `${method} ${url}: ${res.body}`);
      }
      await flush();
      const ids = async (query: string) => (await list(h, query, h.other.secretKey)).data.map((entry: any) => entry.request_id).filter((rid: string) => rid.startsWith('f-'));
      assert.deepEqual(await ids('?limit=100'), ['f-5', 'f-4', 'f-3', 'f-2', 'f-1', 'f-0', 'f-create'], 'newest first');
      assert.deepEqual(await ids('?limit=100&order=chronological'), ['f-create', 'f-0', 'f-1', 'f-2', 'f-3', 'f-4', 'f-5']);
      assert.deepEqual(await ids('?status=4xx'), ['f-4', 'f-3', 'f-1']);
      assert.deepEqual(await ids('?status=404'), ['f-1']);
      assert.deepEqual(await ids('?status=404,422'), ['f-4', 'f-1']);
      assert.deepEqual(await ids('?status=2xx&method=post'), ['f-create']);
      assert.deepEqual(await ids('?route=/charges/:id'), ['f-1', 'f-0']);
      assert.deepEqual(await ids(`?path=/charges/${id}`), ['f-3', 'f-2', 'f-0']);
      assert.deepEqual(await ids('?path=/charges&limit=100'), ['f-4', 'f-3', 'f-2', 'f-1', 'f-0', 'f-create'], 'the path and those below it');
      assert.deepEqual(await ids('?path=/refund'), [], 'a path matches whole segments');
      assert.deepEqual(await ids('?request_id=f-3'), ['f-3']);
      const page = await list(h, '?path=/charges&limit=2&offset=1', h.other.secretKey);
      assert.equal(page.object, 'list');
      assert.equal(page.location, '/test/requests');
      assert.equal(page.order, 'reverse_chronological');
      assert.equal(page.total, 7, 'with the /charges request of the test before');
      assert.deepEqual(
        page.data.map((entry: any) => entry.request_id),
        ['f-3', 'f-2'],
      );
      for (const [query, code] of [
        ['?status=4x', 'invalid_filter'],
        ['?status=600', 'invalid_filter'],
        ['?path=charges', 'invalid_filter'],
        ['?route=charges', 'invalid_filter'],
        ['?method=G3T', 'invalid_filter'],
        ['?limit=0', 'invalid_per_page'],
      ]) {
        const res = await h.request({ url: `/test/requests${query}`, key: h.other.secretKey });
        assert.equal(res.status, 422, `${query}: ${res.body}`);
        assert.equal(res.json.code, code, query);
      }
    });
  },
  // Only the tests' own flushes write: what waits, and when it is written, is the test's to see.
  { requestLog: { flushIntervalMs: 60_000 } },
);

function pick(entry: any) {
  return { status: entry.status, route: entry.route, path: entry.path, key_kind: entry.key_kind };
}

let wallNowMs = Date.now();
const wall = { nowMs: () => wallNowMs };

describeEachStore(
  'the request log: kept to a count per account and an age; a full queue drops, counted',
  (h) => {
    before(() => {
      wallNowMs = Date.now();
    });

    async function send(count: number, prefix: string, key = h.keys.secretKey) {
      for (let i = 0; i < count; i++) assert.equal((await h.request({ url: '/balance', key, headers: { 'x-request-id': `${prefix}-${i}` } })).status, 200);
    }

    const stored = async (accountId: string) =>
      (await h.store.read.selectFrom('request_log').select('request_id').where('account_id', '=', accountId).orderBy(sql`seq`).execute()).map((row) => row.request_id);

    test('the newest entries of an account are kept, up to its cap; another account keeps its own', async () => {
      const listed = async () => (await list(h, '?limit=100')).data.map((entry: any) => entry.request_id);
      for (let batch = 0; batch < 3; batch++) {
        await send(3, `cap-${batch}`);
        await h.gateway.requestLog.flush();
      }
      await send(2, 'other', h.other.secretKey);
      await h.gateway.requestLog.flush();
      // Pruned once 4 (the slack) more than at the last prune were written: 9 written, 5 kept.
      assert.deepEqual(await stored(h.keys.accountId), ['cap-1-1', 'cap-1-2', 'cap-2-0', 'cap-2-1', 'cap-2-2']);
      assert.deepEqual(await stored(h.other.accountId), ['other-0', 'other-1']);
      assert.deepEqual(await listed(), ['cap-2-2', 'cap-2-1', 'cap-2-0', 'cap-1-2', 'cap-1-1']);
      // Three more: stored until the slack is reached, never listed past the cap.
      await send(3, 'cap-3');
      await h.gateway.requestLog.flush();
      assert.equal((await stored(h.keys.accountId)).length, 8);
      assert.deepEqual(await listed(), ['cap-3-2', 'cap-3-1', 'cap-3-0', 'cap-2-2', 'cap-2-1']);
      assert.equal((await list(h, '?limit=1')).total, 5);
      await send(1, 'cap-4');
      await h.gateway.requestLog.flush();
      assert.deepEqual(await stored(h.keys.accountId), ['cap-2-2', 'cap-3-0', 'cap-3-1', 'cap-3-2', 'cap-4-0']);
    });

    test('entries older than the age limit are deleted by a later flush, and never listed', async () => {
      await send(1, 'aged', h.other.secretKey);
      await h.gateway.requestLog.flush();
      wallNowMs += 7 * dayMs + 60_000;
      assert.deepEqual((await list(h, '?limit=100', h.other.secretKey)).data, [], 'past the age limit: not listed, even before it is deleted');
      await send(1, 'fresh', h.other.secretKey);
      await h.gateway.requestLog.flush();
      assert.deepEqual(await stored(h.other.accountId), ['fresh-0']);
      assert.deepEqual(await stored(h.keys.accountId), [], 'every account');
    });

    test('a full queue drops new entries and counts them in /metrics; the requests themselves are answered', async () => {
      const metric = async () => {
        const text = (await h.request({ url: '/metrics' })).body;
        return Number(/^satang_request_log_dropped_total (\d+)/m.exec(text)?.[1] ?? 'NaN');
      };
      const droppedBefore = await metric();
      await send(5, 'burst');
      assert.equal(h.gateway.requestLog.waiting, 3);
      assert.equal(await metric(), droppedBefore + 2);
      await h.gateway.requestLog.flush();
      assert.deepEqual((await stored(h.keys.accountId)).filter((id) => id.startsWith('burst')), ['burst-0', 'burst-1', 'burst-2']);
    });
  },
  { wallClock: wall, requestLog: { entriesPerAccountMax: 5, pruneSlackEntries: 4, queueEntriesMax: 3, flushEntries: 100, flushIntervalMs: 60_000 } },
);

/** Reads Server-Sent Events from a fetch response: each event's fields. */
function sseReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: Array<Record<string, string>> = [];
  const comments: string[] = [];
  let ended = false;
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let at: number;
      while ((at = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const event: Record<string, string> = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else {
            const colon = line.indexOf(':');
            const name = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            event[name] = event[name] === undefined ? value : `${event[name]}\n${value}`;
          }
        }
        if (event.event || event.data) events.push(event);
      }
    }
    ended = true;
  })();
  return {
    events,
    comments,
    get ended() {
      return ended;
    },
    ending: pump,
    cancel: () => reader.cancel().catch(() => {}),
    async waitFor(predicate: (events: Array<Record<string, string>>) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for events; got ${JSON.stringify(events)}`);
        if (ended) assert.fail(`the stream ended; got ${JSON.stringify(events)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

describeEachStore(
  'the request log as a stream',
  (h) => {
    const auth = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });
    const open = (query = '', key = h.keys.secretKey) => fetch(`${h.publicUrl}/test/requests/stream${query}`, { headers: auth(key) });

    test('new entries of the account arrive as request_log events, filtered like the list, with their ids', async () => {
      const response = await open('?status=4xx');
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assert.equal(response.headers.get('cache-control'), 'no-cache');
      assert.equal(response.headers.get('x-accel-buffering'), 'no');
      const stream = sseReader(response);
      try {
        assert.equal((await h.request({ url: '/charges/chrg_test_0000000000000000000', key: h.keys.secretKey, headers: { 'x-request-id': 'stream-404' } })).status, 404);
        assert.equal((await h.request({ url: '/charges', key: h.keys.secretKey, headers: { 'x-request-id': 'stream-200' } })).status, 200);
        assert.equal((await h.request({ url: '/charges/chrg_test_1', key: h.other.secretKey, headers: { 'x-request-id': 'stream-other' } })).status, 404);
        // No flush by hand: the writer's own interval, then the tail's poll.
        await stream.waitFor((events) => events.some((event) => JSON.parse(event.data).request_id === 'stream-404'));
        const event = stream.events.find((e) => JSON.parse(e.data).request_id === 'stream-404')!;
        const entry = JSON.parse(event.data);
        assert.equal(event.event, 'request_log');
        assert.equal(event.id, entry.id);
        assert.equal(entry.object, 'request_log');
        assert.equal(entry.status, 404);
        assert.equal(entry.route, '/charges/:id');
        // The 200 and the other account's 404 were flushed with it (or before): neither is shown.
        await new Promise((resolve) => setTimeout(resolve, 600));
        const shown = stream.events.map((e) => JSON.parse(e.data).request_id);
        assert.deepEqual(shown, ['stream-404']);
      } finally {
        await stream.cancel();
      }
    });

    test("a stream shows what another gateway process on the same database served", async () => {
      const second = await secondGateway(h);
      const response = await open('?path=/balance');
      const stream = sseReader(response);
      try {
        for (let i = 0; i < 5; i++) {
          assert.equal((await second.request({ url: '/balance', key: h.keys.secretKey, headers: { 'x-request-id': `second-${i}` } })).status, 200);
          assert.equal((await h.request({ url: '/balance', key: h.keys.secretKey, headers: { 'x-request-id': `first-${i}` } })).status, 200);
        }
        await stream.waitFor((events) => events.length >= 10);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const shown = stream.events.map((e) => JSON.parse(e.data).request_id).sort();
        assert.deepEqual(shown, [...[0, 1, 2, 3, 4].map((i) => `first-${i}`), ...[0, 1, 2, 3, 4].map((i) => `second-${i}`)].sort(), 'each once');
      } finally {
        await stream.cancel();
        await second.close();
      }
    });

    test('an entry committed after a later one (two processes\' flushes) is still shown, once', async (t) => {
      if (h.dialect !== 'postgres') return t.skip('one writer on SQLite: commits come in seq order');
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(h.store.read);
      const connect = async () => {
        const client = new pg.Client({ connectionString: postgresUrl, options: `-c search_path=${rows[0].schema}` });
        await client.connect();
        return client;
      };
      const insert = (client: pg.Client, id: string) =>
        client.query(
          `insert into request_log (id, account_id, created_at, method, route, path, status, duration_ms, request_id, idempotency_key, key_kind, key_last4)
           values ($1, $2, $3, 'GET', null, '/late', 404, 1, $4, null, 'secret', 'abcd')`,
          [`rqlg_test_${id.padStart(19, '0')}`, h.keys.accountId, Date.now(), id],
        );
      const [slow, quick] = [await connect(), await connect()];
      const stream = sseReader(await open('?path=/late'));
      try {
        // The first takes its seq and waits; the second takes the next seq and commits first.
        await slow.query('begin');
        await insert(slow, 'late1');
        await insert(quick, 'late2');
        await stream.waitFor((events) => events.length >= 1);
        assert.deepEqual(stream.events.map((e) => JSON.parse(e.data).request_id), ['late2']);
        await slow.query('commit');
        await stream.waitFor((events) => events.length >= 2);
        await new Promise((resolve) => setTimeout(resolve, 600));
        assert.deepEqual(stream.events.map((e) => JSON.parse(e.data).request_id), ['late2', 'late1']);
      } finally {
        await stream.cancel();
        await slow.end();
        await quick.end();
      }
    });

    test('streams are bounded per account: one more is 429 too_many_requests; closing one makes room', async () => {
      const opened = [];
      try {
        for (let i = 0; i < 10; i++) {
          const response = await open('', h.other.secretKey);
          assert.equal(response.status, 200);
          opened.push(sseReader(response));
        }
        const refused = await open('', h.other.secretKey);
        assert.equal(refused.status, 429);
        const error = await refused.json();
        assert.equal(error.object, 'error');
        assert.equal(error.code, 'too_many_requests');
        // Another account is not held back by this one.
        const mine = sseReader(await open());
        await mine.cancel();
        await opened.pop()!.cancel();
        const deadline = Date.now() + 5000;
        while (h.app.sse.count(h.other.accountId) >= 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        const again = await open('', h.other.secretKey);
        assert.equal(again.status, 200);
        opened.push(sseReader(again));
      } finally {
        for (const stream of opened) await stream.cancel();
      }
    });

    test('a stream sends a keep-alive comment when quiet, and ends when the gateway drains', async () => {
      const stream = sseReader(await open());
      const streams = h.app.sse;
      // The keep-alive interval is 15 s: write one now as its timer would.
      for (const open of streams.streamsOf(h.keys.accountId)) open.comment('keep-alive');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(stream.comments.includes('keep-alive'), JSON.stringify(stream.comments));
      assert.equal(h.app.ops.inFlight, 0, 'an open stream is not a request in flight');
      h.app.ops.draining = true;
      await stream.ending;
      assert.equal(stream.ended, true);
      assert.equal(streams.count(), 0);
      const refused = await open();
      assert.equal(refused.status, 503);
      assert.equal((await refused.json()).code, 'service_unavailable');
    });
  },
  { listen: true },
);
