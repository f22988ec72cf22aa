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
  // An index, not shift(): shifting a long queue (a root with thousands of children) is quadratic.
  for (let i = 0; i < queue.length; i++) {
    const next = queue[i];
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

/** Levels below the first provider of `rows` ordered parents first (0 for it). */
export function depths<T extends { id: number; parentId: number | null }>(parentsFirstRows: readonly T[]): Map<number, number> {
  const depth = new Map<number, number>();
  for (const r of parentsFirstRows) depth.set(r.id, r.parentId !== null && depth.has(r.parentId) ? depth.get(r.parentId)! + 1 : 0);
  return depth;
}

/** One class's capacity, usage and free units over some providers. */
export interface ClassTotals {
  resourceClass: string;
  capacity: number;
  used: number;
  free: number;
}

/** What one provider has of one class; `capacity` as src/domain/inventory.ts counts it. */
export interface ClassHolding {
  providerId: number;
  resourceClass: string;
  capacity: number;
  used: number;
}

/** Units of a provider's class still to hand out: never below 0 (usage may pass a lowered capacity). */
export const freeUnits = (capacity: number, used: number) => Math.max(0, capacity - used);

/**
 * For every provider of a tree, each class summed over the provider and everything below it
 * (free summed per provider, so one overcommitted provider does not hide another's room); classes
 * sorted by name. One pass from the leaves up: each provider's sums are added to its parent's once.
 */
export function subtreeTotals<T extends { id: number; parentId: number | null }>(rows: readonly T[], holdings: readonly ClassHolding[]): Map<number, ClassTotals[]> {
  const sums = new Map<number, Map<string, ClassTotals>>(rows.map((r) => [r.id, new Map()]));
  const add = (into: Map<string, ClassTotals>, c: Omit<ClassTotals, 'resourceClass'> & { resourceClass: string }) => {
    const t = into.get(c.resourceClass);
    if (t) {
      t.capacity += c.capacity;
      t.used += c.used;
      t.free += c.free;
    } else into.set(c.resourceClass, { ...c });
  };
  for (const h of holdings) {
    const own = sums.get(h.providerId);
    if (own) add(own, { resourceClass: h.resourceClass, capacity: h.capacity, used: h.used, free: freeUnits(h.capacity, h.used) });
  }
  const ordered = parentsFirst(rows);
  for (let i = ordered.length - 1; i >= 0; i--) {
    const { id, parentId } = ordered[i];
    const above = parentId === null ? undefined : sums.get(parentId);
    if (above) for (const t of sums.get(id)!.values()) add(above, t);
  }
  return new Map([...sums].map(([id, byClass]) => [id, [...byClass.values()].sort((a, b) => (a.resourceClass < b.resourceClass ? -1 : 1))]));
}
