/**
 * `npm start` compiles only when it must: `node scripts/build.mjs --if-stale` builds when there is no build, skips
 * when dist/ is current, and builds again after a source file changes or one is removed (its compiled file goes).
 * Run in a copy of the checkout's build inputs, so the checkout's own dist/ is left alone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../support/process.js';

const copy = mkdtempSync(join(tmpdir(), 'satang-build-'));
after(() => rmSync(copy, { recursive: true, force: true }));

for (const path of ['src', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(repoRoot, path), join(copy, path), { recursive: true });
symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));

function buildIfStale(): { built: boolean; ms: number } {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: copy, encoding: 'utf8', timeout: 170_000 });
  assert.equal(result.status, 0, result.stderr);
  return { built: /compiled to dist/.test(result.stderr), ms: performance.now() - started };
}

const stamp = () => readFileSync(join(copy, 'dist', '.build-stamp.json'), 'utf8');

test('builds when there is no dist/, then skips while nothing changed, and builds again after a change', { timeout: 170_000 }, () => {
  assert.equal(buildIfStale().built, true);
  assert.ok(existsSync(join(copy, 'dist', 'cli.js')));
  assert.ok(existsSync(join(copy, 'dist', 'web', 'templates', 'pay', 'authorize.eta')), 'the templates are copied beside the compiled views');
  const first = stamp();

  const skipped = buildIfStale();
  assert.equal(skipped.built, false);
  assert.equal(stamp(), first, 'dist/ untouched');
  assert.ok(skipped.ms < 2_000, `the check took ${Math.round(skipped.ms)} ms`);

  // A template edited (a second later than the build, whatever the file system's clock resolution).
  const template = join(copy, 'src', 'web', 'templates', 'pay', 'error.eta');
  const later = new Date(Date.now() + 2_000);
  utimesSync(template, later, later);
  assert.equal(buildIfStale().built, true);
  assert.notEqual(stamp(), first);

  // A module removed: the next build has no compiled copy of it left behind.
  writeFileSync(join(copy, 'src', 'leftover.ts'), 'export const leftover = 1;\n');
  assert.equal(buildIfStale().built, true);
  assert.ok(existsSync(join(copy, 'dist', 'leftover.js')));
  rmSync(join(copy, 'src', 'leftover.ts'));
  assert.equal(buildIfStale().built, true);
  assert.equal(existsSync(join(copy, 'dist', 'leftover.js')), false);
  assert.equal(buildIfStale().built, false);
});
