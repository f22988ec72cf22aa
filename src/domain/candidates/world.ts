// What the candidate search reads: the providers that can matter to one request, whole trees at a
// time, with their traits, aggregates and inventories (with current usage). The persistence layer
// fills it with a few set-based reads; the search itself never touches a database.
import type { InventoryValues } from '../inventory.ts';

export interface Stock extends InventoryValues {
  /** Sum of all allocations of this class on this provider. */
  used: number;
}

export interface WorldProvider {
  id: number;
  uuid: string;
  parentId: number | null;
  rootId: number;
  traits: ReadonlySet<string>;
  aggregates: ReadonlySet<string>;
  /** Inventory per resource class name. */
  stock: ReadonlyMap<string, Stock>;
}

export interface World {
  /** Every provider of every loaded tree; trees are always loaded whole. */
  providers: ReadonlyMap<number, WorldProvider>;
  /** Resource class name → id, for (at least) the classes requested: the reference combines a group's classes in id order. */
  classIds: ReadonlyMap<string, number>;
  /** Provider ids per aggregate uuid, in id order, when the world's holder keeps them (the world cache does). */
  aggregateMembers?: ReadonlyMap<string, readonly number[]>;
}

export const SHARING_TRAIT = 'MISC_SHARES_VIA_AGGREGATE';

/** Whether the provider shares its inventory with the trees its aggregates reach. */
export const isSharing = (p: WorldProvider): boolean => p.traits.has(SHARING_TRAIT);

/** Provider ids per aggregate uuid, in the order given. */
export function membersByAggregate(providers: Iterable<WorldProvider>): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const p of providers) {
    for (const a of p.aggregates) {
      const list = map.get(a);
      if (list) list.push(p.id);
      else map.set(a, [p.id]);
    }
  }
  return map;
}

/**
 * The trees a sharing provider reaches: the root of every provider that shares an aggregate with
 * it (its own tree too, when it has any aggregate). The database's root walk (src/db/candidates.ts)
 * spells the same rule in SQL; test/sharingReach.test.ts holds the two equal.
 */
export function sharingReach(p: WorldProvider, byAggregate: ReadonlyMap<string, readonly number[]>, rootOf: (id: number) => number): Set<number> {
  const roots = new Set<number>();
  for (const a of p.aggregates) for (const id of byAggregate.get(a) ?? []) roots.add(rootOf(id));
  return roots;
}

/** Lookups derived once per search, each only when the request needs it: by uuid, by aggregate, sharing providers and their anchors. */
export class WorldIndex {
  private uuids: Map<string, WorldProvider> | null = null;
  private aggregates: ReadonlyMap<string, readonly number[]> | null = null;
  private sharingIds: Set<number> | null = null;
  private anchorCache = new Map<number, number[]>();

  constructor(readonly world: World) {}

  get byUuid(): ReadonlyMap<string, WorldProvider> {
    if (!this.uuids) {
      this.uuids = new Map();
      for (const p of this.world.providers.values()) this.uuids.set(p.uuid, p);
    }
    return this.uuids;
  }

  /** Provider ids per aggregate: the world's own when it has them, else made once per search. */
  get byAggregate(): ReadonlyMap<string, readonly number[]> {
    if (!this.aggregates) {
      this.aggregates = this.world.aggregateMembers ?? membersByAggregate(this.world.providers.values());
    }
    return this.aggregates;
  }

  get sharing(): ReadonlySet<number> {
    if (!this.sharingIds) {
      this.sharingIds = new Set();
      for (const p of this.world.providers.values()) if (isSharing(p)) this.sharingIds.add(p.id);
    }
    return this.sharingIds;
  }

  provider(id: number): WorldProvider {
    return this.world.providers.get(id)!;
  }

  /** The trees a sharing provider reaches (sharingReach), once per search. */
  anchors(sharingId: number): number[] {
    let roots = this.anchorCache.get(sharingId);
    if (!roots) {
      roots = [...sharingReach(this.provider(sharingId), this.byAggregate, (id) => this.provider(id).rootId)];
      this.anchorCache.set(sharingId, roots);
    }
    return roots;
  }

  /** Providers that are in at least one aggregate of every set. */
  inAggregates(sets: ReadonlySet<string>[]): Set<number> {
    let result: Set<number> | null = null;
    for (const set of sets) {
      const members = new Set<number>();
      for (const a of set) for (const id of this.byAggregate.get(a) ?? []) if (!result || result.has(id)) members.add(id);
      result = members;
    }
    return result ?? new Set();
  }

  /** Providers in any of the aggregates. */
  inAnyAggregate(aggregates: ReadonlySet<string>): Set<number> {
    return this.inAggregates(aggregates.size ? [aggregates] : []);
  }

  /** Whether `ancestorId` is `id` or one of its ancestors. */
  isAncestorOrSelf(ancestorId: number, id: number): boolean {
    for (let p: WorldProvider | undefined = this.provider(id); p; p = p.parentId === null ? undefined : this.provider(p.parentId)) {
      if (p.id === ancestorId) return true;
    }
    return false;
  }
}
