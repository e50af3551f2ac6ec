/**
 * `satang charges create|get|list|pay|fail|expire` and `satang refunds create`: the charge routes of the API
 * (POST /charges, GET /charges[/:id], mark_as_paid, mark_as_failed, expire, POST /charges/:id/refunds).
 */
import { chargeBlock, chargeLine, refundLine } from './format.js';
import {
  argument,
  type Json,
  noMoreArguments,
  type OptionValues,
  type Query,
  type RemoteCall,
  type RemoteCommand,
  RemoteUsageError,
  segment,
  stringOption,
  wholeNumber,
} from './remote.js';

/** The list options the API takes (omise-api.md §10): --limit, --offset, --order, --from, --to. */
export const listOptions = {
  limit: { type: 'string' },
  offset: { type: 'string' },
  order: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const;

export function listQuery(values: OptionValues): Query {
  const order = stringOption(values, 'order');
  if (order !== undefined && order !== 'chronological' && order !== 'reverse_chronological') throw new RemoteUsageError('--order must be chronological or reverse_chronological');
  return { limit: wholeNumber(values, 'limit'), offset: wholeNumber(values, 'offset'), order, from: stringOption(values, 'from'), to: stringOption(values, 'to') };
}

/** `--metadata key=value`, repeated: the charge's metadata. */
function metadataOf(values: OptionValues): Record<string, string> | undefined {
  const given = values.metadata;
  if (given === undefined) return undefined;
  const metadata: Record<string, string> = {};
  for (const pair of Array.isArray(given) ? given : [given]) {
    const text = String(pair);
    const equals = text.indexOf('=');
    if (equals <= 0) throw new RemoteUsageError(`--metadata takes KEY=VALUE, not ${text}`);
    metadata[text.slice(0, equals)] = text.slice(equals + 1);
  }
  return metadata;
}

const chargeSubcommands = ['create', 'get', 'list', 'pay', 'fail', 'expire'];

export const chargesCommand: RemoteCommand = {
  usage: `  charges create --amount SATANG [--source SOURCE_ID] [--description TEXT] [--metadata KEY=VALUE ...]
                                         a TrueMoney QR charge (an inline source unless --source)
  charges get CHARGE_ID
  charges list [--limit N] [--offset N] [--order chronological|reverse_chronological] [--from ISO] [--to ISO]
  charges pay CHARGE_ID [--funding-source X]
  charges fail CHARGE_ID                 mark a pending test charge paid or failed
  charges expire CHARGE_ID               expire a pending charge now
`,
  options: {
    amount: { type: 'string' },
    currency: { type: 'string' },
    source: { type: 'string' },
    description: { type: 'string' },
    metadata: { type: 'string', multiple: true },
    'funding-source': { type: 'string' },
    ...listOptions,
  },
  async run(client, call, out) {
    const [sub] = call.args;
    const rest: RemoteCall = { ...call, args: call.args.slice(1) };
    const show = (charge: Json) => out.object(charge, () => chargeBlock(charge));
    const id = () => {
      const value = argument(rest, 0, 'a charge id', `charges ${sub}`);
      noMoreArguments(rest, 1, `charges ${sub}`);
      return segment(value);
    };
    switch (sub) {
      case 'create': {
        noMoreArguments(rest, 0, 'charges create');
        const amount = wholeNumber(call.values, 'amount');
        if (amount === undefined) throw new RemoteUsageError('charges create needs --amount SATANG (100.00 THB is 10000)');
        const source = stringOption(call.values, 'source');
        const body = {
          amount,
          currency: stringOption(call.values, 'currency') ?? 'THB',
          source: source ?? { type: 'truemoney_qr' },
          description: stringOption(call.values, 'description'),
          metadata: metadataOf(call.values),
        };
        return show(await client.request('POST', '/charges', { body }));
      }
      case 'get':
        return show(await client.request('GET', `/charges/${id()}`));
      case 'list': {
        noMoreArguments(rest, 0, 'charges list');
        const list = await client.request('GET', '/charges', { query: listQuery(call.values) });
        out.items(list.data, chargeLine, 'no charges');
        return out.text(`(${list.data.length} of ${list.total})`);
      }
      case 'pay': {
        const path = `/charges/${id()}/mark_as_paid`;
        const fundingSource = stringOption(call.values, 'funding-source');
        return show(await client.request('POST', path, { body: fundingSource ? { funding_source: fundingSource } : {} }));
      }
      case 'fail':
        return show(await client.request('POST', `/charges/${id()}/mark_as_failed`, { body: {} }));
      case 'expire':
        return show(await client.request('POST', `/charges/${id()}/expire`, { body: {} }));
      default:
        throw new RemoteUsageError(sub === undefined ? `charges needs one of ${chargeSubcommands.join(', ')}` : `unknown charges command ${sub}`);
    }
  },
};

export const refundsCommand: RemoteCommand = {
  usage: `  refunds create CHARGE_ID [--amount SATANG] [--void]
                                         refund (or void) a charge: the whole remaining amount without --amount
`,
  options: {
    amount: { type: 'string' },
    void: { type: 'boolean' },
  },
  async run(client, call, out) {
    const [sub] = call.args;
    if (sub !== 'create') throw new RemoteUsageError(sub === undefined ? 'refunds needs create' : `unknown refunds command ${sub}`);
    const rest: RemoteCall = { ...call, args: call.args.slice(1) };
    const chargeId = segment(argument(rest, 0, 'a charge id', 'refunds create'));
    noMoreArguments(rest, 1, 'refunds create');
    let amount = wholeNumber(call.values, 'amount');
    if (amount === undefined) {
      const charge = await client.request('GET', `/charges/${chargeId}`);
      amount = Number(charge.amount) - Number(charge.refunded_amount);
    }
    const refund = await client.request('POST', `/charges/${chargeId}/refunds`, { body: { amount, ...(call.values.void ? { void: true } : {}) } });
    out.object(refund, () => refundLine(refund));
  },
};
