// Provider tree rules (SPEC §6): re-parenting may not create a loop.
import { DomainError } from './errors.ts';

/**
 * `ancestorsOfNewParent` lists the new parent and its ancestors (uuids). Moving `uuid` under it
 * would make `uuid` its own ancestor when it appears there.
 */
export function assertNoLoop(uuid: string, ancestorsOfNewParent: readonly string[]): void {
  if (ancestorsOfNewParent.includes(uuid)) {
    throw new DomainError('INVALID_PARENT', `Moving provider ${uuid} there would create a loop in the provider tree`);
  }
}

/** Orders a tree's providers parents-first (breadth-first from the root), ties by id. */
export function parentsFirst<T extends { id: number; parentId: number | null }>(rows: readonly T[]): T[] {
  const byParent = new Map<number | null, T[]>();
  for (const r of rows) {
    const list = byParent.get(r.parentId) ?? [];
    list.push(r);
    byParent.set(r.parentId, list);
  }
  const ids = new Set(rows.map((r) => r.id));
  const out: T[] = [];
  const queue = rows.filter((r) => r.parentId === null || !ids.has(r.parentId)).sort((a, b) => a.id - b.id);
  while (queue.length) {
    const next = queue.shift()!;
    out.push(next);
    queue.push(...(byParent.get(next.id) ?? []).sort((a, b) => a.id - b.id));
  }
  return out;
}

/** The ids of `rootId` and everything below it, from the rows of its tree. */
export function subtreeIds<T extends { id: number; parentId: number | null }>(rows: readonly T[], rootId: number): Set<number> {
  const ids = new Set([rootId]);
  for (const r of parentsFirst(rows)) if (r.parentId !== null && ids.has(r.parentId)) ids.add(r.id);
  return ids;
}
