import { randomFillSync } from 'node:crypto';

/** Random bytes drawn from the OS a few kilobytes at a time: ids are made on hot paths. */
const pool = Buffer.alloc(8192);
let poolOffset = pool.length;
function random64(): bigint {
  if (poolOffset + 8 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const value = pool.readBigUInt64BE(poolOffset);
  poolOffset += 8;
  return value;
}

/**
 * Omise ids: `<prefix>_test_<19 base36>` or `<prefix>_<19 base36>`. The suffix is
 * base36((unix_ms << 55) | random_55_bits), so ids sort by creation time (omise-api.md §12).
 */
export type IdPrefix = 'acct' | 'src' | 'chrg' | 'evnt' | 'docu' | 'pay2' | 'trxn' | 'rfnd' | 'whdl' | 'whjb' | 'endp' | 'key' | 'oper' | 'audt';

const randomBitsCount = 55n;
const randomMask = (1n << randomBitsCount) - 1n;
const suffixChars = 19;

let lastMs = -1;
let lastRandom = 0n;

/** Ids made in the same millisecond by this process count up, so they sort in creation order. */
function nextRandom(atMs: number): bigint {
  if (atMs === lastMs && lastRandom < randomMask) {
    lastRandom += 1n;
  } else {
    lastMs = atMs;
    // Start in the lower half so there is room to count up within the millisecond.
    lastRandom = random64() & (randomMask >> 1n);
  }
  return lastRandom;
}

export function newId(prefix: IdPrefix, livemode: boolean, atMs: number): string {
  if (!Number.isSafeInteger(atMs) || atMs < 0) throw new Error(`id time must be a non-negative integer: ${atMs}`);
  const random = nextRandom(atMs);
  const value = (BigInt(atMs) << randomBitsCount) | random;
  const suffix = value.toString(36).padStart(suffixChars, '0').slice(-suffixChars);
  return livemode ? `${prefix}_${suffix}` : `${prefix}_test_${suffix}`;
}

/** The 19-character random-and-time part of an id. */
export function idSuffix(id: string): string {
  return id.slice(id.lastIndexOf('_') + 1);
}

/** 16 upper-case hex characters: the capability in a QR download_uri. */
export function newDownloadToken(): string {
  return random64().toString(16).padStart(16, '0').toUpperCase();
}
