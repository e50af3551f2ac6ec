#!/usr/bin/env node
// The `satang` command.
// Installed from the package (no src/ inside): the compiled dist/cli.js, run by Node alone (no compiler at start).
// In a checkout (src/cli.ts present, dev dependencies installed): the TypeScript source through tsx, so the command
// never runs a dist/ older than the source it sits beside; `npm start` is the compiled way in a checkout.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
let tsx = null;
if (existsSync(source)) {
  try {
    tsx = await import('tsx/esm/api');
  } catch (error) {
    // A checkout without its dev dependencies: the compiled build, as the package does.
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  }
}
if (tsx) {
  tsx.register();
  await import(source.href);
} else {
  await import('../dist/cli.js');
}
