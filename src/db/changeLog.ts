// The change log: one small row per committed write transaction that changed something the
// candidate search reads (which providers, whether names changed), appended last inside that
// transaction, so a row exists exactly when its changes are committed. Every replica's world cache
// catches up from it (worldCache.ts); the PostgreSQL notification (changeFeed.ts) only hurries that.
//
// Positions. SQLite has one writer at a time, so `seq` is commit order: a reader that applied every
// row up to seq M needs the rows above M. PostgreSQL hands out sequence numbers before commit, so a
// transaction holding number 10 may commit after the one holding 11; `seq` orders nothing there.
// Instead each row carries its transaction's id, and a position is a snapshot (xmin, xmax, the ids
// in progress). A row is new to a reader at position S exactly when it is visible now and was not
// visible in S, that is, when its transaction was in progress in S (in the xip list) or had no id
// below S's xmax yet: `xid = ANY(xip) OR xid >= xmax`. One statement returns those rows together
// with the current snapshot, which becomes the next position.
//
// Pruning. Now and then a writer deletes all but the newest PLACEMENT_CHANGE_LOG_KEEP rows and notes
// in its own row the highest position it deleted (xid on PostgreSQL, seq on SQLite). Every row a
// reader has not yet applied has an xid >= its position's xmin (seq > M on SQLite); a prune row
// that deleted such a position may have deleted something the reader needed: it reloads everything.
// A prune that deleted an unapplied row committed after the reader's position, so its row (or that
// of a later prune that deleted it, and so on) is among the new rows the reader reads.
import { Prisma as P } from './generated/client.ts';
import type { Tx } from './client.ts';
import type { Dialect } from './candidates.ts';
import type { ChangeSet, WriteTx } from './changes.ts';

/** Rows kept by a prune; a reader idle for longer than this many writes reloads. */
export const keptRows = () => Math.max(1, Number(process.env.PLACEMENT_CHANGE_LOG_KEEP ?? 10_000));

/** Writes by this process since it last pruned: a prune every tenth of the kept rows. */
let sincePrune = 0;

/** Appends the transaction's changes to the log (the last statement of every write that changed something). */
export async function appendChanges(tx: WriteTx, dialect: Dialect): Promise<void> {
  const providers = [...tx.changes.providers].sort((a, b) => a - b).join(',');
  const pruned = ++sincePrune >= Math.ceil(keptRows() / 10) ? await prune(tx, dialect) : null;
  if (pruned !== null) sincePrune = 0;
  if (dialect === 'postgres') {
    // The transaction wrote before this (a change set is only ever noted after a write), so its id exists.
    await tx.$executeRaw`INSERT INTO change_log (xid, providers, names, pruned)
      VALUES (pg_current_xact_id()::text::bigint, ${providers}, ${tx.changes.names}, ${pruned}::bigint)`;
  } else {
    // SQLite's migration gives the BIGINT key no default; the one writer numbers its own rows.
    await tx.$executeRaw`INSERT INTO change_log (seq, providers, names, pruned)
      VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM change_log), ${providers}, ${tx.changes.names}, ${pruned})`;
  }
}

/** Deletes all but the newest rows; the highest position deleted, or null when nothing was. */
async function prune(tx: Tx, dialect: Dialect): Promise<bigint | null> {
  const [edge] = await tx.$queryRaw<{ seq: bigint }[]>`SELECT seq FROM change_log ORDER BY seq DESC LIMIT 1 OFFSET ${keptRows() - 1}`;
  if (!edge) return null;
  if (dialect === 'sqlite') {
    const deleted = await tx.$executeRaw`DELETE FROM change_log WHERE seq < ${edge.seq}`;
    return deleted ? BigInt(edge.seq) - 1n : null;
  }
  const [row] = await tx.$queryRaw<{ pruned: string | null }[]>`
    WITH gone AS (DELETE FROM change_log WHERE seq < ${edge.seq} RETURNING xid) SELECT max(xid)::text AS pruned FROM gone`;
  return row.pruned === null ? null : BigInt(row.pruned);
}

/** A reader's place in the log. */
export type LogPosition = { dialect: 'sqlite'; seq: bigint } | { dialect: 'postgres'; xmin: bigint; xmax: bigint; xip: bigint[] };

export interface LogRead {
  /** Where the reader is once it applied `changes`. */
  position: LogPosition;
  /** Everything committed since the previous position, or null: reload everything. */
  changes: ChangeSet | null;
}

interface Row {
  providers: string;
  names: boolean | number;
  pruned: string | number | bigint | null;
}

/** The current position, without rows: where a full reload starts. */
export const logPosition = (db: Tx, dialect: Dialect): Promise<LogPosition> => readLog(db, dialect, null).then((r) => r.position);

/** What was committed since `from` (one statement), or, from null, just the current position. */
export async function readLog(db: Tx, dialect: Dialect, from: LogPosition | null): Promise<LogRead> {
  if (dialect === 'sqlite') {
    const since = from?.dialect === 'sqlite' ? from.seq : null;
    if (since === null) {
      const [row] = await db.$queryRaw<{ seq: bigint | number | null }[]>`SELECT MAX(seq) AS seq FROM change_log`;
      return { position: { dialect, seq: BigInt(row.seq ?? 0) }, changes: null };
    }
    const rows = await db.$queryRaw<(Row & { seq: bigint | number })[]>`SELECT seq, providers, names, pruned FROM change_log WHERE seq > ${since} ORDER BY seq`;
    const position = { dialect, seq: rows.length ? BigInt(rows[rows.length - 1].seq) : since } as const;
    return { position, changes: fold(rows, (pruned) => pruned > since) };
  }
  const prev = from?.dialect === 'postgres' ? from : null;
  // From nowhere: the highest xmax there is selects no row.
  const xmax = prev ? prev.xmax.toString() : '9223372036854775807';
  const xip = prev ? prev.xip.join(',') : '';
  const [row] = await db.$queryRaw<{ xmin: string; xmax: string; xip: string | null; rows: Row[] | null }[]>`
    SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax,
      (SELECT string_agg(x::text, ',') FROM pg_snapshot_xip(s) x) AS xip,
      (SELECT json_agg(json_build_object('providers', c.providers, 'names', c.names, 'pruned', c.pruned::text) ORDER BY c.seq)
        FROM change_log c WHERE c.xid >= ${xmax}::bigint OR c.xid = ANY(string_to_array(${xip}, ',')::bigint[])) AS rows
    FROM pg_current_snapshot() s`;
  const position: LogPosition = { dialect, xmin: BigInt(row.xmin), xmax: BigInt(row.xmax), xip: row.xip ? row.xip.split(',').map(BigInt) : [] };
  return { position, changes: prev ? fold(row.rows ?? [], (pruned) => pruned >= prev.xmin) : null };
}

/** The union of the rows' changes, or null when a prune may have deleted an unread row. */
function fold(rows: Row[], deletedUnread: (pruned: bigint) => boolean): ChangeSet | null {
  const out: ChangeSet = { providers: new Set(), names: false };
  for (const r of rows) {
    if (r.pruned !== null && deletedUnread(BigInt(r.pruned))) return null;
    for (const id of r.providers ? r.providers.split(',') : []) out.providers.add(Number(id));
    out.names ||= Boolean(r.names);
  }
  return out;
}
