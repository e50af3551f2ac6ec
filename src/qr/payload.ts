import { encode, tag, withCrcTag } from 'promptparse';
import { merchantNameQrCharsMax, qrRef1CharsMax } from '../domain/limits.js';
import { satangToBahtString } from '../domain/money.js';
import type { ChargeRow } from '../store/schema.js';

/** Thai QR Payment bill-payment AID (tag 30, sub-tag 00). */
export const billPaymentAid = 'A000000677010112';

export interface BillPaymentQr {
  billerId: string;
  ref1: string;
  amountSatang: number;
  merchantName: string;
  /** SCB's ref3 (a live charge's), written to tag 62 sub-tag 07 (DECISIONS §11); none in test mode. */
  ref3?: string;
}

/**
 * A dynamic Thai QR bill-payment code (EMVCo merchant-presented), DECISIONS §3:
 * 00 format, 01 "12" (dynamic), 30 {00 AID, 01 biller, 02 ref1}, 53 764, 54 amount, 58 TH,
 * 59 merchant name (ASCII), 63 CRC-16/CCITT-FALSE. TLV and CRC come from promptparse.
 */
export function billPaymentPayload(qr: BillPaymentQr): string {
  if (!/^[A-Z0-9]{1,20}$/.test(qr.ref1) || qr.ref1.length > qrRef1CharsMax) throw new Error(`ref1 must be 1-20 of A-Z0-9: ${qr.ref1}`);
  if (!/^\d{15}$/.test(qr.billerId)) throw new Error(`biller id must be 15 digits: ${qr.billerId}`);
  const tag30 = encode([tag('00', billPaymentAid), tag('01', qr.billerId), tag('02', qr.ref1)]);
  const fields = [
    tag('00', '01'),
    tag('01', '12'),
    tag('30', tag30),
    tag('53', '764'),
    tag('54', satangToBahtString(qr.amountSatang)),
    tag('58', 'TH'),
    tag('59', qrMerchantName(qr.merchantName)),
  ];
  if (qr.ref3) {
    if (!/^[A-Z0-9]{1,20}$/.test(qr.ref3)) throw new Error(`ref3 must be 1-20 of A-Z0-9: ${qr.ref3}`);
    fields.push(tag('62', encode([tag('07', qr.ref3)])));
  }
  return withCrcTag(encode(fields), '63', true);
}

/**
 * The QR payload of a charge: made from the charge row alone, which holds the biller id and name it
 * was created with (DECISIONS §3). The PNG, the hosted page's simulator link and the simulator's
 * check all come from here, so they cannot disagree after the account changes.
 */
export function chargeQrPayload(charge: Pick<ChargeRow, 'qr_biller_id' | 'qr_merchant_name' | 'qr_ref1' | 'qr_ref3' | 'amount'>): string {
  return billPaymentPayload({ billerId: charge.qr_biller_id, ref1: charge.qr_ref1, amountSatang: charge.amount, merchantName: charge.qr_merchant_name, ref3: charge.qr_ref3 });
}

/** The merchant name as the QR carries it: printable ASCII only, at most 25 characters. */
export function qrMerchantName(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, merchantNameQrCharsMax)
    .trim();
  return ascii.length > 0 ? ascii : 'SATANG MERCHANT';
}
