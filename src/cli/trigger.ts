/** `satang trigger <event>`: POST /test/trigger (test mode, secret key), then the objects and event ids it made. */
import { triggerEvents } from '../domain/trigger.js';
import { triggerText } from './format.js';
import { argument, noMoreArguments, type RemoteCommand, stringOption, wholeNumber } from './remote.js';

export const triggerCommand: RemoteCommand = {
  usage: `  trigger EVENT [--amount SATANG] [--funding-source X]
                                         make EVENT happen on a new test charge and print the charge, its
                                         refund and the ids of the events written; EVENT is one of
                                         ${triggerEvents.join(', ')}
`,
  options: {
    amount: { type: 'string' },
    'funding-source': { type: 'string' },
  },
  async run(client, call, out) {
    const event = argument(call, 0, `an event: one of ${triggerEvents.join(', ')}`, 'trigger');
    noMoreArguments(call, 1, 'trigger');
    const body = { event, amount: wholeNumber(call.values, 'amount'), funding_source: stringOption(call.values, 'funding-source') };
    const triggered = await client.request('POST', '/test/trigger', { body });
    out.object(triggered, () => triggerText(triggered));
  },
};
