/**
 * Satang's objects against the seed guide's examples (test/fixtures/, copied from the shared
 * fixtures): the same key sets plus exactly the keys DECISIONS §2 adds, the key order of
 * omise-api.md §4.2, the same kinds of values (null, string, number, ...), and the pending
 * values of DECISIONS §3.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { describeEachStore, type Harness } from '../support/harness.js';

type Json = Record<string, any>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
}

const seedSource = fixture('seed-source.json');
const seedCharge = fixture('seed-charge-pending.json');
const seedScannableCode = fixture('seed-scannable-code.json');

/** DECISIONS §2: the keys Satang adds to the seed's objects, and no others. */
const chargeExtraKeys = ['authorization_type', 'authorized_amount', 'captured_amount', 'merchant_advice', 'merchant_advice_code', 'multi_capture'];
const sourceExtraKeys = ['qr_settings'];

/** omise-api.md §4.2: the charge's keys in server order. */
const canonicalChargeKeys = `object, id, location, amount, authorization_type, authorized_amount, captured_amount,
acquirer_reference_number, net, fee, fee_vat, interest, interest_vat, funding_amount,
refunded_amount, transaction_fees, platform_fee,
currency, funding_currency, ip, refunds, link, description, metadata, card, source,
schedule, linked_account, customer, dispute, transaction, failure_code, failure_message,
merchant_advice, merchant_advice_code, status, authorize_uri, return_uri, created_at, paid_at,
authorized_at, expires_at, expired_at, reversed_at, multi_capture, zero_interest_installments,
branch, terminal, device, authorized, capturable, capture, disputable, livemode, refundable,
partially_refundable, reversed, reversible, voided, paid, expired, can_perform_void, approval_code`
  .split(',')
  .map((key) => key.trim());

const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const idPattern = (prefix: string) => new RegExp(`^${prefix}_test_[0-9a-z]{19}$`);
const returnUri = 'http://example.com/orders/345678/complete';

const sorted = (keys: Iterable<string>) => [...keys].sort();

function assertKeySet(actual: Json, expected: string[], label: string): void {
  assert.ok(actual && typeof actual === 'object' && !Array.isArray(actual), `${label} is an object`);
  const have = new Set(Object.keys(actual));
  const want = new Set(expected);
  const missing = expected.filter((key) => !have.has(key));
  const extra = Object.keys(actual).filter((key) => !want.has(key));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${label}: key set differs`);
}

/** `keys` keeps the relative order of `order` (a subsequence check). */
function assertRelativeOrder(keys: string[], order: string[], label: string): void {
  const wanted = order.filter((key) => keys.includes(key));
  const got = keys.filter((key) => wanted.includes(key));
  assert.deepEqual(got, wanted, `${label}: keys out of order`);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Every key of `expected` has a value of the same kind in `actual`, recursively. */
function typeMismatches(actual: unknown, expected: unknown, path: string, skip: string[] = []): string[] {
  if (skip.includes(path)) return [];
  const a = kindOf(actual);
  const e = kindOf(expected);
  if (a !== e) return [`${path}: the seed has ${e} (${JSON.stringify(expected)}), Satang has ${a} (${JSON.stringify(actual)})`];
  if (e === 'object') {
    return Object.keys(expected as Json).flatMap((key) => {
      const child = path ? `${path}.${key}` : key;
      if (!(key in (actual as Json))) return [`${child}: missing`];
      return typeMismatches((actual as Json)[key], (expected as Json)[key], child, skip);
    });
  }
  if (e === 'array' && (expected as unknown[]).length > 0 && (actual as unknown[]).length > 0) {
    return typeMismatches((actual as unknown[])[0], (expected as unknown[])[0], `${path}[0]`, skip);
  }
  return [];
}

function assertSameKinds(actual: Json, expected: Json, label: string, skip: string[] = []): void {
  assert.deepEqual(typeMismatches(actual, expected, '', skip), [], `${label}: value kinds differ from the seed`);
}

/** Key sets of the embedded source, scannable code and document of a charge. */
function assertChargeShape(charge: Json, label: string): void {
  assertKeySet(charge, [...Object.keys(seedCharge), ...chargeExtraKeys], label);
  assert.deepEqual(Object.keys(charge), canonicalChargeKeys, `${label}: key order of omise-api.md §4.2`);
  assertKeySet(charge.source, [...Object.keys(seedCharge.source), ...sourceExtraKeys], `${label}.source`);
  assertRelativeOrder(Object.keys(charge.source), Object.keys(seedCharge.source), `${label}.source`);
  assertKeySet(charge.source.scannable_code, Object.keys(seedCharge.source.scannable_code), `${label}.source.scannable_code`);
  assertKeySet(charge.source.scannable_code, Object.keys(seedScannableCode), `${label}.source.scannable_code (seed-scannable-code.json)`);
  assertKeySet(charge.source.scannable_code.image, Object.keys(seedCharge.source.scannable_code.image), `${label}.source.scannable_code.image`);
  assertKeySet(charge.source.scannable_code.image, Object.keys(seedScannableCode.image), `${label}.source.scannable_code.image (seed-scannable-code.json)`);
  assertRelativeOrder(Object.keys(charge.source.scannable_code.image), Object.keys(seedScannableCode.image), `${label}.source.scannable_code.image`);
  assertKeySet(charge.source.provider_references, Object.keys(seedCharge.source.provider_references), `${label}.source.provider_references`);
  assertKeySet(charge.refunds, Object.keys(seedCharge.refunds), `${label}.refunds`);
  assert.deepEqual(Object.keys(charge.refunds), Object.keys(seedCharge.refunds), `${label}.refunds: list key order`);
  assert.deepEqual(Object.keys(charge.transaction_fees), Object.keys(seedCharge.transaction_fees), `${label}.transaction_fees`);
  assert.deepEqual(Object.keys(charge.platform_fee), Object.keys(seedCharge.platform_fee), `${label}.platform_fee`);
}

/** DECISIONS §3: the values of a pending TrueMoney QR charge. */
function assertPendingValues(h: Harness, charge: Json, amount: number, label: string): void {
  assert.equal(charge.object, 'charge', label);
  assert.match(charge.id, idPattern('chrg'), label);
  assert.equal(charge.location, `/charges/${charge.id}`, label);
  assert.equal(charge.amount, amount, label);
  assert.equal(charge.currency, 'THB', label);
  assert.equal(charge.funding_currency, 'THB', label);
  assert.equal(charge.status, 'pending', label);
  assert.equal(charge.livemode, false, label);

  for (const key of ['fee', 'fee_vat', 'net', 'interest', 'interest_vat', 'refunded_amount', 'authorized_amount', 'captured_amount']) assert.equal(charge[key], 0, `${label}: ${key}`);
  assert.equal(charge.funding_amount, amount, `${label}: funding_amount`);
  assert.deepEqual(charge.transaction_fees, { fee_flat: null, fee_rate: null, vat_rate: '7.0' }, `${label}: transaction_fees`);
  assert.deepEqual(charge.platform_fee, { fixed: null, amount: null, percentage: null }, `${label}: platform_fee`);
  assert.equal(charge.authorization_type, null, label);
  assert.equal(charge.merchant_advice, null, label);
  assert.equal(charge.merchant_advice_code, null, label);
  assert.equal(charge.multi_capture, false, label);
  assert.equal(charge.zero_interest_installments, false, label);

  for (const key of ['transaction', 'failure_code', 'failure_message', 'paid_at', 'authorized_at', 'expired_at', 'reversed_at', 'card', 'customer', 'dispute', 'link', 'schedule', 'linked_account', 'acquirer_reference_number', 'approval_code', 'branch', 'terminal', 'device']) {
    assert.equal(charge[key], null, `${label}: ${key}`);
  }
  for (const key of ['authorized', 'capturable', 'disputable', 'refundable', 'partially_refundable', 'reversed', 'reversible', 'voided', 'paid', 'expired', 'can_perform_void']) {
    assert.equal(charge[key], false, `${label}: ${key}`);
  }
  assert.equal(charge.capture, true, `${label}: capture`);

  assert.match(charge.created_at, timestampPattern, label);
  assert.match(charge.expires_at, timestampPattern, label);
  assert.equal(Date.parse(charge.expires_at) - Date.parse(charge.created_at), 24 * 60 * 60 * 1000, `${label}: expires_at = created_at + 24h`);

  const payRef = charge.source.provider_references.reference_number_1;
  assert.match(payRef, idPattern('pay2'), `${label}: reference_number_1`);
  assert.equal(charge.source.provider_references.reference_number_2, null, label);
  assert.equal(charge.authorize_uri, `${h.publicUrl}/payments/${payRef}/authorize?acs=false`, `${label}: authorize_uri`);

  assert.deepEqual(
    { ...charge.refunds, to: 'checked below' },
    { object: 'list', data: [], limit: 20, offset: 0, total: 0, location: `/charges/${charge.id}/refunds`, order: 'chronological', from: '1970-01-01T00:00:00Z', to: 'checked below' },
    `${label}: refunds`,
  );
  assert.match(charge.refunds.to, timestampPattern, label);

  const source = charge.source;
  assert.equal(source.object, 'source', label);
  assert.match(source.id, idPattern('src'), label);
  assert.equal(source.location, `/sources/${source.id}`, label);
  assert.equal(source.amount, amount, label);
  assert.equal(source.currency, 'THB', label);
  assert.equal(source.flow, 'offline', label);
  assert.equal(source.type, 'truemoney_qr', label);
  assert.equal(source.livemode, false, label);
  assert.equal(source.charge_status, 'pending', `${label}: source.charge_status`);
  assert.equal(source.qr_settings, null, label);
  assert.match(source.created_at, timestampPattern, label);
  assert.deepEqual(source.items, [], label);
  assert.deepEqual(source.discounts, [], label);

  assert.equal(source.scannable_code.object, 'barcode', label);
  assert.equal(source.scannable_code.type, 'qr', label);
  const image = source.scannable_code.image;
  assert.equal(image.object, 'document', label);
  assert.match(image.id, idPattern('docu'), label);
  assert.equal(image.livemode, false, label);
  assert.equal(image.deleted, false, label);
  assert.equal(image.filename, 'qrcode.png', label);
  assert.equal(image.kind, 'qr', label);
  assert.equal(image.location, `/charges/${charge.id}/documents/${image.id}`, label);
  assert.match(image.created_at, timestampPattern, label);
  const downloadPrefix = `${h.publicUrl}/charges/${charge.id}/documents/${image.id}/downloads/`;
  assert.ok(image.download_uri.startsWith(downloadPrefix), `${label}: ${image.download_uri} starts with ${downloadPrefix}`);
  assert.match(image.download_uri.slice(downloadPrefix.length), /^[0-9A-F]{16}$/, `${label}: download token`);
}

describeEachStore('object shapes against the seed fixtures', (h) => {
  test('the fixtures are the seed\'s examples and this test\'s canonical key list agrees with them', () => {
    assert.equal(seedSource.object, 'source');
    assert.equal(seedCharge.object, 'charge');
    assert.equal(seedScannableCode.object, 'barcode');
    assert.deepEqual(seedScannableCode.image, seedCharge.source.scannable_code.image);
    assert.deepEqual(sorted(canonicalChargeKeys), sorted([...Object.keys(seedCharge), ...chargeExtraKeys]));
    assert.equal(new Set(canonicalChargeKeys).size, canonicalChargeKeys.length);
    // The seed's own order is the canonical order without the added keys.
    assertRelativeOrder(canonicalChargeKeys, Object.keys(seedCharge), 'canonical list');
    // The embedded source has the stand-alone source's keys.
    assert.deepEqual(sorted(Object.keys(seedCharge.source)), sorted(Object.keys(seedSource)));
  });

  let source: Json = {};
  test('POST /sources: exactly the seed source\'s keys plus qr_settings, same kinds of values', async () => {
    const res = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, form: 'amount=400000&currency=THB&type=truemoney_qr' });
    assert.equal(res.status, 200, res.body);
    source = res.json;
    assertKeySet(source, [...Object.keys(seedSource), ...sourceExtraKeys], 'source');
    assertRelativeOrder(Object.keys(source), Object.keys(seedSource), 'source');
    // omise-api.md §4.2 Example A: qr_settings right after scannable_code.
    const keys = Object.keys(source);
    assert.equal(keys.indexOf('qr_settings'), keys.indexOf('scannable_code') + 1, 'qr_settings follows scannable_code');
    assertSameKinds(source, seedSource, 'source');

    assert.match(source.id, idPattern('src'));
    assert.equal(source.location, `/sources/${source.id}`);
    assert.equal(source.charge_status, 'unknown');
    assert.equal(source.scannable_code, null);
    assert.equal(source.provider_references, null);
    assert.equal(source.qr_settings, null);
    assert.equal(source.flow, 'offline');
    assert.equal(source.type, 'truemoney_qr');
    assert.equal(source.amount, 400000);
    assert.equal(source.currency, 'THB');
    assert.equal(source.zero_interest_installments, null);
    assert.match(source.created_at, timestampPattern);

    const fetched = await h.request({ url: `/sources/${source.id}`, key: h.keys.publicKey });
    assert.equal(fetched.status, 200);
    assert.deepEqual(Object.keys(fetched.json), Object.keys(source), 'GET /sources/:id has the same keys in the same order');
  });

  let charge: Json = {};
  test('POST /charges by source id: the seed charge\'s keys plus the 2025 keys, in canonical order, same kinds, pending values', async () => {
    const res = await h.request({
      method: 'POST',
      url: '/charges',
      key: h.keys.secretKey,
      form: `amount=400000&currency=THB&return_uri=${encodeURIComponent(returnUri)}&source=${source.id}`,
    });
    assert.equal(res.status, 200, res.body);
    charge = res.json;
    assertChargeShape(charge, 'charge');
    assertSameKinds(charge, seedCharge, 'charge');
    assertPendingValues(h, charge, 400000, 'charge');
    assert.equal(charge.source.id, source.id);
    assert.equal(charge.return_uri, returnUri);
    assert.deepEqual(charge.metadata, {});
    assert.equal(charge.description, null);
    assert.equal(charge.ip, null);
    assert.equal(charge.source.zero_interest_installments, null, 'the embedded source has zero_interest_installments null (seed)');
    // The embedded source is the created source, now charged.
    for (const key of Object.keys(seedSource)) {
      if (['scannable_code', 'provider_references', 'charge_status'].includes(key)) continue;
      assert.deepEqual(charge.source[key], source[key], `source.${key} unchanged by the charge`);
    }
  });

  test('POST /charges with an inline source: the same shape and pending values', async () => {
    const res = await h.request({
      method: 'POST',
      url: '/charges',
      key: h.keys.secretKey,
      json: { amount: 12345, currency: 'THB', return_uri: returnUri, source: { type: 'truemoney_qr' } },
    });
    assert.equal(res.status, 200, res.body);
    assertChargeShape(res.json, 'inline charge');
    // The server creates the inline source itself; its ip may legitimately be null.
    assertSameKinds(res.json, seedCharge, 'inline charge', ['source.ip']);
    assertPendingValues(h, res.json, 12345, 'inline charge');
    assert.notEqual(res.json.source.scannable_code.image.download_uri, charge.source.scannable_code.image.download_uri);
    assert.notEqual(res.json.source.provider_references.reference_number_1, charge.source.provider_references.reference_number_1);
  });

  test('GET /charges/:id, GET /charges and the charge.create event render the same shape', async () => {
    const fetched = await h.request({ url: `/charges/${charge.id}`, key: h.keys.secretKey });
    assert.equal(fetched.status, 200);
    assertChargeShape(fetched.json, 'GET /charges/:id');
    assertSameKinds(fetched.json, seedCharge, 'GET /charges/:id');
    assertPendingValues(h, fetched.json, 400000, 'GET /charges/:id');
    assert.deepEqual({ ...fetched.json, refunds: { ...fetched.json.refunds, to: null } }, { ...charge, refunds: { ...charge.refunds, to: null } }, 'GET returns what POST returned');

    const list = await h.request({ url: '/charges?limit=100', key: h.keys.secretKey });
    assert.equal(list.status, 200);
    const listed = list.json.data.find((item: Json) => item.id === charge.id);
    assert.ok(listed, 'the charge is listed');
    assertChargeShape(listed, 'GET /charges item');
    assertPendingValues(h, listed, 400000, 'GET /charges item');

    const events = await h.request({ url: `/charges/${charge.id}/events`, key: h.keys.secretKey });
    assert.equal(events.status, 200);
    const created = events.json.data.find((event: Json) => event.key === 'charge.create');
    assert.ok(created, 'a charge.create event exists');
    assertChargeShape(created.data, 'charge.create data');
    assertPendingValues(h, created.data, 400000, 'charge.create data');
  });

  test('GET /sources/:id after the charge: the embedded source\'s keys, charge_status pending, the same QR document', async () => {
    const res = await h.request({ url: `/sources/${source.id}`, key: h.keys.publicKey });
    assert.equal(res.status, 200);
    assertKeySet(res.json, [...Object.keys(seedCharge.source), ...sourceExtraKeys], 'charged source');
    assertRelativeOrder(Object.keys(res.json), Object.keys(seedCharge.source), 'charged source');
    assertSameKinds(res.json, seedCharge.source, 'charged source');
    assert.equal(res.json.charge_status, 'pending');
    assert.deepEqual(res.json.scannable_code, charge.source.scannable_code);
    assert.deepEqual(res.json.provider_references, charge.source.provider_references);
  });

  test('GET /charges/:id/documents/:docu: the seed document\'s keys, in the seed\'s order', async () => {
    const image = charge.source.scannable_code.image;
    const res = await h.request({ url: image.location, key: h.keys.secretKey });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(Object.keys(res.json), Object.keys(seedScannableCode.image));
    assertSameKinds(res.json, seedScannableCode.image, 'document');
  });
});
