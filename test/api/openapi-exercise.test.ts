/**
 * Every operation the OpenAPI document lists, driven against a real gateway on each store: one
 * valid request per operation (what it needs made first), its answer checked against the document
 * (a listed status, the media type, required headers, the JSON body against its schema, which is
 * strict for Omise objects), and the request itself checked against the operation's parameters.
 * Every operation of the API also gets a documented error (401 without a key, or 400 for an
 * unreadable parameter) checked against the error schema. The operations exercised must be
 * exactly the documented ones: a new operation needs its case here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as OTPAuth from 'otpauth';
import { buildOpenApiDocument } from '../../src/api/openapi/document.js';
import { findConfirmationByTransaction, saveProviderSettings } from '../../src/store/providers.js';
import { changeSettings } from '../../src/usecases/accounts.js';
import { applyConfirmation, recordConfirmation } from '../../src/usecases/live-provider.js';
import { issueSetupToken } from '../../src/usecases/operators.js';
import { recordAttempts } from '../../src/usecases/webhooks.js';
import { cookieValue, csrfOf } from '../support/dashboard.js';
import { basic, describeEachStore, type Harness, type RequestOptions, type TestResponse } from '../support/harness.js';
import { checkRequest, checkResponse, type DocumentedOperation, documentedOperations, matchesTemplate, SchemaChecker } from '../support/openapi.js';

const document = buildOpenApiDocument() as Record<string, any>;
const operations = documentedOperations(document);
const byId = new Map(operations.map((operation) => [operation.operationId, operation]));
const checker = new SchemaChecker(document);

/** The success statuses an operation lists (2xx, 3xx), lowest first. */
function successStatuses(documented: DocumentedOperation): number[] {
  return Object.keys(documented.operation.responses)
    .map(Number)
    .filter((status) => status < 400)
    .sort((a, b) => a - b);
}

/** A concrete URL for an operation's path: each parameter a plausible value of its kind. */
function sampleUrl(path: string): string {
  return path.replace('{path}', 'some/thing').replace(/\{[^}]+\}/g, 'chrg_test_0000000000000000000');
}

describeEachStore('the OpenAPI document, exercised operation by operation', (h) => {
  const exercised = new Set<string>();
  const erred = new Set<string>();
  /** What earlier cases made, for the later ones. */
  const made: Record<string, any> = {};
  let session = '';
  let csrf = '';

  /**
   * Sends a request that must be an instance of the operation, checks it against the document, and
   * checks the answer: `expect` (default: the operation's lowest success status) and its schema.
   */
  async function exercise(operationId: string, request: RequestOptions, expect?: number): Promise<TestResponse> {
    const documented = byId.get(operationId);
    assert.ok(documented, `${operationId} is documented`);
    const method = request.method ?? 'GET';
    checkRequest(checker, documented, { method, url: request.url, json: request.json, form: request.form });
    const response = await h.request(request);
    const expected = expect ?? successStatuses(documented)[0];
    assert.equal(response.status, expected, `${operationId}: ${method} ${request.url} answered ${response.status}: ${response.body.slice(0, 400)}`);
    checkResponse(checker, documented, response);
    exercised.add(operationId);
    return response;
  }

  /** An error the operation documents: the status, the code, and the body against the error schema. */
  async function exerciseError(operationId: string, request: RequestOptions, status: number, code: string): Promise<void> {
    const documented = byId.get(operationId)!;
    assert.ok(matchesTemplate(documented.path, new URL(request.url, 'http://x').pathname), `${operationId}: ${request.url}`);
    const response = await h.request(request);
    assert.equal(response.status, status, `${operationId}: ${request.method ?? 'GET'} ${request.url}: ${response.body.slice(0, 300)}`);
    checkResponse(checker, documented, response, `${operationId} error`);
    assert.equal(response.json?.code, code, `${operationId}: ${response.body.slice(0, 300)}`);
    erred.add(operationId);
  }

  const secret = () => h.keys.secretKey;
  const dashboard = (extra: Record<string, string> = {}) => ({ headers: { cookie: session, ...extra } });
  const form = (fields: Record<string, string>) => new URLSearchParams({ _csrf: csrf, ...fields }).toString();

  async function newCharge(amount = 40000): Promise<any> {
    const res = await h.request({ method: 'POST', url: '/charges', key: secret(), json: { amount, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(res.status, 200, res.body);
    return res.json;
  }

  /** The QR text of a charge, from the simulator link of its hosted page. */
  async function payloadOf(charge: any): Promise<string> {
    const page = await h.request({ url: new URL(charge.authorize_uri).pathname });
    const match = /href="\/simulator\?payload=([^"]+)"/.exec(page.body);
    assert.ok(match, 'the hosted page links to the simulator');
    return decodeURIComponent(match[1].replace(/&amp;/g, '&'));
  }

  // ------------------------------------------------------------------------------- operations

  test('operations: health, readiness, metrics, this document', async () => {
    await exercise('health', { url: '/healthz' });
    await exercise('readiness', { url: '/readyz' });
    await exercise('metrics', { url: '/metrics' });
    // No account has configured SCB here: any secret is unknown (the live flow is test/e2e/live-scb.test.ts's).
    const callback = { transactionId: '20261130ABCDEFGHIJKLMNO', amount: '100.00', billPaymentRef1: 'ABC123', payeeProxyId: '010555012345601' };
    await exercise('scbCallback', { method: 'POST', url: `/providers/scb/callbacks/${'a'.repeat(64)}`, json: callback }, 404);
    const served = await exercise('openApiDocument', { url: '/openapi.json' });
    await exercise('openApiDocument', { url: '/openapi.json', headers: { 'if-none-match': String(served.headers.etag) } }, 304);
  });

  // ------------------------------------------------------------------------------- sources and charges

  test('sources and the capability, with their CORS preflights', async () => {
    const preflight = { headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } };
    await exercise('createSourcePreflight', { method: 'OPTIONS', url: '/sources', ...preflight }, 204);
    made.source = (
      await exercise('createSource', {
        method: 'POST',
        url: '/sources',
        key: h.keys.publicKey,
        json: { type: 'truemoney_qr', amount: 40000, currency: 'THB', email: 'payer@example.com', platform_type: 'WEB' },
      })
    ).json;
    await exercise('retrieveSourcePreflight', { method: 'OPTIONS', url: `/sources/${made.source.id}`, ...preflight }, 204);
    await exercise('retrieveSource', { url: `/sources/${made.source.id}`, key: h.keys.publicKey });
    await exerciseError('retrieveSource', { url: '/sources/src_test_0000000000000000000', key: h.keys.publicKey }, 404, 'not_found');
    await exercise('retrieveCapabilityPreflight', { method: 'OPTIONS', url: '/capability', ...preflight }, 204);
    await exercise('retrieveCapability', { url: '/capability', key: h.keys.publicKey });
    await exerciseError('createSource', { method: 'POST', url: '/sources', key: h.keys.publicKey, json: { type: 'truemoney_qr', amount: 40000, currency: 'THB' }, headers: { 'omise-version': '2015-11-17' } }, 404, 'service_not_found');
  });

  test('charges: create, list, retrieve, update, capture and reverse refused, document and QR download', async () => {
    made.charge = (
      await exercise('createCharge', {
        method: 'POST',
        url: '/charges',
        key: secret(),
        json: { amount: 40000, currency: 'THB', source: made.source.id, description: 'Order 42', metadata: { order: '42' }, return_uri: 'https://shop.example/done' },
      })
    ).json;
    await exerciseError('createCharge', { method: 'POST', url: '/charges', key: secret(), json: { amount: 40000, currency: 'THB', source: made.source.id } }, 400, 'invalid_charge');
    // An Idempotency-Key repeated: the first answer again, marked Idempotent-Replayed.
    const once = { method: 'POST', url: '/charges', key: secret(), json: { amount: 50000, currency: 'THB', source: { type: 'truemoney_qr' } }, headers: { 'idempotency-key': `openapi-${h.dialect}` } };
    const first = await exercise('createCharge', once);
    const replayed = await exercise('createCharge', once);
    assert.equal(replayed.headers['idempotent-replayed'], 'true');
    assert.equal(replayed.json.id, first.json.id);
    await exercise('listCharges', { url: '/charges?limit=5&order=reverse_chronological', key: secret() });
    await exerciseError('listCharges', { url: '/charges?limit=0', key: secret() }, 422, 'invalid_per_page');
    await exercise('retrieveCharge', { url: `/charges/${made.charge.id}`, key: secret() });
    await exerciseError('retrieveCharge', { url: '/charges/chrg_test_0000000000000000000', key: secret() }, 404, 'not_found');
    await exercise('updateCharge', { method: 'PATCH', url: `/charges/${made.charge.id}`, key: secret(), json: { description: 'Order 42, gift wrapped', metadata: { order: '42', wrap: true } } });
    await exercise('captureCharge', { method: 'POST', url: `/charges/${made.charge.id}/capture`, key: secret() }, 400);
    await exercise('reverseCharge', { method: 'POST', url: `/charges/${made.charge.id}/reverse`, key: secret() }, 400);
    const image = made.charge.source.scannable_code.image;
    await exercise('retrieveChargeDocument', { url: image.location, key: secret() });
    await exercise('downloadChargeQr', { url: new URL(image.download_uri).pathname });
    await exerciseError('downloadChargeQr', { url: new URL(image.download_uri).pathname.replace(/[0-9A-F]{16}$/, '0000000000000000') }, 404, 'not_found');
  });

  test("the customer's pages: payment page, its status and script, omise.js", async () => {
    const ref = made.charge.source.provider_references.reference_number_1;
    await exercise('paymentStatus', { url: `/payments/${ref}/status` });
    await exercise('paymentPage', { url: `/payments/${ref}/authorize?acs=false` });
    await exercise('paymentPage', { url: '/payments/pay2_test_0000000000000000000/authorize' }, 404);
    await exercise('paymentPageScript', { url: '/payments/assets/pay.js' });
    await exercise('omiseJs', { url: '/omise.js' });
  });

  test('completing charges: mark_as_paid, mark_as_failed, expire', async () => {
    made.paid = (await exercise('markChargeAsPaid', { method: 'POST', url: `/charges/${(await newCharge(80000)).id}/mark_as_paid`, key: secret(), json: { funding_source: 'wallet_balance' } })).json;
    await exercise('markChargeAsFailed', { method: 'POST', url: `/charges/${(await newCharge()).id}/mark_as_failed`, key: secret() });
    await exerciseError('markChargeAsFailed', { method: 'POST', url: `/charges/${made.paid.id}/mark_as_failed`, key: secret() }, 400, 'bad_request');
    await exercise('expireCharge', { method: 'POST', url: `/charges/${(await newCharge()).id}/expire`, key: secret() });
    await exerciseError('expireCharge', { method: 'POST', url: `/charges/${made.paid.id}/expire`, key: secret() }, 400, 'failed_expire');
  });

  test('refunds', async () => {
    made.refund = (await exercise('createRefund', { method: 'POST', url: `/charges/${made.paid.id}/refunds`, key: secret(), json: { amount: 10000, metadata: { reason: 'damaged' } } })).json;
    await exerciseError('createRefund', { method: 'POST', url: `/charges/${made.paid.id}/refunds`, key: secret(), json: { amount: 'ten' } }, 400, 'invalid_amount');
    await exercise('listChargeRefunds', { url: `/charges/${made.paid.id}/refunds`, key: secret() });
    await exercise('retrieveChargeRefund', { url: `/charges/${made.paid.id}/refunds/${made.refund.id}`, key: secret() });
    await exercise('listRefunds', { url: '/refunds?from=2020-01-01T00:00:00Z', key: secret() });
    await exerciseError('listRefunds', { url: '/refunds?from=yesterday', key: secret() }, 422, 'invalid_filter');
  });

  test('events, the balance and transactions', async () => {
    const events = await exercise('listEvents', { url: '/events?order=reverse_chronological', key: secret() });
    assert.ok(events.json.data.some((event: any) => event.key === 'refund.create') && events.json.data.some((event: any) => event.key === 'charge.update'), 'events of charges and refunds');
    made.event = events.json.data.find((event: any) => event.data.id === made.charge.id);
    await exercise('retrieveEvent', { url: `/events/${made.event.id}`, key: secret() });
    await exercise('listChargeEvents', { url: `/charges/${made.charge.id}/events`, key: secret() });
    await exerciseError('listChargeEvents', { url: '/charges/chrg_test_0000000000000000000/events', key: secret() }, 404, 'not_found');
    await exercise('retrieveBalance', { url: '/balance', key: secret() });
    await exercise('listTransactions', { url: '/transactions', key: secret() });
    await exercise('retrieveTransaction', { url: `/transactions/${made.paid.transaction}`, key: secret() });
  });

  test('the account and search', async () => {
    const account = await exercise('retrieveAccount', { url: '/account', key: secret() });
    assert.equal(account.json.team, h.keys.accountId);
    const refused = await exercise('updateAccount', { method: 'PATCH', url: '/account' }, 400);
    assert.equal(refused.json.code, 'feature_not_supported');
    const charges = await exercise('search', { url: `/search?scope=charge&query=${made.paid.id}&filters[status]=successful&order=reverse_chronological&per_page=5`, key: secret() });
    assert.deepEqual(charges.json.data.map((charge: any) => charge.id), [made.paid.id]);
    const refunds = await exercise('search', { url: `/search?scope=refund&query=${made.refund.id}`, key: secret() });
    assert.ok(refunds.json.total >= 1, 'the refund of that charge');
    await exerciseError('search', { url: '/search?scope=transfer', key: secret() }, 400, 'bad_request');
  });

  test('webhook endpoints, the webhook secret, redelivery', async () => {
    await exercise('listWebhookEndpoints', { url: '/webhook_endpoints', key: secret() });
    const endpoint = (await exercise('createWebhookEndpoint', { method: 'POST', url: '/webhook_endpoints', key: secret(), json: { url: 'https://shop.example/hooks/satang' } })).json;
    await exerciseError('createWebhookEndpoint', { method: 'POST', url: '/webhook_endpoints', key: secret(), json: { url: 42 } }, 400, 'bad_request');
    await exercise('retrieveWebhookEndpoint', { url: `/webhook_endpoints/${endpoint.id}`, key: secret() });
    await exercise('updateWebhookEndpoint', { method: 'PATCH', url: `/webhook_endpoints/${endpoint.id}`, key: secret(), json: { enabled: false } });
    await exercise('deleteWebhookEndpoint', { method: 'DELETE', url: `/webhook_endpoints/${endpoint.id}`, key: secret() });
    await exerciseError('retrieveWebhookEndpoint', { url: `/webhook_endpoints/${endpoint.id}`, key: secret() }, 404, 'not_found');
    await exercise('retrieveWebhookSecret', { url: '/webhook_secret', key: secret() });
    await exercise('rollWebhookSecret', { method: 'POST', url: '/webhook_secret/roll', key: secret() });
    // An endpoint to redeliver to (no dispatcher runs here: nothing is sent).
    assert.equal((await h.request({ method: 'POST', url: '/webhook_endpoints', key: secret(), json: { url: 'https://shop.example/hooks/kept' } })).status, 200);
    await exercise('redeliverEvent', { method: 'POST', url: `/events/${made.event.id}/redeliver`, key: secret(), json: {} });
    await exercise('redeliverEvent', { method: 'POST', url: `/events/${made.event.id}/redeliver`, key: secret(), json: { url: 'https://shop.example/hooks/once' } });
  });

  test('webhook chaos: settings on an endpoint, and an attempt it decided (satang_chaos)', async () => {
    const endpoint = (await h.request({ method: 'POST', url: '/webhook_endpoints', key: secret(), json: { url: 'https://shop.example/hooks/chaos' } })).json;
    const settings = { duplicate_rate: 1, delay_ms: [0, 0], reorder_window_ms: 0, fail_first_attempts: 1, seed: 7 };
    const set = await exercise('updateWebhookEndpoint', { method: 'PATCH', url: `/webhook_endpoints/${endpoint.id}`, key: secret(), json: { chaos: settings } });
    assert.deepEqual(set.json.chaos, settings);
    await exerciseError('updateWebhookEndpoint', { method: 'PATCH', url: `/webhook_endpoints/${endpoint.id}`, key: secret(), json: { chaos: { duplicate_rate: 2 } } }, 400, 'bad_request');
    const charge = await newCharge();
    // No dispatcher runs here: the attempt a chaos job's first try would record is recorded through the use case.
    const jobs = await h.store.read.selectFrom('webhook_jobs').selectAll().where('endpoint_id', '=', endpoint.id).where('chaos', 'is not', null).execute();
    assert.equal(jobs.length, 2, 'duplicated: two jobs');
    const outcome = { status: null, error: 'simulated', responseExcerpt: null, payload: '{}', attemptedAtMs: Date.now(), durationMs: 0, simulatedFailure: true };
    await h.store.transaction((tx) => recordAttempts(tx, [{ job: jobs[0], outcome, accountNowMs: Date.now(), random: 0.5 }]));
    const event = await exercise('retrieveEvent', { url: `/events/${jobs[0].event_id}`, key: secret() });
    assert.equal(event.json.data.id, charge.id);
    const chaotic = event.json.webhook_deliveries.find((delivery: any) => delivery.uri === endpoint.url);
    assert.deepEqual(Object.keys(chaotic.satang_chaos).sort(), ['attempt', 'delay_ms', 'duplicate', 'duplicated', 'event_number', 'hold_ms', 'simulated_failure']);
    const off = await exercise('updateWebhookEndpoint', { method: 'PATCH', url: `/webhook_endpoints/${endpoint.id}`, key: secret(), json: { chaos: null } });
    assert.equal(off.json.chaos, null);
    assert.equal((await h.request({ method: 'DELETE', url: `/webhook_endpoints/${endpoint.id}`, key: secret() })).status, 200);
  });

  test('the wallet simulator: JSON API, page and scripts', async () => {
    const payload = await payloadOf(await newCharge());
    await exercise('walletScan', { method: 'POST', url: '/simulator/scan', json: { payload } });
    await exercise('walletApprove', { method: 'POST', url: '/simulator/approve', json: { payload, funding_source: 'bank_account' } });
    await exerciseError('walletApprove', { method: 'POST', url: '/simulator/approve', json: { payload } }, 400, 'bad_request');
    await exerciseError('walletScan', { method: 'POST', url: '/simulator/scan', key: h.keys.liveSecretKey, json: { payload } }, 403, 'not_authorized');
    await exercise('walletDecline', { method: 'POST', url: '/simulator/decline', json: { payload: await payloadOf(await newCharge()) } });
    await exercise('simulatorScript', { url: '/simulator/assets/simulator.js' });
    await exercise('simulatorQrDecoder', { url: '/simulator/assets/jsqr.js' });
    await exercise('simulatorPage', { url: '/simulator' });
    const another = await payloadOf(await newCharge());
    await exercise('simulatorPage', { url: `/simulator?payload=${encodeURIComponent(another)}` });
    await exercise('simulatorDecision', { method: 'POST', url: '/simulator', form: new URLSearchParams({ payload: another, decision: 'approve', funding_source: 'pay_next' }).toString() });
    await exercise('simulatorDecision', { method: 'POST', url: '/simulator', form: new URLSearchParams({ payload: another, decision: 'approve' }).toString() }, 400);
  });

  test('the test clock', async () => {
    await exercise('retrieveTestClock', { url: '/test/clock', key: secret() });
    await exerciseError('retrieveTestClock', { url: '/test/clock', key: h.keys.liveSecretKey }, 403, 'not_authorized');
    await exercise('advanceTestClock', { method: 'POST', url: '/test/clock/advance', key: secret(), json: { seconds: 60 } });
  });

  test('the test settings: a default scripted outcome', async () => {
    await exercise('retrieveTestSettings', { url: '/test/settings', key: secret() });
    const changed = await exercise('updateTestSettings', { method: 'PATCH', url: '/test/settings', key: secret(), json: { default_outcome: 'failed', default_outcome_after_seconds: 3600 } });
    assert.equal(changed.json.default_outcome, 'failed');
    await exerciseError('updateTestSettings', { method: 'PATCH', url: '/test/settings', key: secret(), json: { default_outcome: 'maybe' } }, 400, 'bad_request');
    await exerciseError('retrieveTestSettings', { url: '/test/settings', key: h.keys.liveSecretKey }, 403, 'not_authorized');
    await exercise('updateTestSettings', { method: 'PATCH', url: '/test/settings', key: secret(), json: { default_outcome: 'none' } });
  });

  test('test events on demand: a new charge driven to the event', async () => {
    const refunded = await exercise('triggerTestEvent', { method: 'POST', url: '/test/trigger', key: secret(), json: { event: 'refund.create', amount: 20000, funding_source: 'bank_account' } });
    assert.equal(refunded.json.events.length, 3);
    assert.equal(refunded.json.refund.amount, 20000);
    const created = await exercise('triggerTestEvent', { method: 'POST', url: '/test/trigger', key: secret(), form: 'event=charge.create' });
    assert.equal(created.json.refund, null);
    await exerciseError('triggerTestEvent', { method: 'POST', url: '/test/trigger', key: secret(), json: { event: 'charge.refund' } }, 400, 'bad_request');
    await exerciseError('triggerTestEvent', { method: 'POST', url: '/test/trigger', key: h.keys.liveSecretKey, json: { event: 'charge.create' } }, 403, 'not_authorized');
  });

  test('the request log: the list, and the stream', async () => {
    await h.gateway.requestLog.flush();
    const listed = await exercise('listRequestLog', { url: '/test/requests?status=2xx&path=/charges&limit=5', key: secret() });
    assert.ok(listed.json.data.length > 0, 'the requests of the cases before');
    await exercise('listRequestLog', { url: '/test/requests?order=chronological&from=2020-01-01T00:00:00Z&route=/charges/:id&method=GET&request_id=x&offset=0', key: secret() });
    await exerciseError('listRequestLog', { url: '/test/requests?status=abc', key: secret() }, 422, 'invalid_filter');
    await exerciseError('listRequestLog', { url: '/test/requests', key: h.keys.liveSecretKey }, 403, 'not_authorized');
    // The stream never ends by itself: its head and first bytes are checked, then it is closed.
    const documented = byId.get('streamRequestLog')!;
    const url = '/test/requests/stream?status=4xx&path=/charges';
    checkRequest(checker, documented, { method: 'GET', url });
    const response = await h.app.inject({ method: 'GET', url, headers: { authorization: basic(secret()) }, payloadAsStream: true });
    const first = await new Promise<Buffer>((resolve, reject) => {
      const stream = response.stream();
      stream.once('data', resolve);
      stream.once('error', reject);
    });
    checkResponse(checker, documented, { status: response.statusCode, headers: response.headers, body: first.toString(), json: undefined, raw: first });
    exercised.add('streamRequestLog');
    for (const stream of h.app.sse.streamsOf(h.keys.accountId)) stream.close();
    await exerciseError('streamRequestLog', { url: '/test/requests/stream?status=abc', key: secret() }, 422, 'invalid_filter');
    await exerciseError('streamRequestLog', { url: '/test/requests/stream', key: h.keys.liveSecretKey }, 403, 'not_authorized');
  });

  // ------------------------------------------------------------------------------- the dashboard

  test('dashboard: the first operator is made through the setup link', async () => {
    const token = await h.store.transaction((tx) => issueSetupToken(tx, Date.now()));
    assert.ok(token);
    const setupPage = await exercise('dashboardSetupPage', { url: `/dashboard/setup?token=${token}` });
    const formToken = cookieValue([setupPage.headers['set-cookie']].flat().map(String), 'satang_form')!;
    const setUp = await exercise('dashboardSetup', {
      method: 'POST',
      url: '/dashboard/setup',
      form: new URLSearchParams({ _form: formToken, token, email: 'ops@example.com', password: 'correct horse battery staple', password_again: 'correct horse battery staple' }).toString(),
      headers: { cookie: `satang_form=${formToken}` },
    });
    session = `satang_session=${cookieValue([setUp.headers['set-cookie']].flat().map(String), 'satang_session')}`;
    await exercise('dashboardSetupPage', { url: `/dashboard/setup?token=${token}` }, 303);
  });

  test('dashboard: pages', async () => {
    const overview = await exercise('dashboardOverview', { url: '/dashboard', ...dashboard() });
    csrf = csrfOf(overview.body);
    await exercise('dashboardOverview', { url: '/dashboard' }, 303);
    await exercise('dashboardCharges', { url: '/dashboard/charges?status=pending&q=chrg', ...dashboard() });
    await exercise('dashboardCharges', { url: '/dashboard/charges?q=amount%3A100..500&amount=400&from=2020-01-01&to=2099-12-31', ...dashboard() });
    await exercise('dashboardCharges', { url: '/dashboard/charges?q=amount%3Aabc', ...dashboard() }, 400);
    await exercise('dashboardBalance', { url: '/dashboard/balance', ...dashboard() });
    await exercise('dashboardTransactions', { url: '/dashboard/transactions', ...dashboard() });
    await exercise('dashboardTransactions', { url: '/dashboard/transactions?before=1_1', ...dashboard() });
    await exercise('dashboardTransactions', { url: '/dashboard/transactions?before=x', ...dashboard() }, 400);
    for (const kind of ['Charges', 'Refunds', 'Transactions']) {
      const url = `/dashboard/exports/${kind.toLowerCase()}.csv`;
      await exercise(`dashboardExport${kind}`, { url: `${url}?from=2020-01-01&to=2020-12-31`, ...dashboard() });
      await exercise(`dashboardExport${kind}`, { url: `${url}?from=2020-01-01&to=2021-12-31`, ...dashboard() }, 400);
      await exercise(`dashboardExport${kind}`, { url: `${url}?from=2020-01-01&to=2020-01-02` }, 303);
    }
    await exercise('dashboardCharge', { url: `/dashboard/charges/${made.charge.id}`, ...dashboard() });
    await exercise('dashboardCharge', { url: '/dashboard/charges/chrg_test_0000000000000000000', ...dashboard() }, 404);
    await exercise('dashboardWebhooks', { url: '/dashboard/webhooks', ...dashboard() });
    await exercise('dashboardKeys', { url: '/dashboard/keys', ...dashboard() });
    await exercise('dashboardDevelopers', { url: '/dashboard/developers?status=4xx&method=GET&route=%2Fcharges%2F%3Aid&path=%2Fcharges&request_id=x', ...dashboard() });
    await exercise('dashboardDevelopers', { url: '/dashboard/developers?before=12', ...dashboard() });
    await exercise('dashboardDeveloperEvents', { url: '/dashboard/developers/events?key=charge.create', ...dashboard() });
    await exercise('dashboardSettings', { url: '/dashboard/settings', ...dashboard() });
    await exercise('dashboardAudit', { url: '/dashboard/audit', ...dashboard() });
  });

  test('dashboard: charge actions, each confirmed on its own page first', async () => {
    const post = (operationId: string, url: string, fields: Record<string, string> = {}, expect?: number) => exercise(operationId, { method: 'POST', url, form: form(fields), ...dashboard() }, expect);
    const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
    const pending = await newCharge();
    await exercise('dashboardConfirmCompleteCharge', { url: `/dashboard/charges/${pending.id}/complete?outcome=successful&funding_source=bank_account`, ...dashboard() });
    await exercise('dashboardConfirmCompleteCharge', { url: `/dashboard/charges/${pending.id}/complete?outcome=sometimes`, ...dashboard() }, 400);
    await exercise('dashboardConfirmCompleteCharge', { url: '/dashboard/charges/chrg_test_0000000000000000000/complete?outcome=failed', ...dashboard() }, 404);
    await post('dashboardCompleteCharge', `/dashboard/charges/${pending.id}/complete`, { confirm: 'yes', outcome: 'successful', funding_source: 'bank_account', reason: 'paid at the counter' });
    await post('dashboardCompleteCharge', `/dashboard/charges/${made.paid.id}/complete`, { confirm: 'yes', outcome: 'failed' }, 400);
    const forged = new URLSearchParams({ _csrf: 'not-the-token', confirm: 'yes', outcome: 'failed' }).toString();
    await exercise('dashboardCompleteCharge', { method: 'POST', url: `/dashboard/charges/${made.paid.id}/complete`, form: forged, ...dashboard() }, 403);
    const toExpire = await newCharge();
    await exercise('dashboardConfirmExpireCharge', { url: `/dashboard/charges/${toExpire.id}/expire`, ...dashboard() });
    await post('dashboardExpireCharge', `/dashboard/charges/${toExpire.id}/expire`, { confirm: 'yes' });
    const confirmation = await exercise('dashboardConfirmRefundCharge', { url: `/dashboard/charges/${made.paid.id}/refund?amount=50&void=on`, ...dashboard() });
    await exercise('dashboardConfirmRefundCharge', { url: `/dashboard/charges/${made.paid.id}/refund?amount=lots`, ...dashboard() }, 400);
    const confirmed = { confirm: 'yes', amount: hidden(confirmation.body, 'amount'), kind: hidden(confirmation.body, 'kind'), seen: hidden(confirmation.body, 'seen'), reason: 'damaged in transit' };
    await post('dashboardRefundCharge', `/dashboard/charges/${made.paid.id}/refund`, confirmed);
    await post('dashboardRefundCharge', `/dashboard/charges/${made.paid.id}/refund`, confirmed, 409);
    await post('dashboardRedeliverEvent', `/dashboard/charges/${made.charge.id}/events/${made.event.id}/redeliver`);
    await post('dashboardExpireCharge', '/dashboard/charges/chrg_test_0000000000000000000/expire', { confirm: 'yes' }, 404);
  });

  test('dashboard: live mode through SCB (a manual refund confirmed first, the reconciliation report)', async () => {
    const post = (operationId: string, url: string, fields: Record<string, string> = {}, expect?: number) => exercise(operationId, { method: 'POST', url, form: form(fields), ...dashboard() }, expect);
    // Test mode: the confirmation says why not, and the action refuses.
    await exercise('dashboardConfirmManualRefund', { url: `/dashboard/charges/${made.paid.id}/manual-refund?amount=10&reference=TRF1`, ...dashboard() });
    await exercise('dashboardConfirmManualRefund', { url: `/dashboard/charges/${made.paid.id}/manual-refund?amount=10&reference=`, ...dashboard() }, 400);
    await exercise('dashboardConfirmManualRefund', { url: '/dashboard/charges/chrg_test_0000000000000000000/manual-refund?amount=10&reference=TRF1', ...dashboard() }, 404);
    await post('dashboardManualRefund', `/dashboard/charges/${made.paid.id}/manual-refund`, { confirm: 'yes', amount: '10', reference: 'TRF1', seen: '0' }, 400);
    await exercise('dashboardReconciliation', { url: '/dashboard/reconciliation', ...dashboard() });
    // A live charge paid at SCB, completed as the job does it (no network): settings, a callback recorded, the inquiry's row.
    const now = Date.now();
    const settings = {
      account_id: h.keys.accountId,
      provider: 'scb' as const,
      application_key: 'exercise-key',
      application_secret_sealed: 'sealed-for-tests',
      biller_id: '010556012345601',
      ref3_prefix: 'EXR',
      callback_digest: 'b'.repeat(64),
      verified_at: now,
      created_at: now,
      updated_at: now,
    };
    await h.gateway.changes.system((tx) => saveProviderSettings(tx, settings));
    await h.gateway.changes.system((tx) => changeSettings(tx, h.keys.accountId, { truemoneyQrLive: true }));
    const charge = await h.request({ method: 'POST', url: '/charges', key: h.keys.liveSecretKey, json: { amount: 40000, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(charge.status, 200, charge.body);
    const { qr_ref1: ref1 } = await h.store.read.selectFrom('charges').select('qr_ref1').where('id', '=', charge.json.id).executeTakeFirstOrThrow();
    const raw = { transactionId: 'EXERCISE0001', payeeProxyId: settings.biller_id, billPaymentRef1: ref1, amount: '400.00', transactionDateandTime: '2026-01-15T10:00:00+07:00', sendingBankCode: '014', payerName: 'Payer' };
    const payment = { transactionId: 'EXERCISE0001', billerId: settings.biller_id, ref1, amountSatang: 40000, paidAtMs: Date.parse(raw.transactionDateandTime), sendingBankCode: '014', payerName: 'Payer', reversed: false, problem: null, raw };
    await h.gateway.changes.system((tx) => recordConfirmation(tx, settings, payment, 'callback', JSON.stringify(raw), now));
    const recorded = (await findConfirmationByTransaction(h.store.read, 'scb', 'EXERCISE0001'))!;
    const outcome = await h.gateway.changes.forAccount({ scope: { accountId: h.keys.accountId, livemode: 1 } }, (tx, ctx) => applyConfirmation(tx, ctx, settings, recorded, [payment]));
    assert.equal(!outcome.replayed && outcome.value.status, 'confirmed');
    await post('dashboardSwitchMode', '/dashboard/session/mode', { mode: 'live' });
    const confirmation = await exercise('dashboardConfirmManualRefund', { url: `/dashboard/charges/${charge.json.id}/manual-refund?amount=100&reference=TRF-0001`, ...dashboard() });
    assert.match(confirmation.body, /data-test="confirm"/);
    const confirmed = { confirm: 'yes', amount: '100.00', reference: 'TRF-0001', seen: '0', reason: 'by transfer' };
    await post('dashboardManualRefund', `/dashboard/charges/${charge.json.id}/manual-refund`, confirmed);
    await post('dashboardManualRefund', `/dashboard/charges/${charge.json.id}/manual-refund`, confirmed, 409);
    await post('dashboardManualRefund', '/dashboard/charges/chrg_0000000000000000000/manual-refund', confirmed, 404);
    await exercise('dashboardReconciliation', { url: '/dashboard/reconciliation', ...dashboard() });
    await exercise('dashboardReconciliation', { url: '/dashboard/reconciliation' }, 303);
    await post('dashboardSwitchMode', '/dashboard/session/mode', { mode: 'test' });
  });

  // Before the keys are rolled: the listeners' case uses the old live key within its two seconds.
  test('dashboard: operators (invite, link, role, reset, disable) and two-factor sign-in', async () => {
    const post = (operationId: string, url: string, fields: Record<string, string> = {}, expect?: number) => exercise(operationId, { method: 'POST', url, form: form(fields), ...dashboard() }, expect);
    await post('dashboardInviteOperator', '/dashboard/operators/invite', { email: 'invitee@example.com', role: 'viewer' });
    await post('dashboardInviteOperator', '/dashboard/operators/invite', { email: 'not an email', role: 'viewer' }, 400);
    const listing = await exercise('dashboardOperators', { url: '/dashboard/operators', ...dashboard() });
    const link = /\/dashboard\/password\?token=([A-Za-z0-9_-]+)/.exec(listing.body)!;
    const linkPage = await exercise('dashboardPasswordLinkPage', { url: link[0] });
    await exercise('dashboardPasswordLinkPage', { url: '/dashboard/password?token=' + 'x'.repeat(43) }, 403);
    const linkForm = cookieValue([linkPage.headers['set-cookie']].flat().map(String), 'satang_form')!;
    const linkFields = { _form: linkForm, token: link[1] };
    await exercise('dashboardPasswordLink', { method: 'POST', url: '/dashboard/password', form: new URLSearchParams({ ...linkFields, password: 'too short', password_again: 'too short' }).toString(), headers: { cookie: `satang_form=${linkForm}` } }, 400);
    await exercise('dashboardPasswordLink', {
      method: 'POST',
      url: '/dashboard/password',
      form: new URLSearchParams({ ...linkFields, password: 'the invitee password', password_again: 'the invitee password' }).toString(),
      headers: { cookie: `satang_form=${linkForm}` },
    });
    const invitee = (await h.store.read.selectFrom('operators').select('id').where('email', '=', 'invitee@example.com').executeTakeFirstOrThrow()).id;
    const self = (await h.store.read.selectFrom('operators').select('id').where('email', '=', 'ops@example.com').executeTakeFirstOrThrow()).id;
    await post('dashboardOperatorRole', `/dashboard/operators/${invitee}/role`, { role: 'operator' });
    await post('dashboardOperatorRole', '/dashboard/operators/oper_0000000000000000000/role', { role: 'operator' }, 404);
    await post('dashboardOperatorResetLink', `/dashboard/operators/${invitee}/reset-link`);
    await post('dashboardDisableOperator', `/dashboard/operators/${invitee}/disable`);
    await post('dashboardDisableOperator', `/dashboard/operators/${self}/disable`, {}, 400);
    await post('dashboardEnableOperator', `/dashboard/operators/${invitee}/enable`);

    await exercise('dashboardSecurity', { url: '/dashboard/security', ...dashboard() });
    await post('dashboardStartTotp', '/dashboard/security/totp/start');
    const setup = await exercise('dashboardSecurity', { url: '/dashboard/security', ...dashboard() });
    const secret = /data-test="totp-secret">([A-Z2-7]+)</.exec(setup.body)![1];
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    const now = Date.now();
    await post('dashboardConfirmTotp', '/dashboard/security/totp/confirm', { code: 'abcdef' }, 400);
    await post('dashboardConfirmTotp', '/dashboard/security/totp/confirm', { code: totp.generate({ timestamp: now }) });
    const codes = await exercise('dashboardSecurity', { url: '/dashboard/security', ...dashboard() });
    const recovery = /<li>([a-z2-9]{5}-[a-z2-9]{5})<\/li>/.exec(codes.body)![1];
    const signInPage = await h.request({ url: '/dashboard/signin' });
    const signInForm = cookieValue([signInPage.headers['set-cookie']].flat().map(String), 'satang_form')!;
    const password = await exercise('dashboardSignIn', {
      method: 'POST',
      url: '/dashboard/signin',
      form: new URLSearchParams({ _form: signInForm, email: 'ops@example.com', password: 'correct horse battery staple' }).toString(),
      headers: { cookie: `satang_form=${signInForm}` },
    });
    assert.equal(password.headers.location, '/dashboard/signin/code');
    const challenge = cookieValue([password.headers['set-cookie']].flat().map(String), 'satang_2fa')!;
    const codePage = await exercise('dashboardSignInCodePage', { url: '/dashboard/signin/code', headers: { cookie: `satang_2fa=${challenge}` } });
    await exercise('dashboardSignInCodePage', { url: '/dashboard/signin/code' }, 401);
    const codeForm = cookieValue([codePage.headers['set-cookie']].flat().map(String), 'satang_form')!;
    const codeCookie = { cookie: `satang_form=${codeForm}; satang_2fa=${challenge}` };
    await exercise('dashboardSignInCode', { method: 'POST', url: '/dashboard/signin/code', form: new URLSearchParams({ _form: codeForm, code: 'not-a-code' }).toString(), headers: codeCookie }, 401);
    await exercise('dashboardSignInCode', { method: 'POST', url: '/dashboard/signin/code', form: new URLSearchParams({ _form: codeForm, code: totp.generate({ timestamp: now + 30_000 }) }).toString(), headers: codeCookie });
    await post('dashboardDisableTotp', '/dashboard/security/totp/disable', { code: 'wrong' }, 400);
    await post('dashboardDisableTotp', '/dashboard/security/totp/disable', { code: recovery });
  });

  test('dashboard: webhooks, keys, settings, clock', async () => {
    const post = (operationId: string, url: string, fields: Record<string, string> = {}, expect?: number) => exercise(operationId, { method: 'POST', url, form: form(fields), ...dashboard() }, expect);
    await post('dashboardAddEndpoint', '/dashboard/webhooks/endpoints', { url: 'https://shop.example/hooks/dashboard' });
    const endpoints = await h.request({ url: '/webhook_endpoints', key: secret() });
    const endpoint = endpoints.json.data.find((e: any) => e.url === 'https://shop.example/hooks/dashboard');
    await post('dashboardChangeEndpoint', `/dashboard/webhooks/endpoints/${endpoint.id}`, { enabled: 'false' });
    await post('dashboardEndpointChaos', `/dashboard/webhooks/endpoints/${endpoint.id}/chaos`, { duplicate_rate: '0.5', delay_min_ms: '10', delay_max_ms: '20', reorder_window_ms: '100', fail_first_attempts: '1', seed: '3' });
    await post('dashboardEndpointChaos', `/dashboard/webhooks/endpoints/${endpoint.id}/chaos`, { delay_min_ms: '30', delay_max_ms: '20' }, 400);
    await post('dashboardEndpointChaos', `/dashboard/webhooks/endpoints/${endpoint.id}/chaos`, { off: 'yes' });
    await post('dashboardDeleteEndpoint', `/dashboard/webhooks/endpoints/${endpoint.id}/delete`);
    const sent = await post('dashboardSendTestEvent', '/dashboard/webhooks/test-event', { event: 'charge.complete', amount: '250', funding_source: 'credit_card' });
    assert.match(String(sent.headers.location), /^\/dashboard\/charges\/chrg_test_[0-9a-z]{19}\?notice=test_event_sent$/);
    await post('dashboardSendTestEvent', '/dashboard/webhooks/test-event', { event: 'charge.failed', funding_source: 'credit_card' }, 400);
    await post('dashboardRevealSecret', '/dashboard/webhooks/secret/reveal');
    await post('dashboardRollSecret', '/dashboard/webhooks/secret/roll', { confirm: 'yes' });
    await post('dashboardSaveSettings', '/dashboard/settings', { merchant_name: 'Openapi Shop', qr_form: '1', truemoney_qr_test: 'on' });
    await post('dashboardSaveSettings', '/dashboard/settings', { fee_rate_bps: 'a lot' }, 400);
    await post('dashboardSaveTestSettings', '/dashboard/test-settings', { default_outcome: 'successful', default_outcome_after_seconds: '30', default_funding_source: 'credit_card' });
    await post('dashboardSaveTestSettings', '/dashboard/test-settings', { default_outcome: 'sometimes' }, 400);
    await post('dashboardSaveTestSettings', '/dashboard/test-settings', { default_outcome: 'none' });
    await post('dashboardAdvanceClock', '/dashboard/clock/advance', { seconds: '60' });
    await post('dashboardSwitchAccount', '/dashboard/session/account', { account: h.other.accountId, back: '/dashboard/settings' });
    await post('dashboardSwitchAccount', '/dashboard/session/account', { account: h.keys.accountId });
    // Keys are rolled in live mode: the test keys keep working for the cases after this one.
    await post('dashboardSwitchMode', '/dashboard/session/mode', { mode: 'live' });
    await post('dashboardRollKey', '/dashboard/keys/roll', { kind: 'secret', confirm: 'yes' });
    // The old live key stops working once the API's two-second key cache forgets it: later cases use the new one.
    const keysPage = (await h.request({ url: '/dashboard/keys', ...dashboard() })).body;
    const rolledKey = /data-test="new-key">(skey_[0-9a-z_]+)</.exec(keysPage)?.[1];
    assert.ok(rolledKey, 'the keys page shows the rolled live key once');
    h.keys.liveSecretKey = rolledKey;
    await post('dashboardSwitchMode', '/dashboard/session/mode', { mode: 'test' });
    await post('dashboardResetTestData', '/dashboard/reset', { confirm: 'yes' });
  });

  test('dashboard: sign out, the sign-in page, sign in', async () => {
    const chosen = await exercise('dashboardLanguage', { url: '/dashboard/language?to=th&back=%2Fdashboard%2Fcharges' });
    assert.equal(chosen.headers.location, '/dashboard/charges');
    assert.match(String(chosen.headers['set-cookie']), /satang_lang=th/);
    await exercise('dashboardLanguage', { url: '/dashboard/language?to=fr' }, 400);
    await exercise('dashboardFavicon', { url: '/dashboard/favicon.svg' });
    await exercise('dashboardSignOut', { method: 'POST', url: '/dashboard/signout', form: form({}), ...dashboard() });
    await exercise('dashboardSignOut', { method: 'POST', url: '/dashboard/signout', form: form({}), ...dashboard() }, 401);
    const page = await exercise('dashboardSignInPage', { url: '/dashboard/signin?next=%2Fdashboard%2Fcharges' });
    const formToken = cookieValue([page.headers['set-cookie']].flat().map(String), 'satang_form')!;
    const fields = { _form: formToken, email: 'ops@example.com', next: '/dashboard/charges' };
    await exercise('dashboardSignIn', { method: 'POST', url: '/dashboard/signin', form: new URLSearchParams({ ...fields, password: 'not the password' }).toString(), headers: { cookie: `satang_form=${formToken}` } }, 401);
    const signedIn = await exercise('dashboardSignIn', { method: 'POST', url: '/dashboard/signin', form: new URLSearchParams({ ...fields, password: 'correct horse battery staple' }).toString(), headers: { cookie: `satang_form=${formToken}` } });
    assert.equal(signedIn.headers.location, '/dashboard/charges');
  });

  test('listeners (satang listen): make, stream, acknowledge, retrieve, remove', async () => {
    const listener = (await exercise('createListener', { method: 'POST', url: '/test/listeners', key: secret(), json: { events: 'charge.create', forward_to: 'http://localhost:3000/hooks' } })).json;
    await exerciseError('createListener', { method: 'POST', url: '/test/listeners', key: h.keys.liveSecretKey, json: {} }, 403, 'not_authorized');
    await exercise('retrieveListener', { url: `/test/listeners/${listener.id}`, key: secret() });
    await exerciseError('retrieveListener', { url: '/test/listeners/lstn_test_0000000000000000000', key: secret() }, 404, 'not_found');
    await newCharge();
    // The stream ends when the gateway drains: here, once its first delivery was written.
    const streaming = exercise('streamListener', { url: `/test/listeners/${listener.id}/stream`, key: secret() });
    const deadline = Date.now() + 10_000;
    while (h.gateway.listeners.size === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    while (
      (await h.store.read.selectFrom('webhook_jobs').select('id').where('listener_id', '=', listener.id).where('lease_until', '>', 0).executeTakeFirst()) === undefined &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await h.gateway.listeners.closeAll();
    const delivery = /^id: (whjb_test_[0-9a-z]{19})$/m.exec((await streaming).body)?.[1];
    assert.ok(delivery, 'a delivery was streamed');
    await exerciseError('streamListener', { url: `/test/listeners/${listener.id}/stream`, key: h.keys.liveSecretKey }, 403, 'not_authorized');
    const ackUrl = `/test/listeners/${listener.id}/deliveries/${delivery}/ack`;
    await exercise('acknowledgeListenerDelivery', { method: 'POST', url: ackUrl, key: secret(), json: { status: 200, duration_ms: 4 } });
    await exerciseError('acknowledgeListenerDelivery', { method: 'POST', url: ackUrl, key: secret(), json: { status: 200 } }, 400, 'bad_request');
    const acked = await exercise('acknowledgeListenerDeliveries', {
      method: 'POST',
      url: `/test/listeners/${listener.id}/acks`,
      key: secret(),
      json: { acks: [{ delivery, status: 200, duration_ms: 4 }, { delivery: 'whjb_test_0000000000000000000', status: null, duration_ms: 10000, error: 'no answer within 10000 ms' }] },
    });
    assert.deepEqual(
      acked.json.data.map((item: any) => [item.id, item.recorded]),
      [[delivery, false]],
      'acknowledged before; the unknown id is left out',
    );
    await exerciseError('acknowledgeListenerDeliveries', { method: 'POST', url: `/test/listeners/${listener.id}/acks`, key: secret(), json: { acks: [] } }, 400, 'bad_request');
    await exercise('deleteListener', { method: 'DELETE', url: `/test/listeners/${listener.id}`, key: secret() });
    await exerciseError('deleteListener', { method: 'DELETE', url: `/test/listeners/${listener.id}`, key: secret() }, 404, 'not_found');
  });

  test('test-data reset', async () => {
    await exercise('resetTestData', { method: 'POST', url: '/test/reset', key: secret() });
  });

  // ------------------------------------------------------------------------------- unserved resources

  test('the unserved Omise resources answer 400 feature_not_supported, every method, at their path and below', async () => {
    for (const documented of operations.filter((operation) => operation.operationId.startsWith('unserved_'))) {
      const response = await exercise(documented.operationId, { method: documented.method, url: sampleUrl(documented.path), key: secret() }, 400);
      assert.equal(response.json.code, 'feature_not_supported', `${documented.method} ${documented.path}`);
    }
  });

  // ------------------------------------------------------------------------------- errors of every API operation

  test('every API operation answers a documented error: 401 without its key, or 400 for a NUL in a parameter', async () => {
    for (const documented of operations.filter((operation) => ['api', 'test-mode'].includes(operation.operation.tags[0]))) {
      const needsKey = documented.operation.security.length > 0 && documented.operation.security.every((requirement: object) => Object.keys(requirement).length > 0);
      const url = sampleUrl(documented.path);
      if (needsKey) await exerciseError(documented.operationId, { method: documented.method, url }, 401, 'authentication_failure');
      else await exerciseError(documented.operationId, { method: documented.method, url: `${url}?note=a%00b` }, 400, 'bad_request');
    }
  });

  test('the operations exercised are exactly the documented ones', () => {
    const documented = operations.map((operation) => operation.operationId);
    const missing = documented.filter((id) => !exercised.has(id));
    assert.deepEqual(missing, [], 'documented operations without an exercise case in test/api/openapi-exercise.test.ts');
    assert.deepEqual(
      [...exercised].filter((id) => !byId.has(id)),
      [],
    );
    const api = operations.filter((operation) => ['api', 'test-mode'].includes(operation.operation.tags[0])).map((operation) => operation.operationId);
    assert.deepEqual(
      api.filter((id) => !erred.has(id)),
      [],
      'API operations without an exercised error',
    );
  });
});
