/** SCB as a BankProvider (provider.ts): its client (client.ts) and its rules (domain/scb.ts). */
import { checkScbSettings, readScbPayment, scbCallbackAnswer, scbDatesBetween, scbInquiryDates } from '../../domain/scb.js';
import type { BankProvider } from '../provider.js';
import { ScbClient, type ScbClientOptions } from './client.js';

export function scbBankProvider(options: ScbClientOptions): BankProvider {
  const client = new ScbClient(options);
  return {
    name: 'scb',
    refunds: 'transfer',
    checkSettings: (settings) => checkScbSettings(settings),
    verify: (credentials) => client.verify(credentials),
    readConfirmation: (body) => readScbPayment(body),
    confirmationAnswer: (payment) => scbCallbackAnswer(payment.transactionId),
    lookUp: (credentials, query) => client.inquire(credentials, query),
    datesAround: (atMs) => scbInquiryDates(atMs),
    datesBetween: (fromMs, toMs) => scbDatesBetween(fromMs, toMs).reverse(),
  };
}
