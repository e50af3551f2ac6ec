/**
 * The remote `satang` commands as real processes against a real gateway process (over its API, never its
 * database): `trigger` for each event ends in the right state with the right events, delivered signed to an
 * endpoint; `charges`, `refunds` and `events` commands; readable output and --json lines; exit codes (0,
 * 1 with the Omise error's code and message on standard error, 2 for a usage error); and which key and URL
 * win: flags over SATANG_* variables, SATANG_SECRET_KEY over OMISE_SECRET_KEY.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../support/package.js';
import { api, describeEachStoreProcess, type GatewayProcess, runCli, startGatewayProcess } from '../support/process.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { type CliResult, runCliAsync } from '../support/remote-cli.js';

const publicKey = 'pkey_test_' + 'p'.repeat(19);
const secretKey = 'skey_test_' + 's'.repeat(19);
const pinnedKeys = { SATANG_TEST_PUBLIC_KEY: publicKey, SATANG_TEST_SECRET_KEY: secretKey };

/** The lines of standard output, each parsed as JSON (each must be). */
function jsonLines(result: CliResult): any[] {
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

function ok(result: CliResult): CliResult {
  assert.equal(result.status, 0, `exit ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result;
}

const signature = (secretBase64: string, timestamp: string, body: string) => createHmac('sha256', Buffer.from(secretBase64, 'base64')).update(`${timestamp}.${body}`).digest('hex');

describeEachStoreProcess('satang trigger against a gateway process', (storeEnv) => {
  let gateway: GatewayProcess;
  let receiver: Receiver;
  let env: Record<string, string>;

  before(async () => {
    receiver = await startReceiver();
    gateway = await startGatewayProcess({ ...storeEnv, ...pinnedKeys });
    env = { SATANG_API_URL: gateway.url, SATANG_SECRET_KEY: secretKey };
    const endpoint = await api(`${gateway.url}/webhook_endpoints`, secretKey, { method: 'POST', json: { url: `${receiver.url}/hooks` } });
    assert.equal(endpoint.status, 200, JSON.stringify(endpoint.json));
  });
  after(async () => {
    await gateway?.kill('SIGTERM');
    await receiver?.close();
  });

  const cases = [
    { event: 'charge.create', args: [], status: 'pending', keys: ['charge.create'], amount: 100000 },
    { event: 'charge.complete', args: ['--amount', '25000', '--funding-source', 'bank_account'], status: 'successful', keys: ['charge.create', 'charge.complete'], amount: 25000 },
    { event: 'charge.failed', args: [], status: 'failed', keys: ['charge.create', 'charge.complete'], amount: 100000 },
    { event: 'charge.expire', args: ['--amount', '10000'], status: 'expired', keys: ['charge.create', 'charge.expire'], amount: 10000 },
    { event: 'refund.create', args: ['--amount', '40000'], status: 'successful', keys: ['charge.create', 'charge.complete', 'refund.create'], amount: 40000 },
  ];

  test('each event: the charge ends in its state, its events are the ones printed, in order, delivered signed', async () => {
    const secret = (await api(`${gateway.url}/webhook_secret`, secretKey)).json.secret as string;
    const triggered = await Promise.all(cases.map((c) => runCliAsync(['trigger', c.event, ...c.args, '--json'], env)));
    const allEvents: string[] = [];
    for (const [index, c] of cases.entries()) {
      const lines = jsonLines(ok(triggered[index]));
      assert.equal(lines.length, 1, triggered[index].stdout);
      const answer = lines[0];
      assert.equal(answer.object, 'trigger');
      assert.equal(answer.event, c.event);
      assert.equal(answer.livemode, false);
      // The state, as the API shows it afterwards.
      const charge = await api(`${gateway.url}/charges/${answer.charge.id}`, secretKey);
      assert.equal(charge.json.status, c.status, c.event);
      assert.equal(charge.json.amount, c.amount, c.event);
      assert.deepEqual(charge.json.metadata, {}, 'no scripted outcome or other metadata');
      if (c.event === 'charge.failed') assert.equal(charge.json.failure_code, 'failed_processing');
      if (c.event === 'refund.create') {
        assert.equal(answer.refund.amount, c.amount);
        assert.equal(answer.refund.voided, true, 'a refund on the day it was paid is a void');
        assert.equal(charge.json.refunded_amount, c.amount);
        assert.equal((await api(`${gateway.url}/charges/${answer.charge.id}/refunds/${answer.refund.id}`, secretKey)).status, 200);
      } else {
        assert.equal(answer.refund, null);
      }
      // The events: exactly the ids printed, in order, with the keys of the path the charge took.
      const events = await api(`${gateway.url}/charges/${answer.charge.id}/events?order=chronological`, secretKey);
      assert.deepEqual(
        events.json.data.map((e: any) => e.id),
        answer.events,
        c.event,
      );
      assert.deepEqual(
        events.json.data.map((e: any) => e.key),
        c.keys,
        c.event,
      );
      allEvents.push(...answer.events);
    }
    // Delivered like any other event: each once, to the endpoint, with a valid signature.
    await receiver.waitFor((all) => allEvents.every((id) => all.some((r) => r.json?.id === id)), 30_000);
    for (const id of allEvents) {
      const deliveries = receiver.received.filter((r) => r.json?.id === id);
      assert.equal(deliveries.length, 1, id);
      const [delivery] = deliveries;
      assert.equal(delivery.headers['omise-signature'], signature(secret, String(delivery.headers['omise-signature-timestamp']), delivery.body), id);
    }
  });

  test('readable output names the charge, its refund and every event id; a live key is refused (exit 1)', async () => {
    const readable = ok(await runCliAsync(['trigger', 'refund.create'], env));
    assert.match(readable.stdout, /^triggered refund\.create$/m);
    const chargeId = /^charge +(chrg_test_[0-9a-z]{19}) +successful +THB 1,000\.00/m.exec(readable.stdout)?.[1];
    assert.ok(chargeId, readable.stdout);
    assert.match(readable.stdout, /^refund +rfnd_test_[0-9a-z]{19} +void +THB 1,000\.00 +of chrg_test_/m);
    const printed = [...readable.stdout.matchAll(/evnt_test_[0-9a-z]{19}/g)].map((m) => m[0]);
    const events = await api(`${gateway.url}/charges/${chargeId}/events`, secretKey);
    assert.deepEqual(printed, events.json.data.map((e: any) => e.id));

    const created = runCli(['accounts', 'create', '--name', 'Live Shop'], storeEnv);
    assert.equal(created.status, 0, created.stderr);
    const liveKey = /live secret key\s+(skey_[0-9a-z]{19})/.exec(created.stdout)![1];
    const live = await runCliAsync(['trigger', 'charge.create', '--secret-key', liveKey], env);
    assert.equal(live.status, 1);
    assert.equal(live.stdout, '');
    assert.match(live.stderr, /^satang: not_authorized: only available in test mode$/m);
  });
});

describe('the remote commands against a gateway process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'satang-remote-cli-'));
  let gateway: GatewayProcess;
  let env: Record<string, string>;
  before(async () => {
    gateway = await startGatewayProcess({ SATANG_DATA_DIR: dataDir, ...pinnedKeys });
    env = { SATANG_API_URL: gateway.url, SATANG_SECRET_KEY: secretKey };
  });
  after(async () => {
    await gateway?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('charges create, get, pay, fail, expire, list; refunds create; events list and get', async () => {
    const created = ok(await runCliAsync(['charges', 'create', '--amount', '120050', '--description', 'Noodles\u001b[2J', '--metadata', 'order=42', '--metadata', 'table=7', '--json'], env));
    const [charge] = jsonLines(created);
    assert.equal(charge.object, 'charge');
    assert.equal(charge.status, 'pending');
    assert.deepEqual(charge.metadata, { order: '42', table: '7' });

    const got = ok(await runCliAsync(['charges', 'get', charge.id], env));
    assert.match(got.stdout, new RegExp(`^charge +${charge.id}$`, 'm'));
    assert.match(got.stdout, /^status +pending$/m);
    assert.match(got.stdout, /^amount +THB 1,200\.50$/m);
    assert.match(got.stdout, /^pay page +http:\/\/127\.0\.0\.1:\d+\/payments\/pay2_test_/m);
    assert.match(got.stdout, /^description +Noodles\\u001b\[2J$/m, 'a control character from the gateway is printed escaped');

    const paid = ok(await runCliAsync(['charges', 'pay', charge.id, '--funding-source', 'credit_card', '--json'], env));
    assert.equal(jsonLines(paid)[0].status, 'successful');
    const failed = jsonLines(ok(await runCliAsync(['charges', 'create', '--amount', '10000', '--json'], env)))[0];
    assert.match(ok(await runCliAsync(['charges', 'fail', failed.id], env)).stdout, /^status +failed$/m);
    const expiring = jsonLines(ok(await runCliAsync(['charges', 'create', '--amount', '10000', '--json'], env)))[0];
    assert.match(ok(await runCliAsync(['charges', 'expire', expiring.id], env)).stdout, /^status +expired$/m);

    // A partial refund (refused for a credit_card payment: a void on the day), then the rest by default.
    const partial = await runCliAsync(['refunds', 'create', charge.id, '--amount', '50'], env);
    assert.equal(partial.status, 1);
    assert.match(partial.stderr, /^satang: failed_refund: .+$/m);
    const refund = ok(await runCliAsync(['refunds', 'create', charge.id], env));
    assert.match(refund.stdout, new RegExp(`^rfnd_test_[0-9a-z]{19}  void +THB 1,200\\.50  of ${charge.id}`, 'm'));

    const list = ok(await runCliAsync(['charges', 'list', '--order', 'reverse_chronological', '--limit', '2'], env));
    const lines = list.stdout.trim().split('\n');
    assert.equal(lines.length, 3, list.stdout);
    assert.match(lines[0], new RegExp(`^${expiring.id} +expired +THB 100\\.00`));
    assert.match(lines[1], new RegExp(`^${failed.id} +failed +THB 100\\.00`));
    assert.equal(lines[2], '(2 of 3)');
    const listed = jsonLines(ok(await runCliAsync(['charges', 'list', '--json'], env)));
    assert.deepEqual(
      listed.map((c) => c.id),
      [charge.id, failed.id, expiring.id],
      'one JSON line per charge, nothing else',
    );

    const events = jsonLines(ok(await runCliAsync(['events', 'list', '--charge', charge.id, '--json'], env)));
    assert.deepEqual(
      events.map((e) => e.key),
      ['charge.create', 'charge.complete', 'refund.create'],
    );
    const all = ok(await runCliAsync(['events', 'list', '--limit', '100'], env));
    assert.match(all.stdout, /^\(7 of 7\)$/m);
    assert.match(all.stdout, new RegExp(`^\\S+Z  ${events[2].id}  refund\\.create +rfnd_test_[0-9a-z]{19}  no deliveries yet$`, 'm'));
    const event = ok(await runCliAsync(['events', 'get', events[1].id], env));
    assert.match(event.stdout, new RegExp(`^event +${events[1].id}$`, 'm'));
    assert.match(event.stdout, new RegExp(`^about +charge ${charge.id} \\(successful\\)$`, 'm'));
  });

  test('failures: the Omise error on standard error and exit 1 (JSON with --json); usage errors exit 2', async () => {
    const missing = await runCliAsync(['charges', 'get', 'chrg_test_0000000000000000000'], env);
    assert.equal(missing.status, 1);
    assert.equal(missing.stdout, '');
    assert.equal(missing.stderr, 'satang: not_found: charge chrg_test_0000000000000000000 was not found\n');
    const missingJson = await runCliAsync(['events', 'get', 'evnt_test_0000000000000000000', '--json'], env);
    assert.equal(missingJson.status, 1);
    const error = JSON.parse(missingJson.stderr);
    assert.equal(error.object, 'error');
    assert.equal(error.code, 'not_found');
    const badEvent = await runCliAsync(['trigger', 'charge.refunded'], env);
    assert.equal(badEvent.status, 1);
    assert.match(badEvent.stderr, /^satang: bad_request: event must be one of charge\.create, charge\.complete, charge\.failed, charge\.expire, refund\.create$/m);
    const badAmount = await runCliAsync(['trigger', 'charge.create', '--amount', '50'], env);
    assert.equal(badAmount.status, 1);
    assert.match(badAmount.stderr, /amount must be greater than or equal to 10000/);

    for (const [args, message] of [
      [['trigger'], /trigger needs an event/],
      [['charges', 'get'], /charges get needs a charge id/],
      [['charges', 'create'], /charges create needs --amount/],
      [['charges', 'refund', 'x'], /unknown charges command refund/],
      [['charges', 'list', '--data-dir', '/tmp'], /Unknown option '--data-dir'/],
      [['trigger', 'charge.create', '--amount', '1.5'], /--amount must be a whole number/],
      [['events', 'get', 'a', 'b'], /events get: unexpected b/],
    ] as const) {
      const result = await runCliAsync([...args], env);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    }

    const port = await freePort();
    const unreachable = await runCliAsync(['charges', 'list'], { ...env, SATANG_API_URL: `http://127.0.0.1:${port}` });
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, new RegExp(`^satang: could not reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED$`, 'm'));
  });

  test('where the key and URL come from: flags over SATANG_*, SATANG_SECRET_KEY over OMISE_SECRET_KEY; no key is a usage error', async () => {
    const wrongKey = 'skey_test_' + 'w'.repeat(19);
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const url = gateway.url;
    const listOk = (result: CliResult, label: string) => assert.equal(result.status, 0, `${label}: ${result.stderr}`);
    const refused = (result: CliResult, label: string) => {
      assert.equal(result.status, 1, label);
      assert.match(result.stderr, /^satang: authentication_failure: /m, label);
    };
    listOk(await runCliAsync(['charges', 'list', '--api-url', url, '--secret-key', secretKey], {}), 'flags alone');
    listOk(await runCliAsync(['charges', 'list'], { SATANG_API_URL: url, SATANG_SECRET_KEY: secretKey }), 'variables alone');
    listOk(await runCliAsync(['charges', 'list'], { SATANG_API_URL: url, OMISE_SECRET_KEY: secretKey }), 'OMISE_SECRET_KEY');
    listOk(await runCliAsync(['charges', 'list', '--api-url', url, '--secret-key', secretKey], { SATANG_API_URL: deadUrl, SATANG_SECRET_KEY: wrongKey }), 'flags win');
    refused(await runCliAsync(['charges', 'list', '--secret-key', wrongKey], { SATANG_API_URL: url, SATANG_SECRET_KEY: secretKey }), 'the --secret-key flag is the one used');
    refused(await runCliAsync(['charges', 'list'], { SATANG_API_URL: url, SATANG_SECRET_KEY: wrongKey, OMISE_SECRET_KEY: secretKey }), 'SATANG_SECRET_KEY over OMISE_SECRET_KEY');
    const unreachable = await runCliAsync(['charges', 'list', '--secret-key', secretKey], { SATANG_API_URL: deadUrl });
    assert.equal(unreachable.status, 1, 'SATANG_API_URL is the URL used');
    assert.match(unreachable.stderr, /could not reach/);

    const noKey = await runCliAsync(['charges', 'list'], { SATANG_API_URL: url });
    assert.equal(noKey.status, 2);
    assert.match(noKey.stderr, /a secret key is needed: --secret-key KEY, or SATANG_SECRET_KEY \(or OMISE_SECRET_KEY\)/);
    const publicOnly = await runCliAsync(['charges', 'list', '--secret-key', publicKey], { SATANG_API_URL: url });
    assert.equal(publicOnly.status, 2);
    assert.match(publicOnly.stderr, /must be a secret key/);
    const badUrl = await runCliAsync(['charges', 'list', '--api-url', 'ftp://example.com'], { SATANG_SECRET_KEY: secretKey });
    assert.equal(badUrl.status, 2);
    assert.match(badUrl.stderr, /must be an http:\/\/ or https:\/\/ URL/);
  });

  test('the admin commands are as they were; --help lists the remote commands', async () => {
    const accounts = runCli(['accounts', 'list'], { SATANG_DATA_DIR: dataDir });
    assert.equal(accounts.status, 0, accounts.stderr);
    assert.match(accounts.stdout, /acct_[0-9a-z]{19}\s+\*/);
    const help = runCli(['--help'], {});
    assert.equal(help.status, 0);
    for (const line of ['trigger EVENT', 'charges create', 'refunds create', 'events list', 'logs tail', 'chaos set ENDPOINT_ID', '--api-url URL', 'accounts create']) assert.ok(help.stdout.includes(line), line);
  });
});
