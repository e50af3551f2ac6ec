/**
 * Migration 0016_operator_roles: operators from before roles become owners, with nothing else about
 * them changed (they sign in as before: active, no two-factor). Both stores, from a database at
 * 0014_webhook_chaos with two operators in it.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Kysely } from 'kysely';
import { listOperators } from '../../src/store/operators.js';
import type { Store } from '../../src/store/store.js';
import { describeFromOldDatabase, type OldDatabase } from '../support/old-database.js';

const before0016 = '0014_webhook_chaos';
const old = [
  { id: 'oper_first', email: 'first@example.com', password_hash: 'scrypt$32768$8$1$c2FsdA$aGFzaA', created_at: 1_700_000_000_000 },
  { id: 'oper_second', email: 'second@example.com', password_hash: 'scrypt$32768$8$1$c2FsdDI$aGFzaDI', created_at: 1_700_000_001_000 },
];

async function fill(db: Kysely<any>): Promise<void> {
  for (const operator of old) await db.insertInto('operators').values(operator).execute();
}

describeFromOldDatabase('migration 0016_operator_roles makes existing operators owners', before0016, fill, 'operator_roles', (makeOld) => {
  let database: OldDatabase | undefined;
  let store: Store | undefined;
  after(async () => {
    await store?.close();
    await database?.drop();
  });
  test('every operator is an owner, active, without two-factor; the rest of the row as it was', async () => {
    database = await makeOld();
    store = await database.open();
    await store.migrate();
    const operators = await listOperators(store.read);
    assert.deepEqual(
      operators.map((o) => ({ id: o.id, email: o.email, password_hash: o.password_hash, created_at: Number(o.created_at), role: o.role, disabled_at: o.disabled_at, totp_secret: o.totp_secret })),
      old.map((o) => ({ ...o, role: 'owner', disabled_at: null, totp_secret: null })),
    );
  });
});
