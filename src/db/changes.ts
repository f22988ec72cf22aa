// What a write transaction changed, so that the per-process world cache (worldCache.ts) refreshes
// only that once the transaction commits. Writers name the providers whose place in a tree, traits,
// aggregates, inventories or usage they touched (created and deleted ones too), and say when
// resource class or trait names came or went. Nothing is reported for a rolled-back attempt.
import type { Tx } from './client.ts';

export interface ChangeSet {
  providers: Set<number>;
  names: boolean;
  /** Unknown changes (another process wrote, a harness emptied tables): reload everything. */
  all: boolean;
}

export const noChanges = (): ChangeSet => ({ providers: new Set(), names: false, all: false });

export const isEmpty = (c: ChangeSet) => !c.all && !c.names && c.providers.size === 0;

/** Folds `more` into `into`. */
export function merge(into: ChangeSet, more: ChangeSet): void {
  for (const id of more.providers) into.providers.add(id);
  into.names ||= more.names;
  into.all ||= more.all;
}

const CHANGES = Symbol('changes');

/** Gives a transaction its change set (writeTransaction does this for every attempt). */
export const recordingInto = <T extends object>(tx: T, changes: ChangeSet): T => Object.assign(tx, { [CHANGES]: changes });

const changesOf = (tx: Tx) => (tx as unknown as Record<symbol, ChangeSet | undefined>)[CHANGES];

export function providersChanged(tx: Tx, ids: Iterable<number>): void {
  const c = changesOf(tx);
  if (c) for (const id of ids) c.providers.add(Number(id));
}

export function namesChanged(tx: Tx): void {
  const c = changesOf(tx);
  if (c) c.names = true;
}
