/** SCB's rules in Satang's terms (domain/scb.ts) and provider secrets at rest (provider/secrets.ts). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { matchesPayment } from '../../src/domain/bank-payments.js';
import {
  checkScbSettings,
  readScbPayment,
  scbAmountToSatang,
  scbDatesBetween,
  scbInquiryDate,
  scbInquiryDates,
  scbRef3,
} from '../../src/domain/scb.js';
import { SecretBox, secretsKeyFrom } from '../../src/provider/secrets.js';
import { billPaymentPayload } from '../../src/qr/payload.js';
import { parse } from 'promptparse';

const callback = {
  payeeProxyId: '010556012345601',
  payeeProxyType: 'BILLERID',
  payerName: 'Test Payer',
  sendingBankCode: '014',
  amount: '100.00',
  transactionId: '201907169lbqgPbt1Bl3oiA',
  transactionDateandTime: '2019-07-16T11:30:58+07:00',
  billPaymentRef1: '0KX3ABCDEF123456789',
  billPaymentRef3: 'SAT0KX3ABCDEF1234567',
  currencyCode: '764',
};

describe('SCB rules', () => {
  test("ref3 is the account's prefix, then ref1 as far as 20 characters go", () => {
    assert.equal(scbRef3('SAT', '0KX3ABCDEF123456789'), 'SAT0KX3ABCDEF1234567');
    assert.equal(scbRef3('SAT', '0KX3ABCDEF123456789').length, 20);
    assert.equal(scbRef3('P', 'ABC'), 'PABC');
  });

  test("a live charge's QR carries ref3 at tag 62 sub-tag 07, with a valid CRC; a test charge's has no tag 62", () => {
    const base = { billerId: '010556012345601', ref1: '0KX3ABCDEF123456789', amountSatang: 12345, merchantName: 'Shop' };
    const live = parse(billPaymentPayload({ ...base, ref3: 'SAT0KX3ABCDEF1234567' }), true)!;
    assert.equal(live.getTagValue('62', '07'), 'SAT0KX3ABCDEF1234567');
    assert.equal(live.getTagValue('54'), '123.45');
    const test = parse(billPaymentPayload(base), true)!;
    assert.equal(test.getTag('62'), undefined);
    assert.throws(() => billPaymentPayload({ ...base, ref3: 'lowercase' }), /ref3/);
  });

  test('settings: a 15-digit biller id, a prefix of 1 to 10 capitals or digits, printable key and secret', () => {
    const good = { applicationKey: 'l7abc', applicationSecret: 's3cret', billerId: '010556012345601', ref3Prefix: 'SAT' };
    assert.doesNotThrow(() => checkScbSettings(good));
    assert.throws(() => checkScbSettings({ ...good, billerId: '12345' }), /biller id/);
    assert.throws(() => checkScbSettings({ ...good, ref3Prefix: 'sat' }), /ref3 prefix/);
    assert.throws(() => checkScbSettings({ ...good, ref3Prefix: 'ABCDEFGHIJK' }), /ref3 prefix/);
    assert.throws(() => checkScbSettings({ ...good, applicationSecret: '' }), /secret/);
    assert.throws(() => checkScbSettings({ ...good, applicationKey: 'a b' }), /application key/);
  });

  test('amounts in baht, as a string or the number the sandbox has sent, to integer satang', () => {
    assert.equal(scbAmountToSatang('100.00'), 10000);
    assert.equal(scbAmountToSatang('100'), 10000);
    assert.equal(scbAmountToSatang('0.5'), 50);
    assert.equal(scbAmountToSatang(123.45), 12345);
    for (const bad of ['1.234', 1.234, -1, '-1', '1e3', '', ' ', 'abc', null, undefined, Number.NaN, Infinity, {}]) assert.equal(scbAmountToSatang(bad), null, String(bad));
  });

  test('a callback is read strictly; its flaws are kept as a problem, never trusted', () => {
    const read = readScbPayment(callback)!;
    assert.equal(read.transactionId, callback.transactionId);
    assert.equal(read.amountSatang, 10000);
    assert.equal(read.paidAtMs, Date.parse('2019-07-16T04:30:58Z'));
    assert.equal(read.problem, null);
    const flawed = readScbPayment({ ...callback, amount: 'lots', billPaymentRef1: 'lower case' })!;
    assert.match(flawed.problem!, /amount/);
    assert.match(flawed.problem!, /billPaymentRef1/);
    assert.equal(flawed.ref1, '');
    for (const unusable of [null, [], 'text', 42, {}, { transactionId: '' }, { transactionId: 'has space' }, { transactionId: 'x'.repeat(65) }]) {
      assert.equal(readScbPayment(unusable), null, JSON.stringify(unusable));
    }
  });

  test('a payment matches only with the same transaction, biller, ref1 and amount, and not reversed', () => {
    const row = readScbPayment({ ...callback, reverseFlag: 'N' })!;
    const expected = { transactionId: callback.transactionId, billerId: callback.payeeProxyId, ref1: callback.billPaymentRef1, amountSatang: 10000 };
    assert.equal(matchesPayment(row, expected), true);
    assert.equal(matchesPayment(row, { ...expected, amountSatang: 10001 }), false);
    assert.equal(matchesPayment(row, { ...expected, billerId: '010556012345602' }), false);
    assert.equal(matchesPayment(row, { ...expected, ref1: 'OTHER' }), false);
    assert.equal(matchesPayment(row, { ...expected, transactionId: 'another' }), false);
    assert.equal(matchesPayment(readScbPayment({ ...callback, reverseFlag: 'R' })!, expected), false);
  });

  test("the inquiry's date is the Bangkok date; near midnight the other side's date is asked too", () => {
    assert.equal(scbInquiryDate(Date.parse('2026-11-30T16:59:59Z')), '2026-11-30'); // 23:59:59 in Bangkok
    assert.equal(scbInquiryDate(Date.parse('2026-11-30T17:00:00Z')), '2026-12-01'); // midnight in Bangkok
    assert.deepEqual(scbInquiryDates(Date.parse('2026-11-30T05:00:00Z')), ['2026-11-30']);
    assert.deepEqual(scbInquiryDates(Date.parse('2026-11-30T16:55:00Z')), ['2026-11-30', '2026-12-01']);
    assert.deepEqual(scbInquiryDates(Date.parse('2026-11-30T17:05:00Z')), ['2026-12-01', '2026-11-30']);
    assert.deepEqual(scbDatesBetween(Date.parse('2026-11-30T16:59:00Z'), Date.parse('2026-11-30T17:01:00Z')), ['2026-11-30', '2026-12-01']);
    assert.deepEqual(scbDatesBetween(Date.parse('2026-11-30T01:00:00Z'), Date.parse('2026-11-30T02:00:00Z')), ['2026-11-30']);
  });
});

describe('provider secrets at rest', () => {
  test('sealed with AES-256-GCM, bound to the account: another account or another key does not open it', () => {
    const key = randomBytes(32);
    const box = new SecretBox(key);
    const sealed = box.seal('the application secret', 'acct_one');
    assert.doesNotMatch(sealed, /application secret/);
    assert.notEqual(box.seal('the application secret', 'acct_one'), sealed, 'a fresh IV each time');
    assert.equal(box.open(sealed, 'acct_one'), 'the application secret');
    assert.throws(() => box.open(sealed, 'acct_two'), /does not open/);
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, 'acct_one'), /does not open/);
    const [version, iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    assert.throws(() => box.open([version, iv, tag, flipped.toString('base64url')].join('.'), 'acct_one'), /does not open/);
    assert.throws(() => box.open('not sealed', 'acct_one'), /not a sealed secret/);
  });

  test('SATANG_SECRETS_KEY: 32 bytes in base64 or hex; anything else is refused, never guessed at', () => {
    const key = randomBytes(32);
    assert.deepEqual(secretsKeyFrom(key.toString('base64')), key);
    assert.deepEqual(secretsKeyFrom(key.toString('hex')), key);
    assert.equal(secretsKeyFrom(undefined), null);
    assert.equal(secretsKeyFrom(''), null);
    for (const bad of ['short', randomBytes(16).toString('base64'), randomBytes(31).toString('hex'), 'password123']) assert.throws(() => secretsKeyFrom(bad), /32 bytes/);
  });
});
