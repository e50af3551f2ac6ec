/**
 * Whatever a receiver answers is stored safely (a NUL, bytes that are not UTF-8, an encoded
 * lone surrogate, a huge or never-ending body), and each attempt is recorded exactly once:
 * an answer that could not be recorded would leave the job leased, to be sent again when the
 * lease runs out, forever.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachStore, type Harness } from '../support/harness.js';
import { type AnswerWithBody, type Receiver, startReceiver } from '../support/receiver.js';
import { releaseAll } from '../support/release.js';

/** A wall clock the test moves by hand (it stands still otherwise). */
const wall = {
  ms: Date.now(),
  nowMs() {
    return this.ms;
  },
};
const timeoutMs = 2000;

const answers: Record<string, AnswerWithBody> = {
  nul: { status: 200, body: Buffer.from('ok\0bye') },
  'not-utf8': { status: 200, body: Buffer.from([0x6f, 0x6b, 0xff, 0xfe, 0xc3, 0x28, 0x80]) },
  'lone-surrogate': { status: 200, body: Buffer.from([0x6f, 0x6b, 0xed, 0xa0, 0x80, 0x21]) },
  'nul-at-the-cut': { status: 200, body: Buffer.concat([Buffer.alloc(1022, 'a'), Buffer.from('\0\u0e3f')]) },
  huge: { status: 200, body: Buffer.alloc(8 * 1024 * 1024, '\0') },
  endless: { status: 200, body: 'endless' },
};

describeEachStore(
  'webhooks: what a receiver answers is stored safely',
  (h: Harness) => {
    let receiver: Receiver;
    before(async () => {
      wall.ms = Date.now();
      receiver = await startReceiver();
      receiver.respond = (request) => answers[request.path.slice(1)] ?? 200;
    });
    after(() => releaseAll([['the receiver', () => receiver?.close()]]));

    for (const [kind, answer] of Object.entries(answers)) {
      test(`a 200 with ${kind === 'endless' ? 'a never-ending body' : `a body that is ${kind}`}: one delivery row, the job delivered, nothing sent again`, async () => {
        const charge = await h.request({
          method: 'POST',
          url: '/charges',
          key: h.keys.secretKey,
          json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' }, webhook_endpoints: [`${receiver.url}/${kind}`] },
        });
        assert.equal(charge.status, 200, charge.body);
        const dispatcher = h.gateway.webhooks;
        await dispatcher.drain();
        // Past any lease the attempt could have left behind: a job still pending would be claimed again now.
        wall.ms += timeoutMs + 10_000;
        await dispatcher.drain();
        wall.ms += timeoutMs + 10_000;
        await dispatcher.drain();

        const sent = receiver.received.filter((r) => r.json?.data?.id === charge.json.id);
        assert.equal(sent.length, 1, `sent ${sent.length} times`);
        const events = await h.request({ url: `/charges/${charge.json.id}/events`, key: h.keys.secretKey });
        const deliveries = events.json.data[0].webhook_deliveries;
        assert.deepEqual(
          deliveries.map((d: { status: number; error: string | null }) => [d.status, d.error]),
          [[200, null]],
        );
        const jobs = await h.store.read.selectFrom('webhook_jobs').select(['status', 'attempts']).where('event_id', '=', events.json.data[0].id).execute();
        assert.deepEqual(jobs, [{ status: 'delivered', attempts: 1 }]);
        const [row] = await h.store.read.selectFrom('webhook_deliveries').select('response_excerpt').where('event_id', '=', events.json.data[0].id).execute();
        const excerpt = row.response_excerpt ?? '';
        assert.ok(!excerpt.includes('\0'), 'no NUL is stored');
        assert.equal(Buffer.from(excerpt, 'utf8').toString('utf8'), excerpt, 'the excerpt is well-formed text');
        assert.ok(Buffer.byteLength(excerpt) <= 1024, `excerpt of ${Buffer.byteLength(excerpt)} bytes`);
        if (answer.body !== 'endless' && answer.body.length < 100) assert.ok(excerpt.startsWith('ok'), excerpt);
      });
    }
  },
  { wallClock: wall, webhookTimeoutMs: timeoutMs },
);
