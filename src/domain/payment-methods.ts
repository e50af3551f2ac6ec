/** Which payment methods an account takes, per mode (DECISIONS §7): TrueMoney QR, enabled per account and mode. */
export const truemoneyQr = 'truemoney_qr';

/** Whether TrueMoney QR is enabled for the account in this mode (a fresh account: in test mode only). */
export function isTruemoneyQrEnabled(account: { truemoney_qr_test: number; truemoney_qr_live: number }, livemode: number): boolean {
  return (livemode === 1 ? account.truemoney_qr_live : account.truemoney_qr_test) === 1;
}
