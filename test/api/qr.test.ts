/**
 * The QR document of a charge (DECISIONS §3): the download_uri serves a PNG without
 * authentication, and a decoder nobody here wrote (jsQR, and zbarimg when installed) reads
 * back a Thai QR bill-payment payload, checked here with our own TLV parser and CRC.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findAccount, updateAccount } from '../../src/store/accounts.js';
import { describeEachStore, type Harness, inCi, type TestResponse } from '../support/harness.js';
import { decodePng, zbarDecode, zbarimgAvailable } from '../support/qr-decoders.js';

/** CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor. */
function crc16CcittFalse(text: string): number {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

type Tlv = Array<{ tag: string; value: string }>;

/** EMVCo TLV: 2-digit tag, 2-digit length, value; must consume the text exactly. */
function parseTlv(text: string): Tlv {
  const fields: Tlv = [];
  let at = 0;
  while (at < text.length) {
    const tag = text.slice(at, at + 2);
    const lengthText = text.slice(at + 2, at + 4);
    assert.match(tag, /^\d{2}$/, `tag at ${at} of ${text}`);
    assert.match(lengthText, /^\d{2}$/, `length at ${at + 2} of ${text}`);
    const length = Number(lengthText);
    const value = text.slice(at + 4, at + 4 + length);
    assert.equal(value.length, length, `field ${tag} runs past the end of ${text}`);
    fields.push({ tag, value });
    at += 4 + length;
  }
  return fields;
}

function tlvMap(fields: Tlv): Map<string, string> {
  const map = new Map<string, string>();
  for (const { tag, value } of fields) {
    assert.ok(!map.has(tag), `tag ${tag} appears twice`);
    map.set(tag, value);
  }
  return map;
}

function stripOrigin(h: Harness, uri: string): string {
  assert.ok(uri.startsWith(`${h.publicUrl}/`), `${uri} starts with ${h.publicUrl}`);
  return uri.slice(h.publicUrl.length);
}

interface Expected {
  billerId: string;
  amountText: string;
  /** The exact tag 59, or a check on it. */
  merchantName: string | ((name: string) => void);
}

interface CheckedPayload {
  ref1: string;
  fields: Map<string, string>;
}

function checkPayload(payload: string, expected: Expected): CheckedPayload {
  assert.match(payload, /^[\x20-\x7e]+$/, 'the payload is printable ASCII');
  // CRC: computed over everything up to and including "6304", then 4 upper-case hex digits.
  assert.match(payload, /6304[0-9A-F]{4}$/, `payload ends with tag 63: ${payload}`);
  const crcText = payload.slice(-4);
  assert.equal(crcText, crc16CcittFalse(payload.slice(0, -4)).toString(16).toUpperCase().padStart(4, '0'), `CRC of ${payload}`);

  const top = parseTlv(payload);
  assert.equal(top[0].tag, '00', 'tag 00 comes first');
  assert.equal(top.at(-1)!.tag, '63', 'tag 63 comes last');
  const fields = tlvMap(top);
  assert.deepEqual([...fields.keys()].sort(), ['00', '01', '30', '53', '54', '58', '59', '63'], `tags of ${payload}`);
  assert.equal(fields.get('00'), '01', 'payload format indicator');
  assert.equal(fields.get('01'), '12', 'dynamic QR');
  assert.equal(fields.get('53'), '764', 'currency THB');
  assert.equal(fields.get('54'), expected.amountText, 'amount in baht');
  assert.equal(fields.get('58'), 'TH', 'country');

  const merchant = fields.get('59')!;
  assert.match(merchant, /^[\x20-\x7e]{1,25}$/, `merchant name is 1-25 ASCII characters: ${JSON.stringify(merchant)}`);
  if (typeof expected.merchantName === 'string') assert.equal(merchant, expected.merchantName);
  else expected.merchantName(merchant);

  const billPayment = tlvMap(parseTlv(fields.get('30')!));
  assert.deepEqual([...billPayment.keys()], ['00', '01', '02'], 'tag 30 holds AID, biller id and ref1');
  assert.equal(billPayment.get('00'), 'A000000677010112', 'bill-payment AID');
  assert.equal(billPayment.get('01'), expected.billerId, 'biller id');
  const ref1 = billPayment.get('02')!;
  assert.match(ref1, /^[A-Z0-9]{1,20}$/, `ref1 ${ref1}`);
  return { ref1, fields };
}

async function download(h: Harness, charge: any, headers: Record<string, string> = {}): Promise<TestResponse> {
  return h.request({ url: stripOrigin(h, charge.source.scannable_code.image.download_uri), headers });
}

function assertNotFound(res: TestResponse, label: string): void {
  assert.equal(res.status, 404, `${label}: ${res.status} ${res.body.slice(0, 200)}`);
  assert.equal(res.json?.object, 'error', label);
  assert.equal(res.json.code, 'not_found', label);
  assert.equal(res.json.location, 'https://www.omise.co/api-errors#not-found', label);
  assert.match(String(res.headers['content-type']), /^application\/json/, label);
}

test('the CRC helper of this test is CRC-16/CCITT-FALSE (check value of "123456789" is 0x29B1)', () => {
  assert.equal(crc16CcittFalse('123456789'), 0x29b1);
  assert.equal(crc16CcittFalse(''), 0xffff);
});

describeEachStore('QR code: download and payload', (h) => {
  const charges: any[] = [];
  const pngs: Buffer[] = [];
  const payloads: string[] = [];
  let billerId = '';
  let merchantName = '';

  test('setup: the account has a 15-digit biller id', async () => {
    const account = await findAccount(h.store.read, h.keys.accountId);
    assert.ok(account);
    billerId = account.biller_id;
    merchantName = account.merchant_name;
    assert.match(billerId, /^\d{15}$/);
  });

  test('a charge with an inline source: the PNG is served without authentication and decodes to the Thai QR payload', async () => {
    const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, json: { amount: 400000, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(created.status, 200, created.body);
    const charge = created.json;
    charges.push(charge);

    const res = await download(h, charge);
    assert.equal(res.status, 200, res.body.slice(0, 200));
    assert.match(String(res.headers['content-type']), /^image\/png(;|$)/);
    assert.deepEqual([...res.raw.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    pngs.push(res.raw);

    const payload = decodePng(res.raw);
    payloads.push(payload);
    // The default account's merchant name is ASCII and short, so the QR carries it as is.
    const expectedName = /^[\x20-\x7e]{1,25}$/.test(merchantName) ? merchantName : (name: string) => assert.ok(name.length > 0);
    checkPayload(payload, { billerId, amountText: '4000.00', merchantName: expectedName });
  });

  test('a charge by source id: amount 12345 satang is "123.45", and ref1 differs from the first charge\'s', async () => {
    const source = await h.request({ method: 'POST', url: '/sources', key: h.keys.publicKey, form: 'amount=12345&currency=THB&type=truemoney_qr' });
    assert.equal(source.status, 200, source.body);
    const created = await h.request({ method: 'POST', url: '/charges', key: h.keys.secretKey, form: `amount=12345&currency=THB&source=${source.json.id}` });
    assert.equal(created.status, 200, created.body);
    const charge = created.json;
    charges.push(charge);

    const res = await download(h, charge);
    assert.equal(res.status, 200, res.body.slice(0, 200));
    assert.match(String(res.headers['content-type']), /^image\/png(;|$)/);
    pngs.push(res.raw);
    const payload = decodePng(res.raw);
    payloads.push(payload);
    const second = checkPayload(payload, { billerId, amountText: '123.45', merchantName: (name) => assert.ok(name.length > 0) });
    const first = checkPayload(payloads[0], { billerId, amountText: '4000.00', merchantName: (name) => assert.ok(name.length > 0) });
    assert.notEqual(second.ref1, first.ref1, 'each charge has its own ref1');
    assert.notEqual(payloads[1], payloads[0]);
  });

  test('zbarimg reads exactly the same payload from both PNGs', { skip: !zbarimgAvailable && !inCi ? 'zbarimg is not installed (Debian: zbar-tools)' : false }, () => {
    assert.ok(zbarimgAvailable, 'CI=true requires zbarimg (Debian package zbar-tools)');
    assert.equal(pngs.length, 2, 'the two charges above were downloaded');
    for (const [i, png] of pngs.entries()) assert.equal(zbarDecode(png), payloads[i], `charge ${charges[i].id}`);
  });

  test('the same download twice gives the same bytes, and Basic auth on it is accepted and ignored', async () => {
    const again = await download(h, charges[0]);
    assert.equal(again.status, 200);
    assert.ok(again.raw.equals(pngs[0]), 'the PNG does not change');
    const withKey = await download(h, charges[0], { authorization: `Basic ${Buffer.from(`${h.keys.secretKey}:`).toString('base64')}` });
    assert.equal(withKey.status, 200, withKey.body.slice(0, 200));
    assert.ok(withKey.raw.equals(pngs[0]));
  });

  test('another account\'s QR carries its own biller id and an ASCII form of its Thai merchant name', async () => {
    const thaiName = 'ร้านกาแฟ Satang Coffee Roasters Bangkok';
    await h.store.transaction((tx) => updateAccount(tx, h.other.accountId, { merchant_name: thaiName }));
    const other = await findAccount(h.store.read, h.other.accountId);
    assert.ok(other);
    assert.match(other.biller_id, /^\d{15}$/);
    assert.notEqual(other.biller_id, billerId, 'each account has its own biller id');

    const created = await h.request({ method: 'POST', url: '/charges', key: h.other.secretKey, json: { amount: 10000, currency: 'THB', source: { type: 'truemoney_qr' } } });
    assert.equal(created.status, 200, created.body);
    const res = await download(h, created.json);
    assert.equal(res.status, 200);
    checkPayload(decodePng(res.raw), {
      billerId: other.biller_id,
      amountText: '100.00',
      merchantName: (name) => {
        assert.ok(name.length >= 10, `the ASCII part of the name is kept: ${JSON.stringify(name)}`);
        assert.ok('Satang Coffee Roasters Bangkok'.startsWith(name), `${JSON.stringify(name)} is the ASCII part of ${thaiName}, cut to 25`);
      },
    });
  });

  test('a wrong token, document id or charge id is 404 not_found', async () => {
    const [first, second] = charges;
    const image = first.source.scannable_code.image;
    const token: string = image.download_uri.split('/').at(-1);
    const otherToken: string = second.source.scannable_code.image.download_uri.split('/').at(-1);
    assert.match(token, /^[0-9A-F]{16}$/);
    const flipped = token.slice(0, -1) + (token.at(-1) === '0' ? '1' : '0');
    const cases: Array<[string, string]> = [
      ['wrong token', `/charges/${first.id}/documents/${image.id}/downloads/${flipped}`],
      ['another charge\'s token', `/charges/${first.id}/documents/${image.id}/downloads/${otherToken}`],
      ['lower-case token', `/charges/${first.id}/documents/${image.id}/downloads/${token.toLowerCase() === token ? 'X' : token.toLowerCase()}`],
      ['short token', `/charges/${first.id}/documents/${image.id}/downloads/${token.slice(0, 8)}`],
      ['empty-looking token', `/charges/${first.id}/documents/${image.id}/downloads/0000000000000000`],
      ['wrong document id', `/charges/${first.id}/documents/${second.source.scannable_code.image.id}/downloads/${token}`],
      ['unknown document id', `/charges/${first.id}/documents/docu_test_0000000000000000000/downloads/${token}`],
      ['wrong charge id', `/charges/${second.id}/documents/${image.id}/downloads/${token}`],
      ['unknown charge id', `/charges/chrg_test_0000000000000000000/documents/${image.id}/downloads/${token}`],
    ];
    for (const [label, path] of cases) assertNotFound(await h.request({ url: path }), label);
  });

  test('GET /charges/:id/documents/:docu with the secret key returns the document; without a key 401', async () => {
    const charge = charges[0];
    const image = charge.source.scannable_code.image;
    const path = `/charges/${charge.id}/documents/${image.id}`;
    assert.equal(image.location, path);

    const res = await h.request({ url: path, key: h.keys.secretKey });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.object, 'document');
    assert.equal(res.json.kind, 'qr');
    assert.equal(res.json.filename, 'qrcode.png');
    assert.equal(res.json.id, image.id);
    assert.equal(res.json.deleted, false);
    assert.equal(res.json.livemode, false);
    assert.deepEqual(res.json, image);

    const anonymous = await h.request({ url: path });
    assert.equal(anonymous.status, 401, anonymous.body);
    assert.equal(anonymous.json.code, 'authentication_failure');
    const publicKey = await h.request({ url: path, key: h.keys.publicKey });
    assert.equal(publicKey.status, 401, publicKey.body);
    assert.equal(publicKey.json.code, 'authentication_failure');

    assertNotFound(await h.request({ url: path, key: h.other.secretKey }), 'another account');
    assertNotFound(await h.request({ url: `/charges/${charge.id}/documents/docu_test_0000000000000000000`, key: h.keys.secretKey }), 'unknown document');
    assertNotFound(await h.request({ url: `/charges/${charges[1].id}/documents/${image.id}`, key: h.keys.secretKey }), 'document of another charge');
  });
});
