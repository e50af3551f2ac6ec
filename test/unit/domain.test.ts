import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { idRandomBits, idSecond, newCapabilityId, newDownloadToken, newId, newQrRef1 } from '../../src/domain/ids.js';
import { computeFees, divRoundHalfUp, hundredthsToDecimalString, satangToBahtString } from '../../src/domain/money.js';
import { formatTimestamp, parseTimestamp } from '../../src/domain/time.js';

describe('money', () => {
  test('fees match the recorded Omise charges (omise-api.md §11.3)', () => {
    assert.deepEqual(computeFees(100000, 365, 0), { feeSatang: 3650, feeVatSatang: 256, netSatang: 96094 });
    assert.deepEqual(computeFees(12345, 365, 0), { feeSatang: 451, feeVatSatang: 32, netSatang: 11862 });
    assert.deepEqual(computeFees(2000, 165, 0), { feeSatang: 33, feeVatSatang: 2, netSatang: 1965 });
    // half-up: 5000 × 3.65 % = 182.5 → 183
    assert.equal(computeFees(5000, 365, 0).feeSatang, 183);
    assert.equal(computeFees(10000, 365, 550).feeSatang, 365 + 550);
  });

  test('round half up never uses floats', () => {
    assert.equal(divRoundHalfUp(5, 10), 1);
    assert.equal(divRoundHalfUp(4, 10), 0);
    assert.equal(divRoundHalfUp(15, 10), 2);
    assert.throws(() => divRoundHalfUp(1.5, 10));
    assert.throws(() => divRoundHalfUp(-1, 10));
  });

  test('decimal strings as Omise renders rates', () => {
    assert.equal(hundredthsToDecimalString(365), '3.65');
    assert.equal(hundredthsToDecimalString(300), '3.0');
    assert.equal(hundredthsToDecimalString(700), '7.0');
    assert.equal(hundredthsToDecimalString(0), '0.0');
    assert.equal(hundredthsToDecimalString(550), '5.5');
    assert.equal(hundredthsToDecimalString(5), '0.05');
    assert.equal(satangToBahtString(400000), '4000.00');
    assert.equal(satangToBahtString(12345), '123.45');
    assert.equal(satangToBahtString(10005), '100.05');
  });
});

describe('ids and times', () => {
  test('ids are prefix_test_ plus 19 base36 characters: the second they were made, then 66 random bits', () => {
    const atMs = Date.parse('2025-03-20T09:24:15.177Z');
    const id = newId('chrg', false, atMs);
    assert.match(id, /^chrg_test_[0-9a-z]{19}$/);
    assert.match(newId('chrg', true, atMs), /^chrg_[0-9a-z]{19}$/);
    assert.equal(idSecond(id), Math.floor(atMs / 1000));
    assert.equal(idRandomBits, 66);
    // Made in one millisecond, ids tell nothing of each other: no run of neighbours.
    const many = Array.from({ length: 1000 }, () => newId('evnt', false, atMs));
    assert.equal(new Set(many).size, many.length);
    const values = many.map((made) => toBigInt36(made.slice(-19))).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const closeNeighbours = values.slice(1).filter((value, index) => value - values[index] < 1_000_000n).length;
    assert.equal(closeNeighbours, 0, 'ids made together must not be within a million of each other');
    // They still sort by the second.
    assert.ok(newId('chrg', false, atMs + 1000) > newId('chrg', false, atMs));
    assert.ok(newId('chrg', false, atMs - 1000) < newId('chrg', false, atMs));
  });

  test('capabilities are random through and through: pay2 and document ids, download tokens, ref1', () => {
    const pay2 = Array.from({ length: 1000 }, () => newCapabilityId('pay2', false));
    for (const made of pay2) assert.match(made, /^pay2_test_[0-9a-z]{19}$/);
    assert.equal(new Set(pay2).size, pay2.length);
    // No time prefix: the leading characters spread over the whole alphabet, not one second's value.
    assert.ok(new Set(pay2.map((made) => made.slice(10, 12))).size > 500, 'the first characters vary');
    const tokens = Array.from({ length: 1000 }, newDownloadToken);
    for (const token of tokens) assert.match(token, /^[0-9A-F]{16}$/);
    assert.equal(new Set(tokens).size, tokens.length);
    const refs = Array.from({ length: 5000 }, newQrRef1);
    for (const ref1 of refs) assert.match(ref1, /^[A-Z0-9]{16}$/);
    assert.equal(new Set(refs).size, refs.length);
    // Every character of the alphabet turns up in every position (80 000 draws: a missing one would be a bias).
    for (let position = 0; position < 16; position++) assert.equal(new Set(refs.map((ref1) => ref1[position])).size, 36, `position ${position}`);
  });

  test('timestamps render as Omise does', () => {
    assert.equal(formatTimestamp(Date.parse('2025-03-20T09:24:15.999Z')), '2025-03-20T09:24:15Z');
    assert.equal(parseTimestamp('2025-03-20T09:24:15Z'), Date.parse('2025-03-20T09:24:15Z'));
    assert.equal(parseTimestamp('2025-03-20'), Date.parse('2025-03-20T00:00:00Z'));
    assert.equal(parseTimestamp('yesterday'), null);
  });
});

function toBigInt36(text: string): bigint {
  let value = 0n;
  for (const ch of text) value = value * 36n + BigInt(parseInt(ch, 36));
  return value;
}
