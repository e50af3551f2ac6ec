import { randomFillSync } from 'node:crypto';

/**
 * Ids and capabilities (DECISIONS §2). Every random part comes from the operating system's
 * CSPRNG, drawn a few kilobytes at a time because ids are made on hot paths.
 *
 * - Object ids: `<prefix>_test_<19 base36>` or `<prefix>_<19 base36>` (omise-api.md §12). The
 *   suffix is base36((unix_seconds << 66) | random_66_bits): ids sort by the second they were
 *   made, no finer, and nothing about one id tells another. Order finer than a second (lists, a
 *   charge's refunds, events) comes from the `seq` column the store assigns in the writing
 *   transaction (store/sequence.ts), never from an id.
 * - Capabilities (the pay2 reference of the hosted page, the QR document id, the download token,
 *   the QR's ref1): random through and through, derived from nothing.
 */
const pool = Buffer.alloc(8192);
let poolOffset = pool.length;

function randomBytesFromPool(count: number): Buffer {
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + count);
  poolOffset += count;
  return bytes;
}

/** A uniformly random integer of `bits` bits (bits ≤ 128). */
function randomBits(bits: number): bigint {
  const bytes = randomBytesFromPool(Math.ceil(bits / 8));
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value & ((1n << BigInt(bits)) - 1n);
}

export type IdPrefix = 'prcf' | 'acct' | 'src' | 'chrg' | 'evnt' | 'docu' | 'pay2' | 'trxn' | 'rfnd' | 'whdl' | 'whjb' | 'endp' | 'lstn' | 'key' | 'oper' | 'audt' | 'rqlg';

const suffixChars = 19;
/** 36^19 > 2^98: a 98-bit number always fits the 19-character suffix. */
const suffixBits = 98;
/** Seconds since the epoch fit 32 bits until 2106. */
const timeBits = 32;
export const idRandomBits = suffixBits - timeBits;
const timeShift = BigInt(idRandomBits);

function suffixOf(value: bigint): string {
  return value.toString(36).padStart(suffixChars, '0');
}

function withPrefix(prefix: IdPrefix, livemode: boolean, suffix: string): string {
  return livemode ? `${prefix}_${suffix}` : `${prefix}_test_${suffix}`;
}

/** An object id made at `atMs`: its second, then 66 random bits. */
export function newId(prefix: IdPrefix, livemode: boolean, atMs: number): string {
  if (!Number.isSafeInteger(atMs) || atMs < 0) throw new Error(`id time must be a non-negative integer: ${atMs}`);
  const seconds = BigInt(Math.floor(atMs / 1000));
  if (seconds >> BigInt(timeBits) !== 0n) throw new Error(`id time is past the year 2106: ${atMs}`);
  return withPrefix(prefix, livemode, suffixOf((seconds << timeShift) | randomBits(idRandomBits)));
}

/** A capability shaped like an id (the pay2 reference, the document id): 98 random bits, no time. */
export function newCapabilityId(prefix: IdPrefix, livemode: boolean): string {
  return withPrefix(prefix, livemode, suffixOf(randomBits(suffixBits)));
}

/** The second an object id was made in (ids made by newId). */
export function idSecond(id: string): number {
  let value = 0n;
  for (const ch of id.slice(id.lastIndexOf('_') + 1)) value = value * 36n + BigInt(parseInt(ch, 36));
  return Number(value >> timeShift);
}

/** 16 upper-case hex characters (64 random bits): the capability in a QR download_uri. */
export function newDownloadToken(): string {
  return randomBits(64).toString(16).padStart(16, '0').toUpperCase();
}

const ref1Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const qrRef1Chars = 16;
/** Bytes at or above this are dropped so that byte % 36 is uniform (252 = 7 × 36). */
const ref1ByteLimit = 256 - (256 % ref1Alphabet.length);

/**
 * A QR ref1 (DECISIONS §3): 16 random characters of A-Z and 0-9 (about 82 bits), derived from
 * nothing, leaving room in the 20 characters of tag 30 for a bank's ref3 prefix.
 */
export function newQrRef1(): string {
  let ref1 = '';
  while (ref1.length < qrRef1Chars) {
    for (const byte of randomBytesFromPool(qrRef1Chars)) {
      if (byte < ref1ByteLimit && ref1.length < qrRef1Chars) ref1 += ref1Alphabet[byte % ref1Alphabet.length];
    }
  }
  return ref1;
}

/**
 * The `id` GET /account shows (DECISIONS §10): `account_test_…` in test mode, `account_…` in live
 * mode, with the Satang account id's own 19 characters, so it is stable, one per account and mode,
 * and names its account (which `team` shows whole).
 */
export function omiseAccountId(accountId: string, livemode: boolean): string {
  return `account_${livemode ? '' : 'test_'}${accountId.slice(accountId.lastIndexOf('_') + 1)}`;
}
