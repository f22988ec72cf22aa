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

/** Makes the write context of one transaction attempt. */
export const writeContext = (tx: Tx, rowLocks: boolean): WriteTx => Object.assign(tx, { changes: noChanges(), rowLocks });

export function providersChanged(tx: WriteTx, ids: Iterable<number>): void {
  for (const id of ids) tx.changes.providers.add(Number(id));
}

export function namesChanged(tx: WriteTx): void {
  tx.changes.names = true;
}
