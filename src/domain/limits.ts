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
/** Form bodies and query strings (qs): parameters, elements of one array, and bracket nesting. */
export const requestParametersMax = 1000;
export const requestArrayElementsMax = 100;
export const formNestingDepthMax = 5;
/** The request line and headers together (Node's parser limit, stated here so it is a decision). */
export const requestHeadersBytesMax = 16 * 1024;
/** The request target: below the header limit, so a long URL is a 414, not a 431. */
export const requestUrlCharsMax = 8 * 1024;
/** SATANG_REQUEST_TIMEOUT_MS: a request (headers and body) must have arrived within this. */
export const requestTimeoutMsDefault = 30_000;
/** How often the server looks for timed-out requests: this many times per timeout, and at least every second. */
export const requestTimeoutChecksPerTimeout = 10;
export const requestTimeoutCheckMsMax = 1000;
/** An idle keep-alive connection is closed after this; longer than a load balancer's idle timeout (nginx: 60 s). */
export const keepAliveIdleMs = 72_000;
/** SATANG_MAX_CONNECTIONS: connections beyond this are refused at accept. */
export const connectionsMaxDefault = 10_000;
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

