// The write context: every write function takes a WriteTx, which only writeTransaction makes. It is
// the open Prisma transaction (so reads inside a write take it as a plain Tx) plus the record of
// what the transaction changed: per provider, which aspects (so the candidate search's cache knows
// whom to re-read and the change feed what to announce), the consumers whose allocations were
// written or removed, and the resource classes and traits created or deleted. writeTransaction
// appends that record to the change log in the same transaction (changeLog.ts); a write function
// cannot be called without one.

import type { ProviderAspect } from '../domain/changeEvents.ts';
import type { Tx } from './client.ts';

/** A deleted provider as it was: its row is gone by the time the log is written. */
export interface GoneProvider {
  uuid: string;
  rootUuid: string;
  parentUuid: string | null;
  generation: number;
}

export interface ChangeSet {
  /** What changed per provider id (created and deleted ones too). */
  aspects: Map<number, Set<ProviderAspect>>;
  deleted: Map<number, GoneProvider>;
  /** Consumers whose allocations were written (removed: deleted with them), with their project. */
  consumers: Map<string, { projectId: string; removed: boolean; providerIds: Set<number> }>;
  /** Resource classes and traits created or deleted, in order. */
  catalogue: { kind: 'RESOURCE_CLASS' | 'TRAIT'; name: string; created: boolean }[];
}

export const noChanges = (): ChangeSet => ({ aspects: new Map(), deleted: new Map(), consumers: new Map(), catalogue: [] });

export const isEmpty = (c: ChangeSet) => c.aspects.size === 0 && c.consumers.size === 0 && c.catalogue.length === 0;

/** A provider's name is not part of what the candidate search reads; every other aspect is. */
const searchAspect = (a: ProviderAspect) => a !== 'NAME';

/** The providers whose candidate-search state changed: what the world cache re-reads. */
export const searchProviders = (c: ChangeSet): number[] => [...c.aspects].filter(([, as]) => [...as].some(searchAspect)).map(([id]) => id);

export interface WriteTx extends Tx {
  /** What this transaction changed so far. */
  readonly changes: ChangeSet;
  /** PostgreSQL: provider rows are locked before capacity is read (see lockProviders). */
  readonly rowLocks: boolean;
}

/**
 * Makes the write context of one transaction attempt. It wraps the transaction rather than adding
 * fields to it: Prisma's transaction client is a proxy whose property writes land on an object
 * that concurrent transactions share, so a field set on one would be every transaction's (on
 * PostgreSQL, concurrent writes then logged each other's changes and lost their own).
 */
export function writeContext(tx: Tx, rowLocks: boolean): WriteTx {
  const own = { changes: noChanges(), rowLocks };
  // Methods are bound once per transaction, not on every statement.
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(tx, {
    get(target, prop) {
      if (prop === 'changes' || prop === 'rowLocks') return own[prop];
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (!bound.has(prop)) bound.set(prop, value.bind(target));
      return bound.get(prop);
    },
  }) as WriteTx;
}

export function providersChanged(tx: WriteTx, ids: Iterable<number>, aspect: ProviderAspect): void {
  for (const raw of ids) {
    const id = Number(raw);
    let set = tx.changes.aspects.get(id);
    if (!set) tx.changes.aspects.set(id, (set = new Set()));
    set.add(aspect);
  }
}

export function providerDeleted(tx: WriteTx, id: number, gone: GoneProvider): void {
  providersChanged(tx, [id], 'DELETED');
  tx.changes.deleted.set(Number(id), gone);
}

/** A consumer's allocations were written or removed; `providerIds`: those it held before or holds now. */
export function consumerChanged(tx: WriteTx, uuid: string, projectId: string, removed: boolean, providerIds: Iterable<number>): void {
  const entry = tx.changes.consumers.get(uuid);
  const ids = new Set([...(entry?.providerIds ?? []), ...[...providerIds].map(Number)]);
  tx.changes.consumers.set(uuid, { projectId, removed, providerIds: ids });
}

export function catalogueChanged(tx: WriteTx, kind: 'RESOURCE_CLASS' | 'TRAIT', name: string, created: boolean): void {
  tx.changes.catalogue.push({ kind, name, created });
}
