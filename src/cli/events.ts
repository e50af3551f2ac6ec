/** `satang events list|get`: GET /events (or a charge's, GET /charges/:id/events) and GET /events/:id. */
import { eventBlock, eventLine } from './format.js';
import { listOptions, listQuery } from './charges.js';
import { argument, noMoreArguments, type RemoteCall, type RemoteCommand, RemoteUsageError, segment, stringOption } from './remote.js';

export const eventsCommand: RemoteCommand = {
  usage: `  events list [--charge CHARGE_ID] [--limit N] [--offset N] [--order ...] [--from ISO] [--to ISO]
  events get EVENT_ID                    an event with every delivery attempt
`,
  options: {
    charge: { type: 'string' },
    ...listOptions,
  },
  async run(client, call, out) {
    const [sub] = call.args;
    const rest: RemoteCall = { ...call, args: call.args.slice(1) };
    if (sub === 'list') {
      noMoreArguments(rest, 0, 'events list');
      const charge = stringOption(call.values, 'charge');
      const list = await client.request('GET', charge ? `/charges/${segment(charge)}/events` : '/events', { query: listQuery(call.values) });
      out.items(list.data, eventLine, 'no events');
      out.text(`(${list.data.length} of ${list.total})`);
    } else if (sub === 'get') {
      const id = argument(rest, 0, 'an event id', 'events get');
      noMoreArguments(rest, 1, 'events get');
      const event = await client.request('GET', `/events/${segment(id)}`);
      out.object(event, () => eventBlock(event));
    } else {
      throw new RemoteUsageError(sub === undefined ? 'events needs list or get' : `unknown events command ${sub}`);
    }
  },
};
