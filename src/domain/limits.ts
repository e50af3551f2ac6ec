/**
 * Every limit Satang enforces, named unit-last so a reader sees the unit in the name.
 * Amounts are integer satang (1 THB = 100 satang).
 */
export const chargeAmountSatangMin = 10_000; // THB 100.00 (seed guide, Limits)
export const chargeAmountSatangMax = 5_000_000; // THB 50,000.00
export const chargeExpiryMs = 24 * 60 * 60 * 1000; // a pending charge expires 24 h after creation
export const listLimitDefault = 20;
export const listLimitMax = 100;
export const requestBodyBytesMax = 1024 * 1024;
export const requestNestingDepthMax = 8;
export const feeRateBpsDefault = 365; // 3.65 %
export const vatRateBps = 700; // 7 %
export const merchantNameQrCharsMax = 25;
export const qrRef1CharsMax = 20;
/** Rendered QR PNGs kept per process (about 0.9 KB each with its key): whichever bound is reached first. */
export const qrPngCacheEntriesMax = 10_000;
export const qrPngCacheBytesMax = 8 * 1024 * 1024;
/** CPU the QR cache spends drawing images in one turn of the event loop (each takes about 0.7 ms). */
export const qrRenderTurnMsMax = 2;
export const metadataBytesMax = 16 * 1024;
export const descriptionCharsMax = 1000;
export const returnUriCharsMax = 2000;
export const groupCommitUnitsMax = 256;
export const currencyThb = 'THB';

/** The API versions Omise has published; all are rendered as the latest. */
export const apiVersions = ['2014-07-27', '2015-11-17', '2017-11-02', '2019-05-29'] as const;
export const apiVersionSourcesMin = '2017-11-02';
