/**
 * The official `omise` npm package (1.1.0) against a real listening gateway, both ways
 * stack.md §2 describes:
 *  (a) in-process: scheme 'http', host 'api.omise.co', and http.globalAgent replaced by an
 *      agent whose connections all go to 127.0.0.1:PORT (restored afterwards);
 *  (b) CONNECT-proxy mode (DECISIONS §8): an unmodified app in a child `node` process with
 *      only OMISE_SCHEME=http and http_proxy=http://127.0.0.1:PORT in its environment and the
 *      SDK's default host, tunnelled through the gateway's own CONNECT handler.
 * The SDK resolves any JSON that is not an Omise error and rejects with the error object,
 * so the error cases check that failures really reject with the right code.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type OmiseModule from 'omise';
import { describeEachStore, type Harness, type Keys, makeKeys } from '../support/harness.js';

type OmiseFactory = typeof OmiseModule.default;
type OmiseOptions = Parameters<OmiseFactory>[0];
type OmiseClient = ReturnType<OmiseFactory>;

const require = createRequire(import.meta.url);
// CommonJS: module.exports is the factory itself.
const omiseFactory = require('omise') as OmiseFactory;

const proxyAppScript = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'omise-node-proxy-app.cjs');
const childTimeoutMs = 30_000;
const unknownChargeId = 'chrg_test_5zzzzzzzzzzzzzzzzzz';

/** Every connection goes to the gateway, whatever host the request names (the Host header is kept). */
class ToGateway extends http.Agent {
  constructor(private readonly port: number) {
    super({ keepAlive: false });
  }
  override createConnection(): net.Socket {
    return net.createConnection({ host: '127.0.0.1', port: this.port });
  }
}

/** Asserts that an SDK promise rejects with an Omise error object of this code. */
async function rejectsWith(promise: Promise<unknown>, code: string, message?: string): Promise<void> {
  await assert.rejects(promise, (error: any) => {
    assert.equal(error?.object, 'error', `rejected with ${JSON.stringify(error)}`);
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

/** The port of the harness's listening gateway (describeEachStore with `listen: true`). */
function listening(h: Harness): () => number {
  return () => {
    assert.ok(h.port > 0, 'the gateway is listening');
    return h.port;
  };
}

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describeEachStore('official omise npm package 1.1.0', (h) => {
  const portOf = listening(h);

  describe('in-process: scheme http, host api.omise.co, http.globalAgent redirected', () => {
    const environmentNames = ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'OMISE_SCHEME'] as const;
    const savedEnvironment = new Map<string, string | undefined>();
    let savedAgent: http.Agent;
    let agent: ToGateway;
    let keys: Keys;
    let omise: OmiseClient;
    const state: { sourceId?: string; chargeId?: string; inlineChargeId?: string } = {};

    before(async () => {
      keys = await makeKeys(h.store, 'omise-node in-process merchant');
      for (const name of environmentNames) {
        savedEnvironment.set(name, process.env[name]);
        delete process.env[name];
      }
      savedAgent = http.globalAgent;
      agent = new ToGateway(portOf());
      http.globalAgent = agent;
      omise = omiseFactory({
        publicKey: keys.publicKey,
        secretKey: keys.secretKey,
        host: 'api.omise.co',
        scheme: 'http' as OmiseOptions['scheme'],
        omiseVersion: '2019-05-29',
      });
    });

    after(() => {
      if (savedAgent) http.globalAgent = savedAgent;
      agent?.destroy();
      for (const [name, value] of savedEnvironment) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    test('sources.create (public key) creates a truemoney_qr source', async () => {
      const source = await omise.sources.create({ type: 'truemoney_qr', amount: 400000, currency: 'THB' });
      assert.equal(source.object, 'source');
      assert.match(source.id, /^src_test_[0-9a-z]{19}$/);
      assert.equal(source.type, 'truemoney_qr');
      assert.equal(source.flow, 'offline');
      assert.equal(source.amount, 400000);
      assert.equal(source.currency, 'THB');
      assert.equal(source.charge_status, 'unknown');
      state.sourceId = source.id;
    });

    test('charges.create with the source id: a pending charge, JSON metadata types kept', async () => {
      assert.ok(state.sourceId, 'needs the source');
      const charge = await omise.charges.create({
        amount: 400000,
        currency: 'THB',
        source: state.sourceId,
        description: 'node order',
        metadata: { order_id: 42, gift: false, customer: { tier: 'gold' } },
      });
      assert.equal(charge.object, 'charge');
      assert.match(charge.id, /^chrg_test_[0-9a-z]{19}$/);
      assert.equal(charge.status, 'pending');
      assert.equal(charge.amount, 400000);
      assert.equal(charge.currency, 'THB');
      assert.equal(charge.description, 'node order');
      assert.deepEqual(charge.metadata, { order_id: 42, gift: false, customer: { tier: 'gold' } });
      const source = charge.source as any;
      assert.equal(source.id, state.sourceId);
      assert.equal(source.charge_status, 'pending');
      assert.ok(source.scannable_code.image.download_uri.startsWith(`http://127.0.0.1:${portOf()}/charges/${charge.id}/documents/`));
      state.chargeId = charge.id;
    });

    test('charges.create with an inline source {type: truemoney_qr}', async () => {
      const charge = await omise.charges.create({
        amount: 25000,
        currency: 'THB',
        source: { type: 'truemoney_qr' } as OmiseModule.Sources.IRequest,
        metadata: { channel: 'inline' },
      });
      assert.equal(charge.object, 'charge');
      assert.equal(charge.status, 'pending');
      assert.equal(charge.amount, 25000);
      const source = charge.source as any;
      assert.equal(source.type, 'truemoney_qr');
      assert.equal(source.amount, 25000);
      assert.equal(source.charge_status, 'pending');
      state.inlineChargeId = charge.id;
    });

    test('charges.retrieve returns the charge; the callback form works too', async () => {
      assert.ok(state.chargeId, 'needs the charge');
      const charge = await omise.charges.retrieve(state.chargeId);
      assert.equal(charge.id, state.chargeId);
      assert.equal(charge.amount, 400000);
      assert.deepEqual(charge.metadata, { order_id: 42, gift: false, customer: { tier: 'gold' } });
      const viaCallback = await new Promise<any>((resolve, reject) => {
        void omise.charges.retrieve(state.chargeId!, (error, result) => (error ? reject(error) : resolve(result)));
      });
      assert.equal(viaCallback.id, state.chargeId);
    });

    test('charges.list({limit, offset, order}) lists both charges', async () => {
      assert.ok(state.chargeId && state.inlineChargeId, 'needs both charges');
      const list = await omise.charges.list({ limit: 5, offset: 0, order: 'reverse_chronological' });
      assert.equal(list.object, 'list');
      assert.equal(list.limit, 5);
      assert.equal(list.offset, 0);
      assert.equal(list.total, 2);
      assert.equal((list as any).order, 'reverse_chronological');
      assert.deepEqual(
        list.data.map((charge) => charge.id).sort(),
        [state.chargeId, state.inlineChargeId].sort(),
      );
    });

    test('charges.update changes description and metadata', async () => {
      assert.ok(state.chargeId, 'needs the charge');
      // The SDK's typings demand amount and currency on update; the wire carries only these two fields.
      const charge = await omise.charges.update(state.chargeId, { description: 'node order (edited)', metadata: { order_id: 43 } } as unknown as OmiseModule.Charges.IRequest);
      assert.equal(charge.id, state.chargeId);
      assert.equal(charge.description, 'node order (edited)');
      assert.deepEqual(charge.metadata, { order_id: 43 });
      const again = await omise.charges.retrieve(state.chargeId);
      assert.equal(again.description, 'node order (edited)');
    });

    test('sources.retrieve (public key) shows the charged source', async () => {
      assert.ok(state.sourceId, 'needs the source');
      const source = await omise.sources.retrieve(state.sourceId);
      assert.equal(source.id, state.sourceId);
      assert.equal(source.charge_status, 'pending');
    });

    test('events.list and events.retrieve', async () => {
      assert.ok(state.chargeId && state.inlineChargeId, 'needs both charges');
      const events = await omise.events.list();
      assert.equal(events.object, 'list');
      assert.equal(events.total, 3);
      assert.deepEqual(
        events.data.map((event: any) => `${event.key} ${event.data.id}`).sort(),
        [`charge.create ${state.chargeId}`, `charge.create ${state.inlineChargeId}`, `charge.update ${state.chargeId}`].sort(),
      );
      const update = events.data.find((event: any) => event.key === 'charge.update')!;
      const event = await omise.events.retrieve(update.id);
      assert.equal(event.object, 'event');
      assert.equal(event.id, update.id);
      assert.equal(event.key, 'charge.update');
      assert.equal((event.data as any).description, 'node order (edited)');
    });

    test('account.retrieve: the Omise account of the secret key\'s account and mode', async () => {
      const account: any = await omise.account.retrieve();
      assert.equal(account.object, 'account');
      assert.equal(account.id, `account_test_${keys.accountId.slice('acct_'.length)}`);
      assert.equal(account.team, keys.accountId);
      assert.equal(account.livemode, false);
      assert.equal(account.location, '/account');
      assert.equal(account.currency, 'THB');
      assert.deepEqual(account.supported_currencies, ['THB']);
      assert.equal(account.api_version, '2019-05-29');
      assert.equal(account.email, null);
      await rejectsWith(omise.account.updateAccount({ email: 'developer@shop.example' } as any), 'feature_not_supported');
    });

    test('search.list: query terms reach the gateway; the nested filters querystring.encode drops arrive as filters= and are ignored', async () => {
      assert.ok(state.chargeId && state.inlineChargeId, 'needs both charges');
      // The typings have no search resource; the SDK has one (lib/resources/Search.js).
      const search = (omise as any).search as { list(data: Record<string, unknown>): Promise<any> };
      const edited = await search.list({ scope: 'charge', query: 'node order (edited)' });
      assert.equal(edited.object, 'search');
      assert.equal(edited.scope, 'charge');
      assert.equal(edited.query, 'node order (edited)');
      assert.equal(edited.total, 1);
      assert.equal(edited.data[0].object, 'charge');
      assert.equal(edited.data[0].id, state.chargeId);
      assert.deepEqual(edited.data[0].metadata, { order_id: 43 });
      const inline = await search.list({ scope: 'charge', query: 'amount:250 status:pending inline' });
      assert.deepEqual(inline.data.map((charge: any) => charge.id), [state.inlineChargeId]);
      const paged = await search.list({ scope: 'charge', filters: { status: 'successful' }, order: 'reverse_chronological', per_page: 1, page: 2 });
      assert.deepEqual(paged.filters, {});
      assert.equal(paged.total, 2);
      assert.equal(paged.total_pages, 2);
      assert.deepEqual(paged.data.map((charge: any) => charge.id), [state.chargeId]);
      const refunds = await search.list({ scope: 'refund' });
      assert.equal(refunds.total, 0);
      await rejectsWith(search.list({ scope: 'customer' }), 'bad_request', 'scope must be charge or refund, not "customer"');
    });

    test('capability.retrieve (public key) lists truemoney_qr', async () => {
      const capability: any = await omise.capability.retrieve();
      assert.equal(capability.object, 'capability');
      assert.equal(capability.country, 'TH');
      assert.deepEqual(capability.limits.charge_amount, { min: 10000, max: 5000000 });
      assert.ok(capability.payment_methods.some((method: any) => method.name === 'truemoney_qr'));
    });

    test('errors reject with the Omise error object', async () => {
      await rejectsWith(omise.charges.retrieve(unknownChargeId), 'not_found', `charge ${unknownChargeId} was not found`);
      await rejectsWith(
        omise.charges.create({ amount: 100, currency: 'THB', source: { type: 'truemoney_qr' } as OmiseModule.Sources.IRequest }),
        'invalid_charge',
        'amount must be greater than or equal to 10000',
      );
      await rejectsWith(omise.sources.create({ type: 'truemoney_qr', amount: 100000, currency: 'USD' }), 'bad_request', 'currency is currently not supported');
      assert.ok(state.chargeId && state.sourceId, 'needs the charge');
      // Bodiless POST (Content-Type: application/json, Content-Length: 0): the card-only action's error, not a parser error.
      await rejectsWith(omise.charges.capture(state.chargeId), 'failed_capture');
      await rejectsWith(omise.charges.reverse(state.chargeId), 'failed_reverse');
      await rejectsWith(
        omise.charges.create({ amount: 400000, currency: 'THB', source: state.sourceId }),
        'invalid_charge',
        'source has already been used',
      );
      // Tokens go to vaultHost (vault.omise.co), which reaches the same gateway.
      await rejectsWith(omise.tokens.create({ card: { name: 'x', number: '4242424242424242', expiration_month: 1, expiration_year: 2030 } } as any), 'feature_not_supported');
      // GET /charges/schedules: charge schedules, not a charge whose id is "schedules".
      await rejectsWith((omise.charges as any).schedules(), 'feature_not_supported');
    });

    test('a wrong secret key rejects with authentication_failure', async () => {
      const stranger = omiseFactory({
        publicKey: keys.publicKey,
        secretKey: 'skey_test_5zzzzzzzzzzzzzzzzzz',
        host: 'api.omise.co',
        scheme: 'http' as OmiseOptions['scheme'],
      });
      await rejectsWith(stranger.charges.list(), 'authentication_failure', 'authentication failed');
    });
  });

  describe('CONNECT-proxy mode: an unmodified app in a child process', () => {
    const children = new Set<ChildProcess>();
    let keys: Keys;
    let result: ChildResult | undefined;
    let out: any;

    before(async () => {
      keys = await makeKeys(h.store, 'omise-node proxy merchant');
    });

    after(async () => {
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, 5000);
              child.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
              child.kill('SIGKILL');
            }),
        ),
      );
    });

    function runApp(environment: NodeJS.ProcessEnv): Promise<ChildResult> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [proxyAppScript], { env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
        children.add(child);
        let stdout = '';
        let stderr = '';
        child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the app did not finish within ${childTimeoutMs} ms; stderr: ${stderr}`));
        }, childTimeoutMs);
        child.once('error', (error) => {
          clearTimeout(timer);
          children.delete(child);
          reject(error);
        });
        child.once('close', (code, signal) => {
          clearTimeout(timer);
          children.delete(child);
          resolve({ code, signal, stdout, stderr });
        });
      });
    }

    test('the app runs to completion with only OMISE_SCHEME and http_proxy pointing at the gateway', async () => {
      // Only what the app needs: no https_proxy/HTTPS_PROXY, no NODE_OPTIONS, no test-runner variables.
      result = await runApp({
        OMISE_SCHEME: 'http',
        http_proxy: `http://127.0.0.1:${portOf()}`,
        OMISE_PUBLIC_KEY: keys.publicKey,
        OMISE_SECRET_KEY: keys.secretKey,
      });
      assert.equal(result.code, 0, `exit ${result.code} ${result.signal ?? ''}\nstderr: ${result.stderr}\nstdout: ${result.stdout}`);
      out = JSON.parse(result.stdout);
      assert.deepEqual(out.environment, { OMISE_SCHEME: 'http', http_proxy: `http://127.0.0.1:${portOf()}`, https_proxy: null });
    });

    test('sources.create and charges.create by source id', () => {
      assert.ok(out, 'needs the app output');
      assert.equal(out.source.object, 'source');
      assert.equal(out.source.type, 'truemoney_qr');
      assert.equal(out.source.amount, 400000);
      assert.equal(out.source.charge_status, 'unknown');
      assert.equal(out.charge.object, 'charge');
      assert.equal(out.charge.status, 'pending');
      assert.equal(out.charge.amount, 400000);
      assert.equal(out.charge.source.id, out.source.id);
      assert.equal(out.charge.description, 'proxy order');
      assert.deepEqual(out.charge.metadata, { order_id: 42, customer: { tier: 'gold' } });
    });

    test('charges.create with an inline source', () => {
      assert.ok(out, 'needs the app output');
      assert.equal(out.inlineCharge.object, 'charge');
      assert.equal(out.inlineCharge.status, 'pending');
      assert.equal(out.inlineCharge.amount, 25000);
      assert.equal(out.inlineCharge.source.type, 'truemoney_qr');
      assert.equal(out.inlineCharge.source.amount, 25000);
      assert.deepEqual(out.inlineCharge.metadata, { channel: 'inline' });
    });

    test('retrieve, list, update and sources.retrieve', () => {
      assert.ok(out, 'needs the app output');
      assert.equal(out.retrieved.id, out.charge.id);
      assert.deepEqual(out.retrieved.metadata, { order_id: 42, customer: { tier: 'gold' } });
      assert.equal(out.list.object, 'list');
      assert.equal(out.list.limit, 10);
      assert.equal(out.list.order, 'reverse_chronological');
      assert.equal(out.list.total, 2);
      assert.deepEqual(out.list.data.map((charge: any) => charge.id).sort(), [out.charge.id, out.inlineCharge.id].sort());
      assert.equal(out.updated.id, out.charge.id);
      assert.equal(out.updated.description, 'proxy order (edited)');
      assert.deepEqual(out.updated.metadata, { order_id: 43 });
      assert.equal(out.sourceRetrieved.id, out.source.id);
      assert.equal(out.sourceRetrieved.charge_status, 'pending');
    });

    test('events.list and capability.retrieve', () => {
      assert.ok(out, 'needs the app output');
      assert.equal(out.events.object, 'list');
      assert.equal(out.events.total, 3);
      assert.deepEqual(out.events.data.map((event: any) => event.key).sort(), ['charge.create', 'charge.create', 'charge.update']);
      assert.equal(out.capability.object, 'capability');
      assert.ok(out.capability.payment_methods.some((method: any) => method.name === 'truemoney_qr'));
    });

    test('SDK errors reject: not_found, invalid_charge, failed_capture', () => {
      assert.ok(out, 'needs the app output');
      assert.equal(out.unknownCharge.resolved, undefined, 'retrieving an unknown charge must reject');
      assert.equal(out.unknownCharge.rejected.object, 'error');
      assert.equal(out.unknownCharge.rejected.code, 'not_found');
      assert.equal(out.unknownCharge.rejected.message, `charge ${unknownChargeId} was not found`);
      assert.equal(out.tooSmall.resolved, undefined, 'amount 100 must reject');
      assert.equal(out.tooSmall.rejected.code, 'invalid_charge');
      assert.equal(out.capture.resolved, undefined, 'capture must reject');
      assert.equal(out.capture.rejected.code, 'failed_capture');
    });

    test('the objects the app made are in this gateway\'s store', async () => {
      assert.ok(out, 'needs the app output');
      const charge = await h.request({ url: `/charges/${out.charge.id}`, key: keys.secretKey });
      assert.equal(charge.status, 200);
      assert.equal(charge.json.description, 'proxy order (edited)');
      assert.equal(charge.json.source.id, out.source.id);
      const inline = await h.request({ url: `/charges/${out.inlineCharge.id}`, key: keys.secretKey });
      assert.equal(inline.status, 200);
    });
  });
}, { listen: true });
