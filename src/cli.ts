/**
 * The `satang` command. Commands on the database (serve, migrate, accounts, keys, clock, reset, webhooks,
 * operators: src/cli/admin.ts) and remote commands over a running gateway's API (src/cli/remote.ts and a module
 * per command group). This entry loads only what the command needs: a remote command starts without the
 * gateway's code, the database drivers or the web framework.
 */
import { adminOptions, adminUsage } from './cli/admin-options.js';
import { commandNameOf, type RemoteCommand, remoteOptionsOf, remoteUsage, runRemote } from './cli/remote.js';
import { triggerCommand } from './cli/trigger.js';
import { chargesCommand, refundsCommand } from './cli/charges.js';
import { eventsCommand } from './cli/events.js';
import { logsCommand } from './cli/logs.js';
import { chaosCommand } from './cli/chaos.js';

/** The commands that talk to a running gateway over its API (never the database). */
const remoteCommands: Record<string, RemoteCommand> = {
  trigger: triggerCommand,
  charges: chargesCommand,
  refunds: refundsCommand,
  events: eventsCommand,
  logs: logsCommand,
  chaos: chaosCommand,
};

/** `satang listen` (src/cli/listen.ts) parses its own options and runs until Ctrl-C. */
const listenSummary = `  listen --forward-to URL [--events KEY,KEY] [--json] [--listener ID] [--keep]
                                         forward test-mode events to a local URL, signed as webhooks; one line
                                         per event (\`satang listen --help\`)
  emulate scb [--port N] [--host H] [--start-at ISO-8601]
                                         run an SCB Thai QR (tag 30) payment emulator for tests and laptops
                                         (\`satang emulate --help\`)
`;

const argv = process.argv.slice(2);
const name = commandNameOf(argv, { ...adminOptions, ...remoteOptionsOf(remoteCommands) });
if (argv[0] === 'listen') {
  const { listenCommand, ListenUsageError, listenUsage } = await import('./cli/listen.js');
  let code: number;
  try {
    code = await listenCommand(argv.slice(1), process.env, {
      line: (text) => process.stdout.write(`${text}\n`),
      info: (text) => process.stderr.write(`${text}\n`),
    });
  } catch (error) {
    const usageError = error instanceof ListenUsageError;
    process.stderr.write(`satang: ${error instanceof Error ? error.message : String(error)}\n${usageError ? listenUsage : ''}`);
    code = usageError ? 2 : 1;
  }
  process.exit(code);
} else if (argv[0] === 'emulate') {
  const { emulateCommand, EmulateUsageError, emulateUsage } = await import('./cli/emulate.js');
  let code: number;
  try {
    code = await emulateCommand(argv.slice(1), {
      line: (text) => process.stdout.write(`${text}\n`),
      info: (text) => process.stderr.write(`${text}\n`),
    });
  } catch (error) {
    const usageError = error instanceof EmulateUsageError;
    process.stderr.write(`satang: ${error instanceof Error ? error.message : String(error)}\n${usageError ? emulateUsage : ''}`);
    code = usageError ? 2 : 1;
  }
  process.exit(code);
} else if (name !== undefined && Object.hasOwn(remoteCommands, name)) {
  // Output piped into a reader that stops early (`| head`): done, not a crash.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const io = { env: process.env, stdout: (text: string) => void process.stdout.write(text), stderr: (text: string) => void process.stderr.write(text) };
  process.exitCode = await runRemote(name, remoteCommands[name], argv, io);
} else {
  const { runAdmin } = await import('./cli/admin.js');
  await runAdmin(argv, `${adminUsage}\n${remoteUsage(remoteCommands)}${listenSummary}`);
}
