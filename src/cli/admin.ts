/**
 * The `satang` commands on the database: serve, migrate, accounts, keys, clock, reset, webhooks, operators
 * (src/cli.ts starts here for every command that is not a remote one). Secrets are printed only when they are
 * made (account creation, key roll).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { type Config, type ConfigFlag, configFlags, environmentWithFlags, loadConfig } from '../config.js';
import { PasswordNotGiven, readPassword } from './password.js';
import { formatTimestamp, parseTimestamp } from '../domain/time.js';
import { resetTestData } from '../usecases/reset.js';
import { advanceClock, type ClockAdvance, readClockOffset } from '../usecases/clock.js';
import { listEndpoints } from '../store/webhooks.js';
import { changeEndpoint, createEndpoint, ensureWebhookSecret, redeliverEvent, removeEndpoint, rollWebhookSecret } from '../usecases/webhooks.js';
import { OmiseError } from '../domain/errors.js';
import { heapGrowingPercent } from '../domain/limits.js';
import { findAccount, findDefaultAccount, listAccounts, listActiveKeys } from '../store/accounts.js';
import type { Account } from '../store/schema.js';
import { describeStoreLocation, type Store } from '../store/store.js';
import { countOperators, findOperatorByEmail, listOperators } from '../store/operators.js';
import { isOperatorRole } from '../domain/operator-roles.js';
import {
  type Actor,
  changeRole,
  checkOperatorInput,
  createOperator,
  disableOperator,
  enableOperator,
  hashPassword,
  makeResetLink,
  normalizeEmail,
} from '../usecases/operators.js';
import { openConfiguredStore, shutDownGracefully, startGateway, storeOptionsFor } from '../server.js';
import { Gateway } from '../gateway.js';
import { type AuditLine, valueOf } from '../usecases/changes.js';
import type { UseCaseContext } from '../usecases/context.js';
import type { Tx } from '../store/store.js';
import { gatewayLogger } from '../api/ops.js';
import { testSettingsOf } from '../domain/scripted-outcomes.js';
import { changeSettings, createAccount, type KeyKind, type Mode, rollKey, type SettingsInput } from '../usecases/accounts.js';
import { adminOptions } from './admin-options.js';


/** The package's version, from the package.json one level above this module (src/ or dist/). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

class UsageError extends Error {}
/** A setting the gateway cannot start with (a flag's or a variable's): said plainly, without the usage. */
class ConfigError extends Error {}

function onOff(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new UsageError(`${name} must be on or off`);
}

function integerOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a whole number`);
  return Number(value);
}

async function resolveAccount(store: Store, id: string | undefined): Promise<Account> {
  const account = id ? await findAccount(store.read, id) : await findDefaultAccount(store.read);
  if (!account) throw new UsageError(id ? `no account ${id}` : 'no default account yet: run `satang serve` once, or `satang accounts create`');
  return account;
}

function describeAccount(account: Account): string {
  return [
    `account            ${account.id}${account.is_default ? ' (default)' : ''}`,
    `name               ${account.name}`,
    `merchant name      ${account.merchant_name}`,
    `biller id          ${account.biller_id}`,
    `fee rate           ${account.fee_rate_bps} bps`,
    `flat fee           ${account.fee_flat_satang} satang`,
    `truemoney_qr test  ${account.truemoney_qr_test ? 'on' : 'off'}`,
    `truemoney_qr live  ${account.truemoney_qr_live ? 'on' : 'off'}`,
    `email              ${account.email ?? '(none)'}`,
    `default outcome    ${describeDefaultOutcome(account)}`,
    `created            ${formatTimestamp(account.created_at)}`,
  ].join('\n');
}

/** The default scripted outcome of new test charges, in words (DECISIONS §10). */
function describeDefaultOutcome(account: Account): string {
  const settings = testSettingsOf(account);
  if (settings.default_outcome === null) return 'none (test charges stay pending)';
  const funding = settings.default_outcome === 'successful' ? ` via ${settings.default_funding_source ?? 'wallet_balance'}` : '';
  return `${settings.default_outcome}${funding}, ${settings.default_outcome_after_seconds} s after creation (test mode)`;
}

/**
 * Runs a command on a gateway built on the configured store (no server, no background work): its
 * changes go through the change runner, as every change does, with the command's audit line.
 */
async function withGateway<T>(config: Config, run: (gateway: Gateway, store: Store) => Promise<T>): Promise<T> {
  const where = describeStoreLocation(storeOptionsFor(config));
  let store: Store;
  try {
    store = await openConfiguredStore(config);
  } catch (error) {
    throw new Error(`could not open the ${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.stderr.write(`satang: opened the ${where}\n`);
  const gateway = new Gateway({
    store,
    publicUrl: config.publicUrl || `http://127.0.0.1:${config.port}`,
    webhookAllowPrivateTargets: config.webhookAllowPrivateTargets,
    scbBaseUrl: config.scbBaseUrl,
    secretsKey: config.secretsKey,
  });
  try {
    return await run(gateway, store);
  } finally {
    await store.close();
  }
}

/** Who the audit log says did a command's change. */
const commandActor: Actor = { operatorId: 'satang-command', email: 'the satang command' };
const audited = (action: string, target: string | null, details: Record<string, unknown> = {}): AuditLine => ({ actor: commandActor, action, target, details });


async function main(argv: string[], usage: string): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: adminOptions,
    });
  } catch (error) {
    // Unknown options, a missing value: node:util's parseArgs says which.
    if (String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
  const { values, positionals } = parsed;
  const [command, sub, arg] = positionals;
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(usage);
    return;
  }
  const flags: Partial<Record<ConfigFlag, string>> = {};
  for (const flag of Object.keys(configFlags) as ConfigFlag[]) flags[flag] = values[flag];
  let config: Config;
  try {
    config = loadConfig(environmentWithFlags(process.env, flags));
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

  if (command === 'serve') {
    // A bounded heap (domain/limits.ts heapGrowingPercent): a flag V8 reads at each collection, so it
    // holds when set now, and also under `npx satang serve`, where no node flag can be given.
    if (!process.execArgv.some((arg) => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent'))) {
      setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent}`);
    }
    const gateway = await startGateway(config, {
      logger: gatewayLogger(config.logLevel),
    });
    // The bound address first (load balancers and tests read it); the public URL when it differs.
    out(`Satang is listening on ${gateway.boundUrl} (${gateway.store.dialect.name})${gateway.url !== gateway.boundUrl ? `, public URL ${gateway.url}` : ''}`);
    const stop = async () => {
      process.exit(await shutDownGracefully(gateway, config.shutdownTimeoutMs, out));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  if (command === 'migrate') {
    await withGateway(config, async (gateway, store) => out(`schema is up to date (${store.dialect.name})`));
    return;
  }
  if (command === 'accounts') {
    await withGateway(config, async (gateway, store) => {
      if (sub === 'list' || sub === undefined) {
        for (const account of await listAccounts(store.read)) {
          out(`${account.id}  ${account.is_default ? '*' : ' '} ${account.name}  (${account.merchant_name})`);
        }
      } else if (sub === 'create') {
        if (!values.name) throw new UsageError('accounts create needs --name');
        const created = await gateway.changes.system(
          (tx) => createAccount(tx, { name: values.name!, merchantName: values['merchant-name'], isDefault: false }, gateway.wall.nowMs()),
          audited('account.create', null, { name: values.name }),
        );
        out(describeAccount(created.account));
        for (const pair of created.keys) out(`${pair.mode} public key   ${pair.publicKey}\n${pair.mode} secret key   ${pair.secretKey}`);
        out('The secret keys are shown this once.');
      } else if (sub === 'show') {
        out(describeAccount(await resolveAccount(store, arg)));
      } else if (sub === 'set') {
        const account = await resolveAccount(store, arg);
        const input: SettingsInput = {
          name: values.name,
          merchantName: values['merchant-name'],
          billerId: values['biller-id'],
          feeRateBps: integerOption(values['fee-rate-bps'], '--fee-rate-bps'),
          feeFlatSatang: integerOption(values['fee-flat-satang'], '--fee-flat-satang'),
          truemoneyQrTest: onOff(values['truemoney-qr-test'], '--truemoney-qr-test'),
          truemoneyQrLive: onOff(values['truemoney-qr-live'], '--truemoney-qr-live'),
          email: values.email,
        };
        const outcomeOptions = {
          defaultOutcome: values['default-outcome'],
          defaultOutcomeAfterSeconds: integerOption(values['default-outcome-after-seconds'], '--default-outcome-after-seconds'),
          defaultFundingSource: values['default-funding-source'],
        };
        if (Object.values(outcomeOptions).some((value) => value !== undefined)) input.testSettings = outcomeOptions;
        const details = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
        out(describeAccount(await gateway.changes.system((tx) => changeSettings(tx, account.id, input), audited('account.settings', account.id, details))));
      } else if (sub === 'scb') {
        // Live mode through SCB (DECISIONS §11): the application secret is read like a password (never an argument,
        // which other users of the machine could see); a token request must succeed before anything is saved.
        const account = await resolveAccount(store, arg);
        const applicationKey = values['application-key'];
        const billerId = values['biller-id'];
        const ref3Prefix = values['ref3-prefix'];
        if (!applicationKey || !billerId || !ref3Prefix) throw new UsageError('accounts scb needs --application-key, --biller-id and --ref3-prefix; the application secret is asked for (or read from standard input)');
        const applicationSecret = await readPassword({ input: process.stdin, prompts: process.stderr, labels: { first: 'SCB application secret: ', again: 'The same secret again: ' } });
        const { callbackUrl } = await gateway.live.configureScb(account.id, { applicationKey, applicationSecret, billerId, ref3Prefix }, audited('account.scb', account.id, { applicationKey, billerId, ref3Prefix }));
        out(`SCB is configured for ${account.id}: a token request with these credentials succeeded.`);
        out(`Register this payment confirmation URL with SCB for biller ${billerId} and ref3 prefix ${ref3Prefix} (shown this once;`);
        out('running this command again makes a new one):');
        out(`  ${callbackUrl}`);
        out('Then turn live TrueMoney QR on: satang accounts set --truemoney-qr-live on');
      } else {
        throw new UsageError(`unknown accounts command ${sub}`);
      }
    });
    return;
  }
  if (command === 'keys') {
    await withGateway(config, async (gateway, store) => {
      const account = await resolveAccount(store, values.account);
      if (sub === 'show' || sub === undefined) {
        for (const key of await listActiveKeys(store.read, account.id)) {
          const mode = key.livemode ? 'live' : 'test';
          out(key.kind === 'public' ? `${mode} public key   ${key.lookup}` : `${mode} secret key   skey_${key.livemode ? '' : 'test_'}…${key.hint}`);
        }
      } else if (sub === 'roll') {
        const mode = values.mode as Mode | undefined;
        if (mode !== 'test' && mode !== 'live') throw new UsageError('keys roll needs --mode test or --mode live');
        const kind = (values.kind ?? 'secret') as KeyKind;
        if (kind !== 'secret' && kind !== 'public') throw new UsageError('--kind must be secret or public');
        const scope = { accountId: account.id, livemode: mode === 'live' ? 1 : 0 };
        const key = await gateway.changes.system((tx) => rollKey(tx, account.id, mode, kind, gateway.wall.nowMs()), {
          ...audited('key.roll', `${mode}/${kind}`, { mode, kind }),
          scope,
        });
        out(`new ${mode} ${kind} key   ${key}`);
        out('The old key stops working within two seconds.' + (kind === 'secret' ? ' The new secret key is shown this once.' : ''));
      } else {
        throw new UsageError(`unknown keys command ${sub}`);
      }
    });
    return;
  }
  if (command === 'clock') {
    await withGateway(config, async (gateway, store) => {
      const account = await resolveAccount(store, values.account);
      if (sub === 'advance') {
        let advance: ClockAdvance;
        if (values.seconds !== undefined) advance = { byMs: integerOption(values.seconds, '--seconds')! * 1000 };
        else if (values.to !== undefined) {
          const toMs = parseTimestamp(values.to);
          if (toMs === null) throw new UsageError('--to must be an ISO 8601 date and time');
          advance = { toMs };
        } else throw new UsageError('clock advance needs --seconds N or --to ISO8601');
        const wallNowMs = gateway.wall.nowMs();
        const scope = { accountId: account.id, livemode: 0 };
        await gateway.changes.forAccount({ scope, audit: audited('clock.advance', account.id, { ...advance }) }, (tx, ctx) => advanceClock(tx, ctx.scope, wallNowMs, advance));
      } else if (sub !== 'show' && sub !== undefined) {
        throw new UsageError(`unknown clock command ${sub}`);
      }
      const offsetMs = await readClockOffset(store, account.id);
      out(`test clock   ${formatTimestamp(Date.now() + offsetMs)}  (${Math.floor(offsetMs / 1000)} s ahead of the wall clock)`);
    });
    return;
  }
  if (command === 'webhooks') {
    await withGateway(config, async (gateway, store) => {
      const account = await resolveAccount(store, values.account);
      const mode = values.mode ?? 'test';
      if (mode !== 'test' && mode !== 'live') throw new UsageError('--mode must be test or live');
      const scope = { accountId: account.id, livemode: mode === 'live' ? 1 : 0 };
      const policy = gateway.targetPolicy;
      const change = <T>(action: string, target: string, unit: (tx: Tx, ctx: UseCaseContext) => Promise<T>) =>
        gateway.changes.forAccount({ scope, audit: audited(action, target, { mode }) }, unit).then(valueOf);
      const show = (e: { id: string; url: string; enabled: number }) => out(`${e.id}  ${e.enabled ? 'enabled ' : 'disabled'}  ${e.url}`);
      if (sub === 'list' || sub === undefined) {
        for (const endpoint of await listEndpoints(store.read, scope)) show(endpoint);
      } else if (sub === 'add') {
        if (!arg) throw new UsageError('webhooks add needs a URL');
        show(await change('webhook_endpoint.create', arg, (tx, ctx) => createEndpoint(tx, ctx, { url: arg }, policy)));
      } else if (sub === 'enable' || sub === 'disable') {
        if (!arg) throw new UsageError(`webhooks ${sub} needs an endpoint id`);
        show(await change('webhook_endpoint.update', arg, (tx, ctx) => changeEndpoint(tx, ctx, arg, { enabled: sub === 'enable' }, policy)));
      } else if (sub === 'remove') {
        if (!arg) throw new UsageError('webhooks remove needs an endpoint id');
        const removed = await change('webhook_endpoint.delete', arg, (tx, ctx) => removeEndpoint(tx, ctx, arg));
        out(`removed ${removed.id} (${removed.url})`);
      } else if (sub === 'secret') {
        const { secret, nowMs } = await change(values.roll ? 'webhook_secret.roll' : 'webhook_secret.reveal', account.id, async (tx, ctx) => ({
          secret: values.roll ? await rollWebhookSecret(tx, ctx) : await ensureWebhookSecret(tx, scope, ctx.nowMs),
          nowMs: ctx.nowMs,
        }));
        out(`${mode} webhook secret   ${secret.secret}`);
        if (secret.previous_secret && secret.previous_valid_until !== null && nowMs < secret.previous_valid_until) {
          out(`the previous secret also signs until ${formatTimestamp(secret.previous_valid_until)}`);
        }
      } else if (sub === 'redeliver') {
        if (!arg) throw new UsageError('webhooks redeliver needs an event id');
        const jobs = await change('event.redeliver', arg, (tx, ctx) => redeliverEvent(tx, ctx, arg, values.url, policy));
        out(`queued ${jobs.length} deliver${jobs.length === 1 ? 'y' : 'ies'} of ${arg}; a running gateway sends ${jobs.length === 1 ? 'it' : 'them'} within a second`);
      } else {
        throw new UsageError(`unknown webhooks command ${sub}`);
      }
    });
    return;
  }
  if (command === 'operators') {
    await withGateway(config, async (gateway, store) => {
      const role = values.role;
      if (role !== undefined && !isOperatorRole(role)) throw new UsageError('--role must be owner, operator or viewer');
      const byEmail = async (email: string | undefined) => {
        if (!email) throw new UsageError(`operators ${sub} needs an EMAIL`);
        const found = await findOperatorByEmail(store.read, normalizeEmail(email));
        if (!found) throw new UsageError(`no operator ${normalizeEmail(email)}`);
        return found;
      };
      if (sub === 'list' || sub === undefined) {
        for (const operator of await listOperators(store.read)) {
          const state = operator.disabled_at !== null ? 'disabled' : operator.password_hash === '' ? 'invited ' : 'active  ';
          const lastSignIn = operator.last_sign_in_at === null ? 'never signed in' : `last sign-in ${formatTimestamp(operator.last_sign_in_at)}`;
          out(`${operator.id}  ${operator.email}  ${operator.role.padEnd(8)}  ${state}  2fa ${operator.totp_secret ? 'on ' : 'off'}  created ${formatTimestamp(operator.created_at)}  ${lastSignIn}`);
        }
      } else if (sub === 'create') {
        if (!values.email) throw new UsageError('operators create needs --email');
        const password = await readPassword({ input: process.stdin, prompts: process.stderr });
        checkOperatorInput(normalizeEmail(values.email), password);
        const passwordHash = await hashPassword(password);
        const operator = await gateway.changes.system(
          async (tx) => createOperator(tx, { email: values.email!, passwordHash, role: role ?? ((await countOperators(tx)) === 0 ? 'owner' : 'viewer') }, gateway.wall.nowMs()),
          audited('operator.create', normalizeEmail(values.email), role ? { role } : {}),
        );
        out(`created operator ${operator.email} (${operator.id}), role ${operator.role}; sign in at /dashboard`);
      } else if (sub === 'disable' || sub === 'enable') {
        const operator = await byEmail(arg);
        await gateway.changes.system(
          (tx) => (sub === 'disable' ? disableOperator(tx, commandActor, operator.id, gateway.wall.nowMs()) : enableOperator(tx, operator.id)),
          audited(`operator.${sub}`, operator.id, { email: operator.email }),
        );
        out(sub === 'disable' ? `disabled ${operator.email}: signed out everywhere, cannot sign in` : `enabled ${operator.email}`);
      } else if (sub === 'role') {
        const operator = await byEmail(arg);
        if (!role) throw new UsageError('operators role needs --role owner|operator|viewer');
        await gateway.changes.system((tx) => changeRole(tx, operator.id, role), audited('operator.change_role', operator.id, { email: operator.email, role }));
        out(`${operator.email} is now ${role}`);
      } else if (sub === 'reset-link') {
        const operator = await byEmail(arg);
        const issued = await gateway.changes.system((tx) => makeResetLink(tx, commandActor, operator.id, gateway.wall.nowMs()), audited('operator.reset_link', operator.id, { email: operator.email }));
        out(`${gateway.publicUrl.replace(/\/$/, '')}/dashboard/password?token=${issued.token}`);
        out(`This link sets a new password for ${operator.email}; it works once, until ${formatTimestamp(issued.expiresAt)}.`);
      } else {
        throw new UsageError(`unknown operators command ${sub}`);
      }
    });
    return;
  }
  if (command === 'reset') {
    await withGateway(config, async (gateway, store) => {
      const account = await resolveAccount(store, values.account);
      const scope = { accountId: account.id, livemode: 0 };
      const charges = valueOf(await gateway.changes.forAccount({ scope, audit: audited('test_data.reset', account.id) }, (tx, ctx) => resetTestData(tx, ctx.scope)));
      out(`deleted the test-mode data of ${account.id} (${charges} charges)`);
    });
    return;
  }
  throw new UsageError(`unknown command ${command}`);
}

/** Runs a command on the database to its end; `usage` is the whole command's (the remote commands too). */
export async function runAdmin(argv: string[], usage: string): Promise<void> {
  try {
    await main(argv, usage);
  } catch (error) {
    if (error instanceof UsageError || error instanceof OmiseError || error instanceof PasswordNotGiven || error instanceof ConfigError) {
      process.stderr.write(`satang: ${error.message}\n`);
      if (error instanceof UsageError) process.stderr.write(usage);
      process.exit(2);
    }
    process.stderr.write(`satang: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
