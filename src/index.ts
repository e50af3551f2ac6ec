/** What the satang package exports for merchants and embedders. */
export { verifyWebhook, signPayload, type VerifyWebhookInput, type VerifyWebhookResult } from './webhooks/signing.js';
export { webhookRetrySchedule } from './domain/webhook-retry.js';
export { startGateway, type RunningGateway } from './server.js';
export { loadConfig, type Config } from './config.js';
