// Write transactions with optimistic concurrency. A generation the client supplied that is stale
// is the client's conflict (CONCURRENT_UPDATE at once); a compare-and-swap lost to another writer
// after our own read is a race the client did not cause, retried here a bounded number of times.

import type { ProviderAspect } from '../domain/changeEvents.ts';
import { DomainError } from '../domain/errors.ts';
import { log } from '../log.ts';
import { metrics } from '../observability/metrics.ts';
import { appendChanges } from './changeLog.ts';
import { isEmpty, providersChanged, type WriteTx, writeContext } from './changes.ts';
import type { Database } from './client.ts';
import { Prisma as P } from './generated/client.ts';
import { joinConditions } from './reads.ts';

/** Thrown inside a transaction when a generation compare-and-swap finds another writer got there first. */
export class LostRace extends Error {}

/** Server-side retries of write transactions since start (logged at shutdown; read by tests). */
export const writeStats = { retries: 0 };

/**
 * Current generations of providers about to be written, locked until the transaction ends.
 * PostgreSQL runs READ COMMITTED with row locks taken in id order: concurrent claims on the same
 * providers queue here instead of losing compare-and-swaps (which clients would see as conflicts
 * after the retries run out), and the usage read after the lock includes every committed claim.
 * SQLite has one writer at a time, so generations this transaction already read (`known`) are
 * current and need no second read.
 */
export async function lockProviders(tx: WriteTx, ids: readonly number[], known?: ReadonlyMap<number, number>): Promise<Map<number, number>> {
  if (!ids.length) return new Map();
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const locking = tx.rowLocks;
  if (!locking && known && sorted.every((id) => known.has(id))) return new Map(sorted.map((id) => [id, known.get(id)!]));
  const lock = locking ? P.sql`FOR UPDATE` : P.empty;
  const rows = await tx.$queryRaw<{ id: number; generation: number }[]>`SELECT id, generation FROM resource_providers WHERE id IN (${P.join(sorted)}) ORDER BY id ${lock}`;
  // One of them was deleted by a writer this one waited for: run again, and find it gone.
  if (rows.length < sorted.length) throw new LostRace();
  return new Map(rows.map((r) => [Number(r.id), Number(r.generation)]));
}

/**
 * Runs `work` in one write transaction, re-running it when it lost a race; nothing partial is kept.
 * What a committed attempt changed is in the change log, written last in the same transaction;
 * other replicas are told after the commit (a nudge only: the log is what they read), and so is
 * this process's change feed.
 */
export async function writeTransaction<T>(db: Database, work: (tx: WriteTx) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      let logged = false;
      const result = await db.writer.$transaction(
        async (tx) => {
          const wtx = writeContext(tx, db.kind === 'postgres');
          const done = await work(wtx);
          logged = !isEmpty(wtx.changes);
          if (logged) await appendChanges(wtx, db.kind, db.settings.changeLogKeep);
          return done;
        },
        // A transaction that could not start in time (Prisma's P2028) never ran: UNAVAILABLE, see unavailable.ts.
        { timeout: 30_000, maxWait: db.settings.connectTimeoutMs[db.kind] },
      );
      if (logged) {
        db.feed?.announce();
        db.hub.wake();
      }
      return result;
    } catch (err) {
      if (!(err instanceof LostRace) && !isTransientConflict(err) && !isConsumerCreatedMeanwhile(err)) throw translateDbError(err);
      writeStats.retries++;
      // A CONCURRENT_UPDATE storm shows as these lines (and the counter) before clients see it.
      const reason = err instanceof LostRace ? 'lost_race' : isTransientConflict(err) ? 'transient_conflict' : 'consumer_created';
      metrics.writeRetries.inc({ reason });
      const giveUp = attempt >= db.settings.writeRetries;
      log('warn', giveUp ? 'write transaction kept losing races; answering CONCURRENT_UPDATE' : 'write transaction lost a race; running it again', { reason, attempt: attempt + 1 });
      if (giveUp) {
        throw new DomainError('CONCURRENT_UPDATE', `Another writer kept changing the same providers; gave up after ${attempt + 1} attempts`);
      }
    }
  }
}

/**
 * Bumps a provider's generation if it still is `seen`, else reports the lost race. Every write that
 * concerns a provider goes through here, so concurrent writers serialise on the generation.
 */
export async function bumpProviderGeneration(tx: WriteTx, providerId: number, seen: number, aspect: ProviderAspect): Promise<number> {
  const changed = await tx.$executeRaw`UPDATE resource_providers SET generation = generation + 1, updated_at = CURRENT_TIMESTAMP WHERE id = ${providerId} AND generation = ${seen}`;
  if (changed !== 1) throw new LostRace();
  providersChanged(tx, [providerId], aspect);
  return seen + 1;
}

/**
 * bumpProviderGeneration for many providers in one statement: every one must still be at the
 * generation seen, else the whole write lost a race (as the first stale one alone would make it).
 * The rows are locked already (lockProviders), so the order the UPDATE takes them in cannot deadlock.
 */
export async function bumpProviderGenerations(tx: WriteTx, seen: ReadonlyMap<number, number>, aspect: ProviderAspect): Promise<void> {
  if (seen.size <= 1) {
    for (const [id, generation] of seen) await bumpProviderGeneration(tx, id, generation, aspect);
    return;
  }
  const ids = [...seen.keys()].sort((a, b) => a - b);
  const match = joinConditions(
    ids.map((id) => P.sql`(id = ${id} AND generation = ${seen.get(id)!})`),
    'OR',
  );
  const changed = await tx.$executeRaw`UPDATE resource_providers SET generation = generation + 1, updated_at = CURRENT_TIMESTAMP WHERE ${match}`;
  if (changed !== ids.length) throw new LostRace();
  providersChanged(tx, ids, aspect);
}

/** The client's generation must match what this transaction read. */
export function expectGeneration(kind: 'provider' | 'consumer', uuid: string, supplied: number | null, current: number | null): void {
  if (supplied !== current) {
    throw new DomainError(
      'CONCURRENT_UPDATE',
      `${kind} ${uuid} generation conflict: expected ${supplied ?? 'none (new consumer)'}, current is ${current ?? 'none (no such consumer)'}. Re-read and retry.`,
      { kind, uuid, expectedGeneration: supplied, currentGeneration: current },
    );
  }
}

/**
 * PostgreSQL may abort a transaction that raced another (deadlock, serialisation failure, a
 * unique row inserted concurrently): like a lost compare-and-swap, the client did not cause it.
 */
function isTransientConflict(err: unknown): boolean {
  const text = `${(err as { code?: string })?.code ?? ''} ${(err as Error)?.message ?? ''} ${JSON.stringify((err as { cause?: unknown })?.cause ?? '')}`;
  return /P2034|40P01|40001|deadlock|could not serialize|TransactionWriteConflict/i.test(text);
}

/**
 * Two writers creating the same consumer at once: the loser's "does not exist yet" is stale. Run
 * again, it sees the consumer: a conflict for a plain write, the claim held for a claim sent twice.
 */
function isConsumerCreatedMeanwhile(err: unknown): boolean {
  if (!(err instanceof P.PrismaClientKnownRequestError && err.code === 'P2002')) return false;
  const target = JSON.stringify(err.meta ?? {});
  return /consumer/i.test(String(err.meta?.modelName ?? target)) && target.includes('uuid');
}

/** Unique-constraint failures that slipped past the explicit checks (a concurrent insert) become domain errors. */
export function translateDbError(err: unknown): unknown {
  if (err instanceof DomainError || err instanceof LostRace) return err;
  if (err instanceof P.PrismaClientKnownRequestError && err.code === 'P2002') {
    const target = JSON.stringify(err.meta ?? {});
    if (target.includes('uuid')) return new DomainError('DUPLICATE_UUID', 'That uuid is already in use');
    return new DomainError('DUPLICATE_NAME', 'That name is already in use');
  }
  return err;
}
