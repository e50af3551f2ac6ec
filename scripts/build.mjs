#!/usr/bin/env node
/**
 * Compiles src/ to dist/ (JavaScript, declarations, source maps) and copies what the compiled code reads at run time
 * (the Eta templates and client scripts of src/web/templates/) beside it, then writes a stamp with the time the build
 * started.
 *
 *   node scripts/build.mjs             always build (`npm run build`, and `npm pack` through prepack)
 *   node scripts/build.mjs --if-stale  build only when something under src/, a tsconfig, package.json or this script
 *                                      changed (or a file was added or removed) since the stamp's build started
 *                                      (`npm start`, and `npm ci` through prepare)
 *
 * The new build is made in a directory of its own and swapped in whole, so dist/ is never half written and never
 * keeps a file whose source was removed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const stampFile = join(dist, '.build-stamp.json');
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/build.mjs'].map((path) => join(root, path));

/** The newest modification time under `path`, directories included (adding or removing a file changes its directory's). */
function newestMtimeMs(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  let newest = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  }
  return newest;
}

/** Why dist/ must be built again, or null when it is current. */
export function staleReason() {
  if (!existsSync(stampFile)) return 'no build yet';
  let startedAtMs;
  try {
    startedAtMs = JSON.parse(readFileSync(stampFile, 'utf8')).startedAtMs;
  } catch {
    return 'unreadable build stamp';
  }
  if (typeof startedAtMs !== 'number') return 'unreadable build stamp';
  for (const input of inputs) {
    if (newestMtimeMs(input) >= startedAtMs) return `${basename(input)} changed since the last build`;
  }
  return null;
}

function build() {
  const startedAtMs = Date.now();
  const next = join(root, `dist.next-${process.pid}`);
  const old = join(root, `dist.old-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', next], { cwd: root, stdio: 'inherit' });
  if (compiled.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    throw new Error(`tsc failed (${compiled.status ?? compiled.signal})`);
  }
  // src/web/views.ts reads its templates beside itself: src/web/templates under tsx, dist/web/templates compiled.
  cpSync(join(root, 'src', 'web', 'templates'), join(next, 'web', 'templates'), {
    recursive: true,
    filter: (path) => basename(path) !== 'README.md',
  });
  writeFileSync(join(next, '.build-stamp.json'), JSON.stringify({ startedAtMs }) + '\n');
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
  rmSync(old, { recursive: true, force: true });
  process.stderr.write(`satang build: src/ compiled to dist/ in ${((Date.now() - startedAtMs) / 1000).toFixed(1)} s\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  const reason = ifStale ? staleReason() : 'asked to';
  if (reason !== null) {
    try {
      build();
    } catch (error) {
      process.stderr.write(`satang build: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    }
  }
}
