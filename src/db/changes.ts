// The write context: every write function takes a WriteTx, which only writeTransaction makes. It is
// the open Prisma transaction (so reads inside a write take it as a plain Tx) plus the record of
// what the transaction changed for the candidate search: the providers whose place in a tree,
// traits, aggregates, inventories or usage it touched (created and deleted ones too), and whether
// resource class or trait names came or went. writeTransaction appends that record to the change
// log in the same transaction (changeLog.ts); a write function cannot be called without one.
import type { Tx } from './client.ts';

export interface ChangeSet {
  providers: Set<number>;
  names: boolean;
}

export const noChanges = (): ChangeSet => ({ providers: new Set(), names: false });

export const isEmpty = (c: ChangeSet) => !c.names && c.providers.size === 0;

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

export function providersChanged(tx: WriteTx, ids: Iterable<number>): void {
  for (const id of ids) tx.changes.providers.add(Number(id));
}

export function namesChanged(tx: WriteTx): void {
  tx.changes.names = true;
}
