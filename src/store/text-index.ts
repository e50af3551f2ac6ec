/**
 * The full-text index of charges (migration 0015), so a free-text search of an account with a
 * million charges reads the few charges that can match instead of every one.
 *
 * It only narrows: a search's own conditions (store/search.ts, LIKE over each field, as GET /search
 * has always matched: a substring, case-insensitive) still decide every row. So the index must
 * find a superset of what those conditions find, and nothing else about it shows in an answer.
 *
 * - SQLite: an FTS5 table with the trigram tokenizer (SQLite ≥ 3.34), contentless (no second copy
 *   of the text; rows deleted by rowid, 3.43), `detail=none` (a third of the size; no phrase
 *   queries, so a term is looked up as an AND of its trigrams). One row per charge, its rowid the
 *   charge's seq, its text the searchable fields and every metadata value (as json_tree gives
 *   them, the same atoms the search reads); triggers keep it in step in the writing transaction.
 *   A search is looked up by its rarest trigrams (each counted up to a bound), and the charges
 *   found are used only when few enough for the lookup to beat walking the account's list in order.
 * - PostgreSQL: a pg_trgm GIN index over the same text, lower-cased, in one expression. The
 *   planner's estimate (EXPLAIN, from the expression's statistics) says how many charges hold a
 *   search: one that many hold walks the list newest first and stops at the page (no index read);
 *   otherwise its candidates are a LIKE over that expression (PostgreSQL rechecks what the index
 *   finds), read first and used when few enough, by id.
 *
 * Terms under three characters have no trigram: they are found by the LIKE conditions alone.
 */
import { type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';

/** How the index narrows a charge query: its FROM (charges, maybe joined to the index) and conditions. */
export interface ChargeTextNarrowing {
  from(db: Kysely<any>): SelectQueryBuilder<any, any, any>;
  where: RawBuilder<SqlBool>[];
}

export interface TextIndex {
  /** Migration 0015: the index, filled from the charges there are (written in step by the charges' own writes). */
  create(db: Kysely<any>): Promise<void>;
  drop(db: Kysely<any>): Promise<void>;
  /**
   * Migration 0018, where the index's writes cost the writer more than they are worth to do in
   * step (SQLite): a charge's write only queues it, and `indexQueued` indexes the queue in large
   * batches later. `keepInStep` goes back to 0015's way (queue indexed first).
   */
  deferWrites(db: Kysely<any>): Promise<void>;
  /** Whether writes are deferred (jobs/text-index.ts runs only then). */
  readonly defersWrites: boolean;
  keepInStep(db: Kysely<any>): Promise<void>;
  /**
   * Migration 0019, where the index sits on the charges table itself (PostgreSQL): it moves to a
   * table of its own, written only when a charge's searchable text is, so a status change (a
   * payment, an expiry) no longer rewrites a charge's trigrams. `ontoCharges` moves it back.
   */
  offCharges(db: Kysely<any>): Promise<void>;
  ontoCharges(db: Kysely<any>): Promise<void>;
  /**
   * Migration 0021 (SQLite): a new charge is queued by the statement that writes it (`queueNew`, called by
   * insertCharge), not by a trigger. Any trigger on an INSERT makes SQLite keep a statement journal for it, which
   * cost a charge's insert about 45 µs of the writer's time (measured: 85 µs with the trigger, 38 µs without, in a
   * loop of 50-charge transactions); the queue row written beside it costs next to nothing. `queueByTrigger` goes
   * back. Whatever inserts charges without insertCharge queues them itself (`queueAllNew`).
   */
  queueByWriter(db: Kysely<any>): Promise<void>;
  queueByTrigger(db: Kysely<any>): Promise<void>;
  /** A new charge's seq into the queue (SQLite; nothing where writes are not deferred). */
  queueNew(db: Kysely<any>, seq: number | undefined): Promise<void>;
  /** Every charge into the queue that is neither queued nor indexed (set-up that inserted charges in bulk). */
  queueAllNew(db: Kysely<any>, fromSeq: number): Promise<void>;
  /** Indexes up to `max` queued charges in the caller's transaction; returns how many (none where nothing is deferred). */
  indexQueued(db: Kysely<any>, max: number): Promise<number>;
  /** The narrowing for these free-text terms (lower-cased), or null when the index cannot help. */
  chargeNarrowing(db: Kysely<any>, terms: readonly string[]): Promise<ChargeTextNarrowing | null>;
}

const plainCharges = (db: Kysely<any>) => db.selectFrom('charges');

/** Characters JSON.stringify escapes: a metadata value with them is not in the metadata's text as it is. */
const jsonEscaped = /["\\\u0000-\u001f]/;

/** The code points of a term (a trigram is three characters, not three UTF-16 units). */
const charsOf = (term: string) => Array.from(term);

// ---------------------------------------------------------------- SQLite

/** Above this many charges (of all accounts) holding a search's trigrams, walking the list newest first is cheaper. */
export const ftsCandidatesMax = 5000;
/** A trigram in this many charges is common: the bound of each count. */
const ftsCommonAt = 2000;
/** How many of a search's rare trigrams the lookup reads, and how many trigrams of a search are counted at most. */
const ftsRareTrigramsRead = 4;
const ftsTrigramsMax = 24;

/** The searchable text of a charge row (`row` is new. or old. in a trigger, or the table in a fill). */
function sqliteChargeText(row: string): string {
  const values = `(select group_concat(j.atom, char(10)) from json_tree(${row}metadata) as j where j.type in ('text', 'integer', 'real'))`;
  const fields = ['id', 'source_id', "coalesce(transaction_id, '')", 'payment_ref', 'qr_ref1', "coalesce(description, '')"].map((f) =>
    f.startsWith('coalesce') ? f.replace('(', `(${row}`) : `${row}${f}`,
  );
  return `${fields.join(" || char(10) || ")} || char(10) || coalesce(${values}, '')`;
}

const ftsString = (text: string) => `"${text.replace(/"/g, '""')}"`;

/** The trigger that keeps a charge's entry in step with its changing fields (0015; again after keepInStep). */
const sqliteUpdateTrigger = () =>
  sql.raw(
    `create trigger charges_fts_update after update of seq, transaction_id, description, metadata on charges
     when new.seq is not old.seq or new.transaction_id is not old.transaction_id or new.description is not old.description or new.metadata is not old.metadata
     begin delete from charges_fts where rowid = old.seq; insert into charges_fts (rowid, body) values (new.seq, ${sqliteChargeText('new.')}); end`,
  );

/** The same condition, for the queue's trigger. */
const sqliteTextChanged =
  'new.seq is not old.seq or new.transaction_id is not old.transaction_id or new.description is not old.description or new.metadata is not old.metadata';

export const sqliteTextIndex: TextIndex = {
  defersWrites: true,
  async create(db) {
    await sql`create virtual table charges_fts using fts5(body, tokenize = 'trigram', content = '', contentless_delete = 1, detail = none)`.execute(db);
    await sql.raw(`insert into charges_fts (rowid, body) select seq, ${sqliteChargeText('')} from charges`).execute(db);
    await sql.raw(`create trigger charges_fts_insert after insert on charges begin insert into charges_fts (rowid, body) values (new.seq, ${sqliteChargeText('new.')}); end`).execute(db);
    await sql.raw(`create trigger charges_fts_delete after delete on charges begin delete from charges_fts where rowid = old.seq; end`).execute(db);
    // The fields that change after a charge is made (ids and references never do).
    await sqliteUpdateTrigger().execute(db);
  },
  async drop(db) {
    for (const trigger of ['charges_fts_insert', 'charges_fts_delete', 'charges_fts_update', 'charges_fts_queue_insert', 'charges_fts_queue_update']) {
      await sql`drop trigger if exists ${sql.id(trigger)}`.execute(db);
    }
    await sql`drop table if exists charges_fts`.execute(db);
    await sql`drop table if exists charges_fts_queue`.execute(db);
  },
  async deferWrites(db) {
    // Indexing one charge's trigrams in its own small transaction cost a POST /charges 250–600 µs
    // (FTS5 flushes and merges a segment per commit); in batches of 2,000 it costs under 100 µs.
    // So a write only queues the charge's seq (`indexed`: whether an entry of it is in the index to
    // be removed first); a search reads the queue as candidates too (chargeNarrowing), so what it
    // finds never depends on how far the indexing has got.
    await sql`create table charges_fts_queue (seq integer primary key, indexed integer not null)`.execute(db);
    await sql`drop trigger charges_fts_insert`.execute(db);
    await sql`drop trigger charges_fts_update`.execute(db);
    await sql.raw(`create trigger charges_fts_queue_insert after insert on charges begin insert into charges_fts_queue (seq, indexed) values (new.seq, 0) on conflict (seq) do nothing; end`).execute(db);
    // A charge already queued keeps its flag; one not queued is in the index.
    await sql
      .raw(
        `create trigger charges_fts_queue_update after update of seq, transaction_id, description, metadata on charges when ${sqliteTextChanged}
         begin insert into charges_fts_queue (seq, indexed) values (old.seq, 1) on conflict (seq) do nothing; insert into charges_fts_queue (seq, indexed) values (new.seq, 0) on conflict (seq) do nothing; end`,
      )
      .execute(db);
  },
  async keepInStep(db) {
    while ((await sqliteTextIndex.indexQueued(db, 10_000)) > 0);
    await sql`drop trigger charges_fts_queue_insert`.execute(db);
    await sql`drop trigger charges_fts_queue_update`.execute(db);
    await sql`drop table charges_fts_queue`.execute(db);
    await sql.raw(`create trigger charges_fts_insert after insert on charges begin insert into charges_fts (rowid, body) values (new.seq, ${sqliteChargeText('new.')}); end`).execute(db);
    await sqliteUpdateTrigger().execute(db);
  },
  // FTS5 is a table of its own already.
  async offCharges() {},
  async ontoCharges() {},
  async queueByWriter(db) {
    await sql`drop trigger charges_fts_queue_insert`.execute(db);
  },
  async queueByTrigger(db) {
    await sql.raw(`create trigger charges_fts_queue_insert after insert on charges begin insert into charges_fts_queue (seq, indexed) values (new.seq, 0) on conflict (seq) do nothing; end`).execute(db);
  },
  async queueNew(db, seq) {
    if (seq === undefined) throw new Error('a charge on SQLite is numbered by the store before it is written');
    await sql`insert into charges_fts_queue (seq, indexed) values (${seq}, 0) on conflict (seq) do nothing`.execute(db);
  },
  async queueAllNew(db, fromSeq) {
    await sql`insert into charges_fts_queue (seq, indexed) select seq, 0 from charges where seq >= ${fromSeq} on conflict (seq) do nothing`.execute(db);
  },
  async indexQueued(db, max) {
    const { rows } = await sql<{ seq: number; indexed: number }>`select seq, indexed from charges_fts_queue order by seq limit ${max}`.execute(db);
    if (rows.length === 0) return 0;
    const all = JSON.stringify(rows.map((row) => Number(row.seq)));
    const stale = JSON.stringify(rows.filter((row) => Number(row.indexed) === 1).map((row) => Number(row.seq)));
    if (stale !== '[]') await sql`delete from charges_fts where rowid in (select value from json_each(${stale}))`.execute(db);
    // A queued charge deleted since has nothing to index.
    await sql`insert into charges_fts (rowid, body) select seq, ${sql.raw(sqliteChargeText(''))} from charges where seq in (select value from json_each(${all}))`.execute(db);
    await sql`delete from charges_fts_queue where seq in (select value from json_each(${all}))`.execute(db);
    return rows.length;
  },
  async chargeNarrowing(db, terms) {
    // Every term must hold, so every trigram of every term is in each charge found.
    const trigrams = new Set<string>();
    for (const term of terms) {
      const chars = charsOf(term);
      for (let at = 0; at + 3 <= chars.length && trigrams.size < ftsTrigramsMax; at++) trigrams.add(chars.slice(at, at + 3).join(''));
    }
    if (trigrams.size === 0) return null;
    // How common each trigram is, counted only up to a bound (a count of every charge would read
    // a whole doclist): the rare ones are read first and narrow the rest. A trigram at the bound
    // is measured by how far its doclist ran to reach it (rowids ascend): one in every charge
    // (`ord` of every order id) reaches it soonest, and ANDing such doclists read a million
    // rowids each (35 ms for an order id whose every trigram is common).
    const counted: Array<{ trigram: string; n: number; last: number }> = [];
    for (const trigram of trigrams) {
      const { rows } = await sql<{ n: number; last: number | null }>`select count(*) as n, max(rowid) as last from (select rowid from charges_fts where charges_fts match ${ftsString(trigram)} limit ${ftsCommonAt})`.execute(db);
      counted.push({ trigram, n: Number(rows[0].n), last: Number(rows[0].last ?? 0) });
    }
    // The rarest first: fewest found, then, at the bound, the sparsest.
    counted.sort((a, b) => a.n - b.n || b.last - a.last);
    const rare = counted.filter((c) => c.n < ftsCommonAt);
    // The few rarest; when every trigram is common, the sparsest few, whose combination may still
    // be rare; and when those find too many, every trigram.
    const lookup = async (chosen: typeof counted) => {
      const match = chosen.map((c) => ftsString(c.trigram)).join(' AND ');
      const { rows } = await sql<{ rowid: number }>`select rowid from charges_fts where charges_fts match ${match} limit ${ftsCandidatesMax + 1}`.execute(db);
      return rows;
    };
    const chosen = (rare.length > 0 ? rare : counted).slice(0, ftsRareTrigramsRead);
    let rows = await lookup(chosen);
    if (rows.length > ftsCandidatesMax && rare.length === 0 && chosen.length < counted.length) rows = await lookup(counted);
    // A search most charges match is found sooner by walking the list newest first.
    if (rows.length > ftsCandidatesMax) return null;
    const seqs = new Set(rows.map((row) => Number(row.rowid)));
    // Charges waiting to be indexed (deferWrites) may match too: each is a candidate, so what a
    // search finds never depends on how far the indexing has got.
    const queued = await sql<{ seq: number }>`select seq from charges_fts_queue limit ${ftsCandidatesMax + 1}`.execute(db);
    for (const row of queued.rows) seqs.add(Number(row.seq));
    if (seqs.size > ftsCandidatesMax) return null;
    const candidates = JSON.stringify([...seqs]);
    return {
      // The candidates drive (CROSS JOIN: SQLite never reorders it), each one probe of charges by
      // seq; left to itself, the planner walks the account's whole list instead.
      from: (db) => db.selectFrom(sql`json_each(${candidates})`.as('fts')).crossJoin(sql.raw('charges indexed by charges_seq') as any),
      where: [sql<SqlBool>`charges.seq = fts.value`],
    };
  },
};

// ---------------------------------------------------------------- PostgreSQL

/** The same text as SQLite's, lower-cased: the metadata as its JSON text (the search checks the values). `row`: `new.`, or empty in a fill. */
const postgresChargeText = (row: string) =>
  `lower(${row}id || ' ' || ${row}source_id || ' ' || coalesce(${row}transaction_id, '') || ' ' || ${row}payment_ref || ' ' || ${row}qr_ref1 || ' ' || coalesce(${row}description, '') || ' ' || ${row}metadata)`;
/** What a search's terms are matched against: each charge's text in the index's own table (0019). */
const postgresIndexedText = sql`charge_texts.body`;
/** Above this many candidates, walking the list newest first is cheaper. */
const postgresCandidatesMax = 5000;

/**
 * The part of a term the index looks up: an id's or a reference's random tail after its last `_`,
 * or the whole term. The prefix (`chrg_test_`) is in every charge, and its trigrams' posting lists,
 * each a million long, made a search by charge id the slowest search (46 ms at a million charges).
 * A part of a term is in every text that holds the term, so the charges found are still a superset.
 */
function indexedPart(term: string): string {
  const at = term.lastIndexOf('_');
  const tail = at >= 0 ? term.slice(at + 1) : '';
  return charsOf(tail).length >= 6 ? tail : term;
}

const likeAnywhere = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/**
 * The planner's estimate (EXPLAIN, nothing executed) of how many charges hold a condition: for
 * pg_trgm's LIKE over the indexed text, from that column's statistics (ANALYZE).
 */
async function postgresEstimatedRows(db: Kysely<any>, condition: RawBuilder<SqlBool>): Promise<number> {
  const { rows } = await sql<{ 'QUERY PLAN': unknown }>`explain (format json) select 1 from charge_texts where ${condition}`.execute(db);
  const raw = rows[0]['QUERY PLAN'];
  const rowsOf = Number((typeof raw === 'string' ? JSON.parse(raw) : raw)?.[0]?.Plan?.['Plan Rows']);
  return Number.isFinite(rowsOf) ? rowsOf : 0;
}

export const postgresTextIndex: TextIndex = {
  async create(db) {
    const opclass = await trigramOperatorClass(db);
    await sql.raw(`create index charges_text on charges using gin ((${postgresChargeText('')}) ${opclass})`).execute(db);
    // The indexed expression's statistics, which the search's estimate reads (chargeNarrowing),
    // now rather than whenever autovacuum next analyzes a table of charges that rarely change.
    await sql`analyze charges`.execute(db);
  },
  async drop(db) {
    // The extension stays: other schemas of the database may use it.
    await sql`drop index if exists charges_text`.execute(db);
  },
  async offCharges(db) {
    const opclass = await trigramOperatorClass(db);
    await sql`create table charge_texts (id text primary key, body text not null)`.execute(db);
    await sql.raw(`insert into charge_texts (id, body) select id, ${postgresChargeText('')} from charges`).execute(db);
    await sql.raw(`create index charge_texts_body on charge_texts using gin (body ${opclass})`).execute(db);
    // Kept in step in the writing transaction by triggers; an update fires only when it sets a field
    // the text is made of (a payment sets transaction_id; an expiry sets none).
    await sql
      .raw(
        `create function charge_texts_write() returns trigger language plpgsql as $$
         begin
           if tg_op = 'DELETE' then
             delete from charge_texts where id = old.id;
           else
             insert into charge_texts (id, body) values (new.id, ${postgresChargeText('new.')})
               on conflict (id) do update set body = excluded.body;
           end if;
           return null;
         end $$`,
      )
      .execute(db);
    await sql`create trigger charge_texts_insert after insert on charges for each row execute function charge_texts_write()`.execute(db);
    await sql
      .raw(
        `create trigger charge_texts_update after update of transaction_id, description, metadata on charges for each row
         when (new.transaction_id is distinct from old.transaction_id or new.description is distinct from old.description or new.metadata is distinct from old.metadata)
         execute function charge_texts_write()`,
      )
      .execute(db);
    await sql`create trigger charge_texts_delete after delete on charges for each row execute function charge_texts_write()`.execute(db);
    await sql`drop index charges_text`.execute(db);
    await sql`analyze charge_texts`.execute(db);
  },
  async ontoCharges(db) {
    for (const trigger of ['charge_texts_insert', 'charge_texts_update', 'charge_texts_delete']) await sql`drop trigger ${sql.id(trigger)} on charges`.execute(db);
    await sql`drop function charge_texts_write()`.execute(db);
    await sql`drop table charge_texts`.execute(db);
    await postgresTextIndex.create(db);
  },
  async queueByWriter() {},
  async queueByTrigger() {},
  async queueNew() {},
  async queueAllNew() {},
  defersWrites: false,
  // A GIN index takes a row's trigrams into its pending list (fastupdate) at insert, merged later
  // by the database itself: nothing to defer.
  async deferWrites() {},
  async keepInStep() {},
  async indexQueued() {
    return 0;
  },
  async chargeNarrowing(db, terms) {
    const usable = terms.filter((term) => charsOf(term).length >= 3 && !jsonEscaped.test(term));
    if (usable.length === 0) return null;
    const where = sql<SqlBool>`${sql.join(
      usable.map((term) => sql<SqlBool>`${postgresIndexedText} like ${likeAnywhere(indexedPart(term))}`),
      sql` and `,
    )}`;
    // A search that many charges hold is found sooner by walking the list newest first, which
    // stops at the page; reading its candidates would read every one of them from the index
    // first (a bitmap cannot stop early: 200 ms for a Thai word in one charge of eight).
    if ((await postgresEstimatedRows(db, where)) > postgresCandidatesMax) return null;
    // The candidates first, by the index alone (no order, no account: nothing else to walk), at
    // most a bound: the estimate can be wrong, the count cannot.
    const { rows } = await sql<{ id: string }>`select charge_texts.id from charge_texts where ${where} limit ${postgresCandidatesMax + 1}`.execute(db);
    // A search most charges match is found sooner by walking the list newest first.
    if (rows.length > postgresCandidatesMax) return null;
    const ids = rows.map((row) => row.id);
    return { from: plainCharges, where: [sql<SqlBool>`charges.id = any(${ids}::text[])`] };
  },
};

/** pg_trgm's operator class, qualified by the schema the extension is in (created in public when missing). */
async function trigramOperatorClass(db: Kysely<any>): Promise<string> {
  // One creator at a time across processes and test schemas ("if not exists" is not atomic).
  await sql`select pg_advisory_xact_lock(${sql.lit(0x5a7a9)})`.execute(db);
  let { rows } = await sql<{ schema: string }>`select extnamespace::regnamespace::text as schema from pg_extension where extname = 'pg_trgm'`.execute(db);
  if (rows.length === 0) {
    try {
      // In public, not the store's schema: a schema dropped later would take the extension with it.
      await sql`create extension if not exists pg_trgm with schema public`.execute(db);
    } catch (error) {
      throw new Error(
        `Satang's search index needs PostgreSQL's pg_trgm extension, and this database user could not create it (${(error as Error).message}). ` +
          'Ask a superuser to run: create extension pg_trgm with schema public; then start Satang again.',
        { cause: error },
      );
    }
    ({ rows } = await sql<{ schema: string }>`select extnamespace::regnamespace::text as schema from pg_extension where extname = 'pg_trgm'`.execute(db));
  }
  return `${rows[0].schema}.gin_trgm_ops`;
}
