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
export const metadataBytesMax = 16 * 1024;
export const descriptionCharsMax = 1000;
export const returnUriCharsMax = 2000;
export const groupCommitUnitsMax = 256;
export const webhookUrlCharsMax = 2000;
/** Webhook endpoints of one account and mode (DECISIONS §10); accounts already above keep theirs. */
export const webhookEndpointsPerScopeMax = 20;
/** URLs in a charge's own webhook_endpoints. */
export const chargeWebhookEndpointsMax = 10;
/** Deliveries each event shows in event lists, the most recent (GET /events/:id shows them all). */
export const eventListDeliveriesMax = 25;
/** The start of a receiver's answer kept with each attempt, for people to read. */
export const webhookResponseExcerptBytesMax = 1024;
/** How much of a receiver's answer is read at most; past it the connection is closed, the status kept. */
export const webhookResponseBytesMax = 64 * 1024;
export const currencyThb = 'THB';

/** The API versions Omise has published; all are rendered as the latest. */
export const apiVersions = ['2014-07-27', '2015-11-17', '2017-11-02', '2019-05-29'] as const;
export const apiVersionSourcesMin = '2017-11-02';
