import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { OmiseError } from '../../src/domain/errors.js';
import { webhookChaosDelayMsMax, webhookChaosFailFirstAttemptsMax, webhookChaosReorderWindowMsMax, webhookChaosSeedMax } from '../../src/domain/limits.js';
import { type ChaosSettings, decideJobs, isSimulatedFailure, parseChaosSettings, postponedMs } from '../../src/domain/webhook-chaos.js';

const settings = (extra: Partial<ChaosSettings> = {}): ChaosSettings => ({ duplicate_rate: 0.3, delay_ms: [100, 900], reorder_window_ms: 500, fail_first_attempts: 2, seed: 42, ...extra });
const decisions = (s: ChaosSettings, endpointId: string, events: number) => Array.from({ length: events }, (_, index) => decideJobs(s, endpointId, index + 1));

/** A bad_request whose message names what is wrong. */
function refused(value: unknown, message: RegExp): void {
  assert.throws(
    () => parseChaosSettings(value),
    (error: unknown) => error instanceof OmiseError && error.code === 'bad_request' && message.test(error.message),
    JSON.stringify(value),
  );
}

describe('webhook chaos: settings', () => {
  test('missing keys take their defaults and a seed is chosen; null turns chaos off; "" is not given', () => {
    assert.deepEqual(parseChaosSettings({}, () => 7), { duplicate_rate: 0, delay_ms: [0, 0], reorder_window_ms: 0, fail_first_attempts: 0, seed: 7 });
    assert.equal(parseChaosSettings(null), null);
    assert.equal(parseChaosSettings(undefined), undefined);
    assert.equal(parseChaosSettings(''), undefined);
    const seeded = parseChaosSettings({ duplicate_rate: 0.5 })!;
    assert.ok(Number.isSafeInteger(seeded.seed) && seeded.seed > 0, 'a seed of its own, shown so the run can be repeated');
  });

  test('numbers as JSON numbers or as their text (forms), the bounds included', () => {
    assert.deepEqual(
      parseChaosSettings({ duplicate_rate: '0.25', delay_ms: ['10', '20'], reorder_window_ms: '300', fail_first_attempts: '3', seed: '12345' }),
      { duplicate_rate: 0.25, delay_ms: [10, 20], reorder_window_ms: 300, fail_first_attempts: 3, seed: 12345 },
    );
    assert.deepEqual(
      parseChaosSettings({ duplicate_rate: 1, delay_ms: [webhookChaosDelayMsMax, webhookChaosDelayMsMax], reorder_window_ms: webhookChaosReorderWindowMsMax, fail_first_attempts: webhookChaosFailFirstAttemptsMax, seed: webhookChaosSeedMax }),
      { duplicate_rate: 1, delay_ms: [webhookChaosDelayMsMax, webhookChaosDelayMsMax], reorder_window_ms: webhookChaosReorderWindowMsMax, fail_first_attempts: webhookChaosFailFirstAttemptsMax, seed: webhookChaosSeedMax },
    );
  });

  test('every setting is bounded, and each refusal says what is wrong', () => {
    for (const rate of [1.01, -0.1, '2', 'half', true, Number.NaN]) refused({ duplicate_rate: rate }, /chaos\.duplicate_rate must be a number from 0 to 1/);
    refused({ delay_ms: [500, 100] }, /min \(500\) must not be more than max \(100\)/);
    for (const delay of [100, [1], [1, 2, 3], [1, null], ['a', 'b'], [-1, 5], [0, webhookChaosDelayMsMax + 1], { min: 1, max: 2 }]) {
      refused({ delay_ms: delay }, /chaos\.delay_ms must be \[min, max\]/);
    }
    refused({ reorder_window_ms: webhookChaosReorderWindowMsMax + 1 }, new RegExp(`chaos\\.reorder_window_ms must be a whole number from 0 to ${webhookChaosReorderWindowMsMax}`));
    refused({ reorder_window_ms: 1.5 }, /reorder_window_ms/);
    refused({ fail_first_attempts: webhookChaosFailFirstAttemptsMax + 1 }, /chaos\.fail_first_attempts must be a whole number from 0 to 10/);
    refused({ fail_first_attempts: -1 }, /fail_first_attempts/);
    for (const seed of [-1, 1.5, webhookChaosSeedMax + 1, '99999999999999999', 'abc']) refused({ seed }, /chaos\.seed must be a whole number/);
    refused({ duplicates: 0.5 }, /chaos has no setting "duplicates": the settings are duplicate_rate, delay_ms, reorder_window_ms, fail_first_attempts, seed/);
    for (const value of ['on', 5, true, [1, 2]]) refused(value, /chaos must be an object of settings, or null to turn chaos off/);
  });
});

describe('webhook chaos: decisions', () => {
  test('the same seed, endpoint and events give the same decisions; another seed or endpoint, others', () => {
    const first = decisions(settings(), 'endp_test_a', 200);
    assert.deepEqual(decisions(settings(), 'endp_test_a', 200), first);
    assert.notDeepEqual(decisions(settings({ seed: 43 }), 'endp_test_a', 200), first);
    assert.notDeepEqual(decisions(settings(), 'endp_test_b', 200), first);
  });

  test('the decision function is HMAC-SHA256 of (endpoint, n, attempt, decision) keyed by the seed: pinned, so a seed repeats across versions', () => {
    const draw = (decision: string, n: number) => createHmac('sha256', '42').update(`endp_test_a\n${n}\n1\n${decision}`).digest().readUIntBE(0, 6) / 2 ** 48;
    for (let n = 1; n <= 50; n++) {
      const jobs = decideJobs(settings(), 'endp_test_a', n);
      assert.equal(jobs[0].duplicated, draw('duplicate', n) < 0.3);
      jobs.forEach((job, copy) => {
        assert.equal(job.delay_ms, 100 + Math.floor(draw(`delay ${copy}`, n) * 801));
        assert.equal(job.hold_ms, Math.floor(draw(`hold ${copy}`, n) * 501));
      });
    }
    assert.deepEqual(
      decisions(settings(), 'endp_test_pinned', 4).map((jobs) => jobs.map((job) => [job.duplicated, job.delay_ms, job.hold_ms])),
      PINNED,
    );
  });

  test('delays and holds stay in their bounds; the duplicate rate is the share of events sent twice', () => {
    const all = decisions(settings(), 'endp_test_c', 4000);
    const duplicated = all.filter((jobs) => jobs.length === 2).length / all.length;
    assert.ok(duplicated > 0.27 && duplicated < 0.33, `${duplicated}`);
    for (const [index, jobs] of all.entries()) {
      assert.ok(jobs.length === 1 || jobs.length === 2);
      jobs.forEach((job, copy) => {
        assert.equal(job.event_number, index + 1);
        assert.equal(job.duplicate, copy === 1);
        assert.equal(job.duplicated, jobs.length === 2);
        assert.ok(job.delay_ms >= 100 && job.delay_ms <= 900);
        assert.ok(job.hold_ms >= 0 && job.hold_ms <= 500);
        assert.ok(postponedMs(job) <= 900 + 500);
      });
    }
    const delays = new Set(all.map((jobs) => jobs[0].delay_ms));
    assert.ok(delays.has(100) && delays.has(900), 'both ends of the range are reached');
    assert.ok(all.every((jobs) => decideJobs(settings({ duplicate_rate: 0 }), 'endp_test_c', jobs[0].event_number).length === 1));
    assert.ok(all.slice(0, 200).every((jobs) => decideJobs(settings({ duplicate_rate: 1 }), 'endp_test_c', jobs[0].event_number).length === 2));
    const still = decideJobs(settings({ delay_ms: [0, 0], reorder_window_ms: 0 }), 'endp_test_c', 1)[0];
    assert.equal(postponedMs(still), 0);
  });

  test('the first fail_first_attempts attempts fail on purpose, the later ones are sent', () => {
    const [job] = decideJobs(settings({ fail_first_attempts: 2 }), 'endp_test_d', 1);
    assert.deepEqual([1, 2, 3, 4].map((attempt) => isSimulatedFailure(job, attempt)), [true, true, false, false]);
    const [none] = decideJobs(settings({ fail_first_attempts: 0 }), 'endp_test_d', 1);
    assert.equal(isSimulatedFailure(none, 1), false);
  });
});

/** decideJobs(settings(), 'endp_test_pinned', 1..4) as [duplicated, delay_ms, hold_ms] per copy. */
const PINNED: Array<Array<[boolean, number, number]>> = [
  [
    [true, 418, 446],
    [true, 713, 83],
  ],
  [[false, 397, 293]],
  [[false, 858, 45]],
  [
    [true, 101, 463],
    [true, 348, 472],
  ],
];
