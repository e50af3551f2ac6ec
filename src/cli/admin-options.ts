/** The options and usage of the `satang` commands on the database: read by src/cli.ts before it loads them. */
import type { OptionSpecs } from './remote.js';

export const adminUsage = `usage: satang <command> [options]

  serve [--port N] [--host ADDRESS]      start the gateway
  migrate                                bring the database schema up to date
  accounts list                          list merchant accounts
  accounts create --name NAME [--merchant-name NAME]
                                         create an account and print its keys (once)
  accounts show [ID]                     show an account's settings (default account if no ID)
  accounts set [ID] [--name N] [--merchant-name N] [--biller-id 15DIGITS]
               [--fee-rate-bps N] [--fee-flat-satang N]
               [--truemoney-qr-test on|off] [--truemoney-qr-live on|off]
               [--email ADDRESS]         (GET /account shows it; --email '' clears it)
               [--default-outcome successful|failed|expired|none]
               [--default-outcome-after-seconds N] [--default-funding-source X|none]
                                         the scripted outcome of new test charges without one of their own
  accounts scb [ID] --application-key KEY --biller-id 15DIGITS --ref3-prefix PREFIX
                                         live mode through SCB: the application secret is asked for (not shown)
                                         or read from standard input; a token request must succeed (needs
                                         SATANG_SECRETS_KEY, and SATANG_SCB_BASE_URL unless SCB's sandbox); prints
                                         the confirmation URL to register with SCB, once
  clock show [--account ID]              show an account's test clock
  clock advance (--seconds N | --to ISO8601) [--account ID]
                                         move the test clock forward (it never moves back)
  reset [--account ID]                   delete the account's test-mode charges, sources, events and ledger
  webhooks list [--mode test|live] [--account ID]
  webhooks add URL [--mode test|live] [--account ID]
  webhooks enable|disable|remove ENDPOINT_ID [--mode ...] [--account ID]
  webhooks secret [--roll] [--mode ...] [--account ID]
                                         show (or roll, with a 24-hour overlap) the signing secret
  webhooks redeliver EVENT_ID [--url URL] [--mode ...] [--account ID]
                                         send an event again (to URL, or to its endpoints)
  operators create --email EMAIL [--role owner|operator|viewer]
                                         create a dashboard operator; the password is asked for (not shown) at a
                                         terminal, or read from standard input. The role: owner (everything),
                                         operator (charges and refunds), viewer (read only); without --role the
                                         first operator is an owner and later ones are viewers
  operators list                         list dashboard operators with their role and state
  operators disable|enable EMAIL         stop an operator signing in (their sessions end at once), or let them again
  operators role EMAIL --role ROLE       change an operator's role (the last owner keeps theirs)
  operators reset-link EMAIL             print a one-time link (24 hours) that sets a new password
  keys show [--account ID]               show public keys and secret key hints
  keys roll --mode test|live [--kind secret|public] [--account ID]
                                         replace a key and print the new one (once)

options (each wins over the environment variable it names):
  --data-dir DIR                         where the SQLite database lives (SATANG_DATA_DIR, default ./data)
  --database-url postgres://...          use PostgreSQL instead of SQLite (DATABASE_URL)
  --port N                               serve: the port to listen on, 0 for any free one (PORT, default 4000)
  --host ADDRESS                         serve: the address to listen on (HOST, default 127.0.0.1)
  --version                              print the version
  --help, -h                             print this

Other settings are environment variables only (see the README's Configuration). Every command above but serve
says on standard error which database it opened.
`;

/** The options of the commands on the database. */
export const adminOptions = {
  name: { type: 'string' },
  'merchant-name': { type: 'string' },
  'biller-id': { type: 'string' },
  'fee-rate-bps': { type: 'string' },
  'fee-flat-satang': { type: 'string' },
  'truemoney-qr-test': { type: 'string' },
  'truemoney-qr-live': { type: 'string' },
  'application-key': { type: 'string' },
  'ref3-prefix': { type: 'string' },
  'default-outcome': { type: 'string' },
  'default-outcome-after-seconds': { type: 'string' },
  'default-funding-source': { type: 'string' },
  account: { type: 'string' },
  mode: { type: 'string' },
  kind: { type: 'string' },
  seconds: { type: 'string' },
  roll: { type: 'boolean' },
  url: { type: 'string' },
  to: { type: 'string' },
  email: { type: 'string' },
  role: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
} as const satisfies OptionSpecs;
