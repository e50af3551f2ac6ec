import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/store.js';

describe('group commit keeps the event loop turning', () => {
  let dataDir: string;
  let store: Store;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'satang-group-commit-'));
    store = await openStore({ dataDir, sqliteSynchronous: 'NORMAL' });
    await store.migrate();
  });
  after(async () => {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a caller that queues its next unit as soon as the last commits (the expiry sweep) does not starve timers and sockets', async () => {
    // On SQLite a batch runs synchronously; chained straight from one commit to the next, 200 of
    // them used to run without the loop ever reaching its timers (23 s of stall for 1M expiries).
    let unitsDone = 0;
    let unitsDoneWhenTimerFired = -1;
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        unitsDoneWhenTimerFired = unitsDone;
        resolve();
      }, 0),
    );
    for (let i = 0; i < 200; i++) {
      await store.transaction(async (tx) => {
        await sql`select 1`.execute(tx);
      });
      unitsDone++;
    }
    await timer;
    assert.ok(unitsDoneWhenTimerFired >= 0 && unitsDoneWhenTimerFired < 10, `the timer fired after ${unitsDoneWhenTimerFired} of 200 chained units`);
  });
});
