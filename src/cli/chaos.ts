/**
 * `satang chaos set|clear|show ENDPOINT_ID`: an endpoint's webhook chaos (test mode), through
 * PATCH /webhook_endpoints/:id `{chaos: {...}}` or `{chaos: null}`; the answer is the endpoint with its `chaos`.
 * `set` changes only the settings given: it reads the endpoint's chaos and sends it back with them (on an
 * endpoint without chaos, the gateway's defaults fill in the rest).
 */
import { chaosText } from './format.js';
import { argument, type Json, noMoreArguments, type OptionValues, type RemoteCall, type RemoteCommand, RemoteUsageError, segment, stringOption, wholeNumber } from './remote.js';

function rate(values: OptionValues): number | undefined {
  const text = stringOption(values, 'duplicate-rate');
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || !(value >= 0 && value <= 1)) throw new RemoteUsageError('--duplicate-rate must be a number from 0 to 1');
  return value;
}

function delay(values: OptionValues): [number, number] | undefined {
  const text = stringOption(values, 'delay-ms');
  if (text === undefined) return undefined;
  const match = /^(\d{1,9})(?:,(\d{1,9}))?$/.exec(text);
  if (!match) throw new RemoteUsageError('--delay-ms takes MIN,MAX in milliseconds (or one number for both)');
  const min = Number(match[1]);
  const max = Number(match[2] ?? match[1]);
  if (max < min) throw new RemoteUsageError('--delay-ms: MAX must not be below MIN');
  return [min, max];
}

/** A seed as given: a whole number goes as a number, anything else as text. */
function seed(values: OptionValues): number | string | undefined {
  const text = stringOption(values, 'seed');
  if (text === undefined) return undefined;
  return /^\d{1,15}$/.test(text) ? Number(text) : text;
}

export const chaosCommand: RemoteCommand = {
  usage: `  chaos set ENDPOINT_ID [--duplicate-rate 0..1] [--delay-ms MIN,MAX] [--reorder-window-ms N]
            [--fail-first-attempts N] [--seed S]
                                         webhook chaos for a test-mode endpoint (only the settings given change)
  chaos clear ENDPOINT_ID                turn it off
  chaos show ENDPOINT_ID                 the endpoint's chaos settings
`,
  options: {
    'duplicate-rate': { type: 'string' },
    'delay-ms': { type: 'string' },
    'reorder-window-ms': { type: 'string' },
    'fail-first-attempts': { type: 'string' },
    seed: { type: 'string' },
  },
  async run(client, call, out) {
    const [sub] = call.args;
    const rest: RemoteCall = { ...call, args: call.args.slice(1) };
    if (sub !== 'set' && sub !== 'clear' && sub !== 'show') throw new RemoteUsageError(sub === undefined ? 'chaos needs set, clear or show' : `unknown chaos command ${sub}`);
    const id = segment(argument(rest, 0, 'a webhook endpoint id', `chaos ${sub}`));
    noMoreArguments(rest, 1, `chaos ${sub}`);
    let endpoint: Json;
    if (sub === 'show') {
      endpoint = await client.request('GET', `/webhook_endpoints/${id}`);
    } else if (sub === 'clear') {
      endpoint = await client.request('PATCH', `/webhook_endpoints/${id}`, { body: { chaos: null } });
    } else {
      const settings = {
        duplicate_rate: rate(call.values),
        delay_ms: delay(call.values),
        reorder_window_ms: wholeNumber(call.values, 'reorder-window-ms'),
        fail_first_attempts: wholeNumber(call.values, 'fail-first-attempts'),
        seed: seed(call.values),
      };
      const given = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
      if (Object.keys(given).length === 0) throw new RemoteUsageError('chaos set needs at least one of --duplicate-rate, --delay-ms, --reorder-window-ms, --fail-first-attempts, --seed');
      // The settings not given stay as they are: the current ones are read and sent back with the change.
      const current = (await client.request('GET', `/webhook_endpoints/${id}`)).chaos;
      const chaos = current && typeof current === 'object' ? { ...current, ...given } : given;
      endpoint = await client.request('PATCH', `/webhook_endpoints/${id}`, { body: { chaos } });
    }
    out.object(endpoint, () => chaosText(endpoint));
  },
};
