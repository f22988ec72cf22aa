// The change log: one row per committed write transaction that changed something, appended last
// inside that transaction, so a row exists exactly when its changes are committed. It names the
// providers whose candidate-search state changed (what every replica's world cache re-reads,
// worldCache.ts) and holds the transaction's events (what the change feed streams, feed/).
//
// Order. `seq` is commit order on both databases, so a reader that has every row up to M needs
// exactly the rows above M, and every replica sees the same rows in the same order. SQLite has one
// writer at a time. On PostgreSQL a sequence number is taken before commit, so by itself a
// transaction holding 10 could commit after the one holding 11, and a reader that saw 11 would skip
// 10 for good. So a writer first takes a transaction-scoped advisory lock on the log, and only then
// its number: the lock is released after the commit is visible, so the next number is handed out
// only once every lower one is committed (or rolled back: a gap, harmless). Only the log's last
// statement and the commit run under the lock.
//
// Pruning. Now and then a writer deletes all but the newest `keep` rows (PLACEMENT_CHANGE_LOG_KEEP) and notes
// in its own row the highest seq it deleted. A reader at M has lost history exactly when some row
// above M says it pruned past M (the prune that deleted M + 1 committed after it; if its own row was
// pruned since, the later prune that deleted it says so, and so on).

import { type ChangeEvent, eventsOf, type ProviderState } from '../domain/changeEvents.ts';
import type { Dialect } from './candidates.ts';
import { type ChangeSet, searchProviders, type WriteTx } from './changes.ts';
import type { Tx } from './client.ts';

/** The log's lock on PostgreSQL (per schema: replicas of other databases in one server don't share it); see Order above. */
export const LOG_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('placement_change_log:' || current_schema()))";

/** Writes by this process since it last pruned: a prune every tenth of the kept rows. */
let sincePrune = 0;

/**
 * Appends the transaction's changes to the log (the last statement of every write that changed
 * something). `keep`: rows a prune keeps (Database.settings.changeLogKeep); a reader idle for longer
 * than this many writes reloads.
 */
export async function appendChanges(tx: WriteTx, dialect: Dialect, keep: number): Promise<void> {
  const events = JSON.stringify(eventsOf({ ...tx.changes, providers: await providerStates(tx, tx.changes) }));
  const providers = searchProviders(tx.changes)
    .sort((a, b) => a - b)
    .join(',');
  const names = tx.changes.catalogue.length > 0;
  if (dialect === 'postgres') await tx.$executeRawUnsafe(LOG_LOCK_SQL);
  const pruned = ++sincePrune >= Math.ceil(keep / 10) ? await prune(tx, keep) : null;
  if (pruned !== null) sincePrune = 0;
  if (dialect === 'postgres') {
    await tx.$executeRaw`INSERT INTO change_log (providers, names, pruned, events) VALUES (${providers}, ${names}, ${pruned}::bigint, ${events})`;
  } else {
    // SQLite's migration gives the BIGINT key no default; the one writer numbers its own rows.
    await tx.$executeRaw`INSERT INTO change_log (seq, providers, names, pruned, events)
      VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM change_log), ${providers}, ${names}, ${pruned}, ${events})`;
  }
}

/** The providers the events name, as committed by this transaction (deleted ones as they were). */
async function providerStates(tx: Tx, c: ChangeSet): Promise<Map<number, ProviderState>> {
  const out = new Map<number, ProviderState>(c.deleted);
  const ids = [...new Set([...c.aspects.keys(), ...[...c.consumers.values()].flatMap((x) => [...x.providerIds])])].filter((id) => !c.deleted.has(id));
  if (!ids.length) return out;
  // Ids are numbers from our own rows, joined as a literal list: one statement whatever their count.
  const rows = await tx.$queryRawUnsafe<{ id: number; uuid: string; generation: number; root_uuid: string; parent_uuid: string | null }[]>(
    `SELECT p.id, p.uuid, p.generation, r.uuid AS root_uuid, pp.uuid AS parent_uuid FROM resource_providers p
      JOIN resource_providers r ON r.id = p.root_provider_id LEFT JOIN resource_providers pp ON pp.id = p.parent_provider_id
      WHERE p.id IN (${ids.map((id) => Math.trunc(id)).join(',')})`,
  );
  for (const r of rows) out.set(Number(r.id), { uuid: r.uuid, rootUuid: r.root_uuid, parentUuid: r.parent_uuid, generation: Number(r.generation) });
  return out;
}

/** Deletes all but the newest rows; the highest seq deleted (or above), or null when nothing was. */
async function prune(tx: Tx, keep: number): Promise<bigint | null> {
  const [edge] = await tx.$queryRaw<{ seq: bigint }[]>`SELECT seq FROM change_log ORDER BY seq DESC LIMIT 1 OFFSET ${keep - 1}`;
  if (!edge) return null;
  const deleted = await tx.$executeRaw`DELETE FROM change_log WHERE seq < ${edge.seq}`;
  return deleted ? BigInt(edge.seq) - 1n : null;
}

/** A reader's place in the log: the last seq it applied. */
export type LogPosition = bigint;

export interface LogRead {
  /** Where the reader is once it applied `changes`. */
  position: LogPosition;
  /** Everything committed since the previous position, or null: reload everything. */
  changes: { providers: Set<number>; names: boolean } | null;
}

/** The latest committed position (one cheap statement). */
export async function logPosition(db: Tx): Promise<LogPosition> {
  const [row] = await db.$queryRaw<{ seq: bigint | number | null }[]>`SELECT MAX(seq) AS seq FROM change_log`;
  return BigInt(row.seq ?? 0);
}

/** What the candidate search must re-read since `from` (one statement), or, from null, just the current position. */
export async function readLog(db: Tx, from: LogPosition | null): Promise<LogRead> {
  if (from === null) return { position: await logPosition(db), changes: null };
  const rows = await db.$queryRaw<{ seq: bigint | number; providers: string; names: boolean | number; pruned: bigint | number | null }[]>`
    SELECT seq, providers, names, pruned FROM change_log WHERE seq > ${from} ORDER BY seq`;
  const changes = { providers: new Set<number>(), names: false };
  for (const r of rows) {
    if (r.pruned !== null && BigInt(r.pruned) > from) return { position: BigInt(rows[rows.length - 1].seq), changes: null };
    for (const id of r.providers ? r.providers.split(',') : []) changes.providers.add(Number(id));
    changes.names ||= Boolean(r.names);
  }
  return { position: rows.length ? BigInt(rows[rows.length - 1].seq) : from, changes };
}

/** One logged transaction's events. */
export interface LoggedTransaction {
  seq: bigint;
  events: ChangeEvent[];
}

export interface EventPage {
  transactions: LoggedTransaction[];
  /** Rows after `after` were pruned before they were read: the reader must reload. */
  historyLost: boolean;
}

/** The events committed after `after`, oldest first, at most `limit` transactions (one statement). */
export async function readEvents(db: Tx, after: bigint, limit: number): Promise<EventPage> {
  const rows = await db.$queryRaw<{ seq: bigint | number; events: string; lost: bigint | number | null }[]>`
    SELECT seq, events, (SELECT MAX(pruned) FROM change_log WHERE seq > ${after}) AS lost
    FROM change_log WHERE seq > ${after} ORDER BY seq LIMIT ${limit}`;
  const lost = rows.length > 0 && rows[0].lost !== null && BigInt(rows[0].lost) > after;
  return { transactions: rows.map((r) => ({ seq: BigInt(r.seq), events: JSON.parse(r.events) as ChangeEvent[] })), historyLost: lost };
}
