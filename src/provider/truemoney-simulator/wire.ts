/**
 * What the TrueMoney app reads from a QR: a Thai QR Payment dynamic bill-payment code (DECISIONS §3).
 * TLV decoding and the CRC-16/CCITT-FALSE check come from promptparse; this file only says which
 * fields must be there and what they must look like, with one plain error for each way a code is bad.
 */
import { parse } from 'promptparse';
import { OmiseError } from '../../domain/errors.js';
import { billPaymentAid } from '../../qr/payload.js';
import { scannedPayloadCharsMax } from '../../domain/limits.js';

export interface BillPaymentFields {
  billerId: string;
  ref1: string;
  amountSatang: number;
  merchantName: string;
}

/** Longer than any EMVCo QR (the format caps a code at 512 characters). */

const invalid = (message: string) => new OmiseError('bad_request', message);

/** Baht with exactly two decimals ("4000.00") as integer satang, without floats. */
function bahtTextToSatang(text: string): number | null {
  const match = /^(\d{1,7})\.(\d{2})$/.exec(text);
  return match ? Number(match[1]) * 100 + Number(match[2]) : null;
}

/** Reads a scanned payload; throws a `bad_request` OmiseError that says what is wrong with it. */
export function parseBillPaymentPayload(scanned: unknown): BillPaymentFields {
  if (typeof scanned !== 'string' || scanned.trim() === '') throw invalid('payload is required: the text of the scanned QR code');
  const payload = scanned.trim();
  if (payload.length > scannedPayloadCharsMax || !/^[\x20-\x7e]+$/.test(payload)) {
    throw invalid('payload is not a QR payment code: it must be at most 512 printable ASCII characters');
  }
  const qr = parse(payload, false, true);
  if (!qr) throw invalid('payload is not a QR payment code: its fields (EMVCo tag-length-value) cannot be read');
  const crc = qr.getTag('63');
  if (!crc || !payload.endsWith(`6304${crc.value}`)) throw invalid('payload has no checksum: an EMVCo QR code ends with tag 63 (CRC)');
  if (!qr.validate('63')) throw invalid('the QR checksum (CRC) does not match: the code is damaged or was altered');
  if (qr.getTagValue('00') !== '01') throw invalid('payload is not an EMVCo QR code: tag 00 must be 01');
  if (qr.getTagValue('30', '00') !== billPaymentAid) {
    throw invalid(`this QR is not a Thai QR bill payment: tag 30 must carry the AID ${billPaymentAid}`);
  }
  if (qr.getTagValue('53') !== '764' || qr.getTagValue('58') !== 'TH') throw invalid('this QR is not a Thai baht payment (tag 53 must be 764 and 58 TH)');
  const billerId = qr.getTagValue('30', '01') ?? '';
  const ref1 = qr.getTagValue('30', '02') ?? '';
  if (!/^\d{15}$/.test(billerId)) throw invalid('the QR biller id (tag 30, sub-tag 01) must be 15 digits');
  if (!/^[A-Z0-9]{1,20}$/.test(ref1)) throw invalid('the QR reference (tag 30, sub-tag 02) must be 1 to 20 of A-Z and 0-9');
  const amountText = qr.getTagValue('54');
  if (amountText === undefined) throw invalid('this QR has no amount (tag 54): TrueMoney QR codes are for one payment of a fixed amount');
  const amountSatang = bahtTextToSatang(amountText);
  if (amountSatang === null) throw invalid('the QR amount (tag 54) must be baht with two decimals, e.g. 4000.00');
  return { billerId, ref1, amountSatang, merchantName: qr.getTagValue('59') ?? '' };
}
