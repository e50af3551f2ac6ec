import { vatRateBps } from './limits.js';

/** round_half_up(numerator / denominator) for non-negative integers, without floats. */
export function divRoundHalfUp(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || numerator < 0) throw new Error(`numerator must be a non-negative safe integer: ${numerator}`);
  if (!Number.isSafeInteger(denominator) || denominator <= 0) throw new Error(`denominator must be a positive integer: ${denominator}`);
  const quotient = Math.floor(numerator / denominator);
  const remainder = numerator - quotient * denominator;
  return remainder * 2 >= denominator ? quotient + 1 : quotient;
}

export interface Fees {
  feeSatang: number;
  feeVatSatang: number;
  netSatang: number;
}

/** DECISIONS §3: fee = round_half_up(amount × rate / 10000) + flat; vat on the fee; net = the rest. */
export function computeFees(amountSatang: number, feeRateBps: number, feeFlatSatang: number): Fees {
  const feeSatang = divRoundHalfUp(amountSatang * feeRateBps, 10_000) + feeFlatSatang;
  const feeVatSatang = divRoundHalfUp(feeSatang * vatRateBps, 10_000);
  const netSatang = amountSatang - feeSatang - feeVatSatang;
  return { feeSatang, feeVatSatang, netSatang };
}

/**
 * An integer count of hundredths as Omise's decimal string with at least one decimal:
 * 365 → "3.65", 300 → "3.0", 700 → "7.0", 550 → "5.5", 0 → "0.0".
 */
export function hundredthsToDecimalString(hundredths: number): string {
  if (!Number.isSafeInteger(hundredths) || hundredths < 0) throw new Error(`must be a non-negative integer: ${hundredths}`);
  const whole = Math.floor(hundredths / 100);
  const cents = hundredths % 100;
  if (cents === 0) return `${whole}.0`;
  if (cents % 10 === 0) return `${whole}.${cents / 10}`;
  return `${whole}.${String(cents).padStart(2, '0')}`;
}

/** Satang as baht with exactly two decimals: 400000 → "4000.00". */
export function satangToBahtString(satang: number): string {
  if (!Number.isSafeInteger(satang) || satang < 0) throw new Error(`must be a non-negative integer: ${satang}`);
  return `${Math.floor(satang / 100)}.${String(satang % 100).padStart(2, '0')}`;
}
