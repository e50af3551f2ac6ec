/**
 * Every limit Satang enforces, named unit-last so a reader sees the unit in the name.
 * Amounts are integer satang (1 THB = 100 satang).
 */
import { dayMs, hourMs, minuteMs, secondMs } from './time.js';

export const chargeAmountSatangMin = 10_000; // THB 100.00 (seed guide, Limits)
export const chargeAmountSatangMax = 5_000_000; // THB 50,000.00
export const chargeExpiryMs = dayMs; // a pending charge expires 24 h after creation
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

// ---------------------------------------------------------------- GET /search (DECISIONS §10)
export const searchPerPageDefault = 30;
export const searchPerPageMax = 100;
/** How deep a search may page: page × per_page at most this (narrow the search to see further). */
export const searchResultWindowMax = 10_000;
/** The `query` text, and the terms it may hold (free text and field:value together). */
export const searchQueryCharsMax = 500;
export const searchQueryTermsMax = 20;
/** `filters[metadata][key]` entries in one search, and the length of each filter's value. */
export const searchMetadataFiltersMax = 10;
export const searchFilterValueCharsMax = 200;
/** An account's email (GET /account), as `satang accounts set --email` takes it. */
export const accountEmailCharsMax = 254;

// ---------------------------------------------------------------- refunds (DECISIONS §5)
export const refundsPerChargeMax = 15;
export const refundWindowMs = 30 * dayMs;
/** Rereads allowed when another refund of the same charge commits between a refund's read and its write. */
export const refundRaceRetriesMax = 5;

// ---------------------------------------------------------------- the test clock (DECISIONS §8)
/** How long a process trusts a test-clock offset it read (a change checks it in its transaction anyway). */
export const testClockOffsetCacheMs = secondMs;
/** How far ahead of the wall clock the test clock may go. */
export const testClockAheadMsMax = 100 * 365 * dayMs;
/** How often a change is run again at a test clock that moved under it before it runs unchecked at a fresh read. */
export const clockMovedRetriesMax = 8;

// ---------------------------------------------------------------- background work
/**
 * Due charges the expiry sweep expires in one transaction. On SQLite the commit writes the batch's pages on the event
 * loop: at 2,000 a batch, commits took 85–118 ms and bench/expiry.ts (200,000 charges) saw the loop held up to 105 ms
 * (p99 84 ms) at 10,917/s; at 1,000, up to 77.5 ms (p99 51 ms) at 9,993/s. PostgreSQL at 1,000: 6,810/s (6,121/s at
 * 2,000 in another run), loop max 29 ms.
 */
export const expiryBatchChargesMax = 1000;
/**
 * Charges the sweep claims and writes events for at a time, within its batch's one transaction. A chunk's rows and
 * events are garbage before the next chunk starts, so fewer of them outlive two scavenges and are promoted than when a
 * whole batch was held at once (the old generation fills with that garbage up to ~4.5× the live heap between
 * mark-compacts). bench/expiry.ts, 1M on SQLite: peak heap 143 → 132 MB, peak RSS 234 → 218 MB; smaller chunks did no
 * better.
 */
export const expiryChunkChargesMax = 250;
export const expirySweepIntervalMs = secondMs;
/** Idempotency-Key records are kept this long (DECISIONS §8). */
export const idempotencyRecordTtlMs = dayMs;
/** A scripted outcome applies at most this long after its charge was made: before the charge's 24-hour deadline (DECISIONS §10). */
export const scriptedOutcomeAfterSecondsMax = 86_399;
/** Due scripted outcomes applied in one change, and how often the job looks for them (or at once, when nudged). */
export const scriptedOutcomeBatchChargesMax = 500;
export const scriptedOutcomeIntervalMs = secondMs;
/**
 * SQLite's full-text index is written after the fact (store/text-index.ts deferWrites): charges
 * per transaction (FTS5 writes a segment per commit, so more at once cost less each; 500 take
 * about 60 ms, the longest the loop is held), and how often the queue is looked at.
 */
export const textIndexBatchCharges = 500;
export const textIndexIntervalMs = 250;

// ---------------------------------------------------------------- webhooks (DECISIONS §6)
/** SATANG_WEBHOOK_TIMEOUT_MS: how long an endpoint has to answer. */
export const webhookTimeoutMsDefault = 10 * secondMs;
/** SATANG_WEBHOOK_CONCURRENCY: deliveries in flight at once. */
export const webhookConcurrencyDefault = 32;
export const webhookConcurrencyPerOriginMax = 16;
export const webhookPollIntervalMs = 250;
/** Answered attempts recorded in one transaction at most (three statements for them all, store finishAttempts). */
export const webhookAttemptsRecordedTogetherMax = 64;
/**
 * How many claimed jobs may wait for a slot at one origin. Past that the origin's jobs are left in
 * the outbox (claims skip them), so its backlog does not crowd out other endpoints; short of it, a
 * busy origin always has its next jobs at hand when a slot frees.
 */
export const webhookWaitingPerOriginMax = 4 * webhookConcurrencyPerOriginMax;
/** A lease outlives the longest attempt by this, so a live dispatcher never loses its job. */
export const webhookLeaseMarginMs = 5 * secondMs;
/** A job that waited for its slot until less than this is left of its lease is sent under a new lease. */
export const webhookLeaseRenewMarginMs = webhookLeaseMarginMs / 2;
/** After a secret is rolled the old one keeps signing this long. */
export const webhookSecretOverlapMs = dayMs;
/** The retry schedule: the first wait, its growth, its cap and jitter, and when a job gives up. */
export const webhookRetryFirstDelayMs = 10 * secondMs;
export const webhookRetryDelayFactor = 2;
export const webhookRetryDelayMsMax = 6 * hourMs;
export const webhookRetryJitterRatio = 0.2;
export const webhookGiveUpAfterMs = 3 * dayMs;
/**
 * Webhook chaos (test mode, per endpoint): the most a delivery may be postponed, the widest
 * reordering window, how many first attempts may be failed on purpose (attempt 10 of the retry
 * schedule comes about three hours after the event, well inside its three days) and the largest
 * seed (an integer JSON carries exactly).
 */
export const webhookChaosDelayMsMax = hourMs;
export const webhookChaosReorderWindowMsMax = 10 * minuteMs;
export const webhookChaosFailFirstAttemptsMax = 10;
export const webhookChaosSeedMax = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------- the request log (test mode, DECISIONS §10)
/** Entries kept per account (the newest), and for how long at most. */
export const requestLogEntriesPerAccountMax = 10_000;
export const requestLogAgeMsMax = 7 * dayMs;
/**
 * Entries wait in memory after their reply and are written in batches: every interval, or as soon as
 * this many wait. A full queue drops new entries (counted in /metrics): a request never waits for the log.
 */
export const requestLogFlushIntervalMs = 200;
export const requestLogFlushEntries = 500;
export const requestLogQueueEntriesMax = 10_000;
/**
 * An account's entries beyond its newest requestLogEntriesPerAccountMax are deleted once a process has written
 * this many more for it (lists never show them meanwhile), so a flush does not count the account's entries each time.
 */
export const requestLogPruneSlackEntries = 1000;
/** How often every account written to is pruned, and entries past their age deleted (how many at most in one run). */
export const requestLogAgePruneIntervalMs = minuteMs;
export const requestLogAgePruneEntriesMax = 5000;
/** A path is kept to this many characters. */
export const requestLogPathCharsMax = 2000;
/** Streams look for new entries this often (every process's, through the database), this many at a time. */
export const requestLogTailPollMs = 250;
export const requestLogTailBatchEntries = 1000;
/**
 * A number skipped in the entries' order may belong to a write not yet committed (another process's):
 * it is looked for again until this long has passed, and at most this many are looked for.
 */
export const requestLogTailGapWaitMs = 30 * secondMs;
export const requestLogTailGapsMax = 10_000;

// ---------------------------------------------------------------- Server-Sent Events (api/sse.ts)
/** A comment line this often keeps proxies and clients from taking a quiet stream for a dead one. */
export const sseKeepAliveMs = 15 * secondMs;
/** Streams open at once per account, and in one process. */
export const sseStreamsPerAccountMax = 10;
export const sseStreamsMax = 1000;
/** A client this far behind (bytes written and not yet taken) is disconnected rather than buffered for. */
export const sseBufferedBytesMax = 1024 * 1024;

// ---------------------------------------------------------------- satang listen (test mode, issue 15)
/** A listener whose deliveries no stream has held for this long expires: it is removed with what it had not sent. */
export const listenerIdleExpiryMs = hourMs;
/** Listeners per account and mode (each one adds a delivery to every event while it lives). */
export const listenersPerScopeMax = 20;
/** A delivery sent over a stream and not acknowledged within this is sent again (to whichever stream holds the listener). */
export const listenerAckLeaseMs = 30 * secondMs;
/**
 * Deliveries of one listener sent and not yet acknowledged, at most: the stream's window. It bounds what
 * a stream holds in memory and what is sent again after a dropped connection, and must cover an
 * acknowledgement's round trip at the event rate (200 events/s × 1 s under load).
 */
export const listenerUnackedMax = 256;
/** How often a process holding streams looks for their deliveries (its own commits wake it at once). */
export const listenerPollIntervalMs = 250;
/** A comment line on an idle stream this often, so proxies and clients see it alive. */
export const listenerKeepAliveMs = 15 * secondMs;
/** How often a held stream moves its listener's expiry on (and notices that the listener was removed). */
export const listenerRefreshIntervalMs = 10 * secondMs;
/** Expired listeners removed per sweep run. */
export const listenerPurgeBatchMax = 100;
/** Acknowledgements in one POST /test/listeners/:id/acks. */
export const listenerAcksPerRequestMax = 100;
/** The error text an acknowledgement may carry (what the CLI got instead of an answer). */
export const listenerAckErrorCharsMax = 1000;
/** An acknowledgement's duration_ms: at most an hour (a forward takes seconds; the column is a 32-bit integer). */
export const listenerAckDurationMsMax = 3_600_000;

// ---------------------------------------------------------------- the dashboard (DECISIONS §7)
export const operatorPasswordCharsMin = 12;
export const operatorPasswordCharsMax = 200;
/** The reason an operator may give for a money action on the dashboard (kept in the audit line); a longer one is refused, never cut. */
export const actionReasonCharsMax = 500;
export const operatorSessionLifetimeMs = 12 * hourMs;
/**
 * Failed sign-ins allowed per (email, client address) and per client address in one window, shared by
 * every process; beyond them that address is refused (429). Failures for an email from anywhere never
 * refuse: they slow an address the operator never signed in from by a bounded delay.
 */
export const signInFailuresPerEmailAddressMax = 5;
export const signInFailuresPerAddressMax = 20;
export const signInWindowMs = 15 * minuteMs;
/** Failures for an email (from any address) before sign-ins for it from unknown addresses are slowed. */
export const signInSlowAfterEmailFailures = 3;
/** The delay per failure beyond that, and its bound. */
export const signInDelayStepMs = 250;
export const signInDelayMsMax = 2000;
/** The addresses remembered per operator (most recent). */
export const operatorKnownAddressesMax = 20;
/** Invite and password-reset links work this long. */
export const operatorLinkLifetimeMs = 24 * hourMs;
/** A sign-in waiting for its second factor: this long, this many wrong codes. */
export const signInChallengeLifetimeMs = 5 * minuteMs;
export const signInChallengeFailuresMax = 5;
/** TOTP: recovery codes made when two-factor sign-in is turned on. */
export const recoveryCodesCount = 10;
/** The first operator's setup link works this long. */
export const setupTokenLifetimeMs = hourMs;

// ---------------------------------------------------------------- the customer's pages and the wallet simulator
/** How often the hosted page asks for its payment's status: a change shows within this time. */
export const paymentStatusPollMs = 1500;
/** How long a finished payment stays on screen before the customer is sent back to the shop. */
export const paymentReturnDelayMs = 3 * secondMs;
/** A scanned QR's text, and an uploaded QR image's pixels. */
export const scannedPayloadCharsMax = 512;
export const qrImagePixelsMax = 2000 * 2000;

// ---------------------------------------------------------------- caches and retries inside a process
/** API keys found by their digest are trusted this long (a rolled key stops working within it). */
export const apiKeyCacheMs = 2 * secondMs;
export const apiKeyCacheEntriesMax = 10_000;
/** Charges by status for /metrics need a table scan: recounted at most this often. */
export const chargeTotalsCacheMs = 15 * secondMs;
/** Prepared SQLite statements kept per connection. */
export const sqliteStatementsCachedMax = 500;
/**
 * Objects the SQLite reader keeps between commits (store/sqlite-dialect.ts ReadCache), oldest out: a
 * charge a merchant polls for its status is read from memory until something commits. About 2 KB each.
 */
export const sqliteReadCacheEntriesMax = 2_000;
/**
 * SQLite's page cache per connection (two: the writer and the reader), in KiB. better-sqlite3 builds
 * SQLite with 16 MB; the operating system's file cache holds the same pages again, so a smaller one
 * costs a system call on a miss, not a disk read, and keeps the server's memory bounded (issue 17).
 */
export const sqliteCacheKib = 4096;
/**
 * How far V8 lets the old generation grow past what the last full collection kept, in percent
 * (`--heap-growing-percent`; V8's own choice is up to 300 % while collections are cheap). Under
 * PostgreSQL's HTTP load the server kept about 28 MB after each full collection and let the heap
 * reach 108 MB before the next (peak RSS 209.8 MB); at 50 % the peak was 128.8 MB at the same
 * throughput. `satang serve` sets it unless node was given the flag.
 */
export const heapGrowingPercent = 50;
// ---------------------------------------------------------------- live mode through a bank (DECISIONS §11)
/** The longest reference of a manual refund (the bank transfer's reference, or an operator's note). */
export const manualReferenceCharsMax = 100;
/** The longest confirmation body a bank may post (SCB's is well under 2 KiB). */
export const bankCallbackBytesMax = 16 * 1024;
/** How long one worker holds a confirmation while it asks the bank (its look-ups fit well inside). */
export const confirmationLeaseMs = 60 * secondMs;
/** A confirmation the bank's look-up failed on is asked about again after 5 s, doubling, at most 5 min apart. */
export const confirmationRetryBaseMs = 5 * secondMs;
export const confirmationRetryMaxMs = 5 * 60 * secondMs;
/** Look-ups of one confirmation before it is left unverified: with the backoff, about half an hour. */
export const confirmationAttemptsMax = 12;
/** Confirmations one run of the live provider's loop works. */
export const confirmationsPerRunMax = 20;
/** Live charges one reconciliation pass asks about (each one to three look-ups, at the bank's 5 a second). */
export const reconcileChargesPerPassMax = 10;
/** The reconciliation sweep asks about charges expired this recently too: a payment that reached the bank late is reported. */
export const reconcileExpiredWithinMs = 60 * 60 * secondMs;
/** How often the reconciliation sweep runs. */
export const reconcileIntervalMs = 30 * secondMs;

/** How often a group-commit unit that lost a deadlock or a serialization race runs again. */
export const transactionRetriesMax = 5;
