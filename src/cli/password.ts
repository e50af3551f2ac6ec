/**
 * A password for the `satang` command: typed at a terminal without being shown, or piped in.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export interface PasswordInput {
  /** Where the password comes from; a terminal when `isTTY`. */
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where prompts go (standard error: standard output stays the command's answer). */
  prompts: NodeJS.WritableStream;
  /** What is asked for, at a terminal (default: a password of at least 12 characters). */
  labels?: { first: string; again: string };
}

export class PasswordNotGiven extends Error {}

/** Everything written to it is dropped: readline's echo of what is typed goes here. */
function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

/**
 * At a terminal: asks twice and shows nothing that is typed (readline edits the line, in raw mode, with its echo
 * sent nowhere); Ctrl-C or Ctrl-D on an empty line gives up. Otherwise: the whole input, less one final line end
 * (a password piped in).
 */
export async function readPassword({ input, prompts, labels }: PasswordInput): Promise<string> {
  if (!input.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  // The interface first: the terminal is in raw mode (no echo) before the prompt invites typing.
  const lines = createInterface({ input, output: discard(), terminal: true });
  let interrupted = false;
  lines.on('SIGINT', () => {
    interrupted = true;
    lines.close();
  });
  const typed = lines[Symbol.asyncIterator]();
  const ask = async (prompt: string): Promise<string> => {
    prompts.write(prompt);
    const line = await typed.next();
    prompts.write('\n');
    if (line.done) throw new PasswordNotGiven(interrupted ? 'interrupted' : 'no password given');
    return line.value;
  };
  try {
    const password = await ask(labels?.first ?? 'Password (at least 12 characters): ');
    const again = await ask(labels?.again ?? 'The same password again: ');
    if (password !== again) throw new PasswordNotGiven(labels ? 'the two entries differ' : 'the two passwords differ');
    return password;
  } finally {
    lines.close();
  }
}
