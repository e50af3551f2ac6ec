/**
 * Omise resources that Satang does not serve (DECISIONS §2): they answer 400
 * feature_not_supported, never a bare 404, so an SDK call fails with a clear reason.
 */
const cardOnly = 'are not supported by this gateway, which serves TrueMoney QR sources and charges';

export const unservedResources = new Map<string, string>([
  ['tokens', `tokens ${cardOnly}`],
  ['customers', `customers ${cardOnly}`],
  ['cards', `cards ${cardOnly}`],
  ['disputes', 'disputes are not supported by this gateway'],
  ['links', 'links are not supported by this gateway'],
  ['recipients', 'recipients are not supported by this gateway'],
  ['schedules', 'schedules are not supported by this gateway'],
  ['search', 'search is not supported by this gateway'],
  ['transfers', 'transfers are not supported by this gateway'],
  ['account', 'the account resource is not supported by this gateway'],
  ['receipts', 'receipts are not supported by this gateway'],
  ['occurrences', 'occurrences are not supported by this gateway'],
  ['chains', 'chains are not supported by this gateway'],
  ['forex', 'forex is not supported by this gateway'],
  ['bank_accounts', 'bank accounts are not supported by this gateway'],
  ['payment_methods', 'payment methods are not supported by this gateway; see /capability'],
]);
