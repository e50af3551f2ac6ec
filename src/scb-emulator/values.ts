/** Values the emulator checks, makes and bounds: references, baht amounts, random identifiers. */
import { randomInt } from 'node:crypto';

/** SCB's reference format: 1 to 20 English capitals and digits. */
export const referencePattern = /^[A-Z0-9]{1,20}$/;
export const billerIdPattern = /^\d{15}$/;
export const ref3PrefixPattern = /^[A-Z0-9]{1,10}$/;
export const bankCodePattern = /^\d{3}$/;

/** Bounds on what the emulator stores and reads. */
export const limits = {
  bodyBytes: 64 * 1024,
  apps: 1000,
  payments: 100_000,
  liveTokens: 10_000,
  callbackLog: 100_000,
  emailLog: 100_000,
  requestLog: 1000,
  headerChars: 128,
  keyChars: 128,
  secretChars: 256,
  nameChars: 100,
  urlChars: 2048,
  qrChars: 512,
  transRefChars: 64,
  /** A day on the injected clock. */
  lateMsMax: 86_400_000,
  /** Ten years on the injected clock in one step. */
  advanceMsMax: 10 * 366 * 86_400_000,
  answerChars: 2000,
} as const;

/** A bad input: the field it concerns, and whether it was missing (SCB 1101) or invalid (SCB 1102). */
export class InputError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly missing = false,
  ) {
    super(message);
  }
}

/**
 * Baht as SCB writes it ("100", "100.5", "100.00"; at most two decimals, at most 10 integer digits,
 * more than zero) as integer satang, without floats; undefined when it is not that.
 * Numbers are accepted only where `allowNumber` (the control API, for convenience).
 */
export function bahtToSatang(value: unknown, allowNumber = false): number | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (allowNumber && typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return undefined;
  const match = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return undefined;
  const satang = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return satang > 0 ? satang : undefined;
}

/** Integer satang as baht with two decimals: 10000 → "100.00". */
export function satangToBaht(satang: number): string {
  return `${Math.floor(satang / 100)}.${String(satang % 100).padStart(2, '0')}`;
}

const alphanumerics = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` characters of [0-9A-Za-z] from the CSPRNG. */
export function randomAlphanumerics(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphanumerics[randomInt(alphanumerics.length)];
  return out;
}

/** `length` decimal digits from the CSPRNG. */
export function randomDigits(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String(randomInt(10));
  return out;
}

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An optional string field: undefined when absent, null or empty; an InputError when not a string or too long. */
export function optionalString(body: Record<string, unknown>, field: string, maxChars: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InputError(field, `${field} must be a string`);
  if (value.length > maxChars) throw new InputError(field, `${field} must be at most ${maxChars} characters`);
  return value;
}

/** A required string field. */
export function requiredString(body: Record<string, unknown>, field: string, maxChars: number): string {
  const value = optionalString(body, field, maxChars);
  if (value === undefined) throw new InputError(field, `${field} is required`, true);
  return value;
}

/** A list that keeps only its newest `max` entries. */
export class BoundedLog<T> {
  private entries: T[] = [];

  constructor(private readonly max: number) {}

  push(entry: T): void {
    this.entries.push(entry);
    // Trim in batches so a full log does not copy itself on every push.
    if (this.entries.length > this.max + Math.ceil(this.max / 10)) this.entries = this.entries.slice(-this.max);
  }

  list(): T[] {
    return this.entries.length > this.max ? this.entries.slice(-this.max) : this.entries.slice();
  }
}
