// Batch functions behind every relation, and the per-request registry of their DataLoaders: each
// gets the keys of one request's tick and costs one or two SQL statements. A batch function takes
// the connection to read through, so that a mutation can run the very same reads inside its write
// transaction and prime the loaders with them (payload.ts).

import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { scopesOf } from '../auth/identity.ts';
import type { Tx } from '../db/client.ts';
import type { PageWindow } from '../db/pages.ts';
import * as reads from '../db/reads.ts';
import { capacity } from '../domain/inventory.ts';
import { type ClassTotals, parentsFirst, subtreeIds, subtreeTotals } from '../domain/tree.ts';
import { inSpan } from '../observability/tracing.ts';
import type { Context } from './builder.ts';

export const loadProviders = (db: Tx, uuids: readonly string[]) => reads.providersByUuid(db, uuids);
export const loadConsumers = (db: Tx, uuids: readonly string[]) => reads.consumersByUuid(db, uuids);

/** Consumers the caller may not read are as missing (null), so a refusal cannot tell that one exists. */
export function readableConsumers(ctx: Context): (c: reads.ConsumerRow | null | undefined) => c is reads.ConsumerRow {
  const readable = scopesOf(ctx.identity).project;
  return (c): c is reads.ConsumerRow => Boolean(c && readable(c.projectId));
}

async function loadChildren(db: Tx, ids: readonly number[]) {
  return reads.groupBy(ids, await reads.childrenOf(db, ids), (p) => p.parentId!);
}

/** Key: "rootId:providerId". Loads whole trees once, then cuts out each provider's descendants. */
export const descendantsKey = (p: reads.ProviderRow) => `${p.rootId}:${p.id}`;

async function loadDescendants(db: Tx, keys: readonly string[]) {
  const pairs = keys.map((k) => k.split(':').map(Number));
  const roots = [...new Set(pairs.map(([root]) => root))];
  const grouped = reads.groupBy(roots, await reads.treesOf(db, roots), (p) => p.rootId);
  const trees = new Map(roots.map((root, i) => [root, grouped[i]]));
  return pairs.map(([root, id]) => {
    const tree = trees.get(root)!;
    const below = subtreeIds(tree, id);
    return parentsFirst(tree).filter((p) => p.id !== id && below.has(p.id));
  });
}

/** Every provider of each tree (by root id), in id order. */
async function loadTrees(db: Tx, rootIds: readonly number[]) {
  return reads.groupBy(rootIds, await reads.packedTreesOf(db, rootIds), (p) => p.rootId);
}

/** Per tree (by root id): each provider's classes summed over its subtree, by provider id. */
async function loadTreeTotals(db: Tx, rootIds: readonly number[]): Promise<Map<number, ClassTotals[]>[]> {
  const { providers, inventories } = await reads.treeHoldingsOf(db, rootIds);
  const rootOf = new Map(providers.map((p) => [p.id, p.rootId]));
  const holdings = inventories.map((i) => ({ providerId: i.providerId, resourceClass: i.resourceClass, capacity: capacity(i), used: i.used }));
  const shapes = reads.groupBy(rootIds, providers, (p) => p.rootId);
  return reads.groupBy(rootIds, holdings, (h) => rootOf.get(h.providerId)!).map((held, i) => subtreeTotals(shapes[i], held));
}

/** Key of one page of a parent's children: "parentId:after:before:limit:inverted" (see childPageKey). */
export const childPageKey = (parentId: number, w: PageWindow) => `${parentId}:${w.after ?? ''}:${w.before ?? ''}:${w.limit}:${w.inverted ? 1 : 0}`;

/** One statement per distinct window (a dashboard asks every parent for the same first page). */
async function loadChildPages(db: Tx, keys: readonly string[]) {
  const windows = new Map<string, { window: PageWindow; parents: number[] }>();
  for (const key of keys) {
    const [parent, after, before, limit, inverted] = key.split(':');
    const w = windows.get(key.slice(parent.length)) ?? {
      window: { after: after ? Number(after) : undefined, before: before ? Number(before) : undefined, limit: Number(limit), inverted: inverted === '1' },
      parents: [],
    };
    w.parents.push(Number(parent));
    windows.set(key.slice(parent.length), w);
  }
  const pages = new Map<string, reads.ProviderRow[]>();
  for (const [rest, { window, parents }] of windows) {
    const rows = await reads.childPagesOf(db, parents, window);
    for (const [i, page] of reads.groupBy(parents, rows, (r) => r.parentId!).entries())
      pages.set(
        `${parents[i]}${rest}`,
        page.map(({ rn: _, ...row }) => row),
      );
  }
  return keys.map((k) => pages.get(k)!);
}

async function loadChildCounts(db: Tx, parentIds: readonly number[]) {
  const counts = new Map((await reads.childCountsOf(db, parentIds)).map((r) => [r.parentId, r.n]));
  return parentIds.map((id) => counts.get(id) ?? 0);
}

export interface InventoryView extends reads.InventoryRow {
  capacity: number;
  used: number;
}

async function loadInventories(db: Tx, ids: readonly number[]): Promise<InventoryView[][]> {
  const [inventories, usages] = await Promise.all([reads.inventoriesOf(db, ids), reads.usagesOf(db, ids)]);
  const used = new Map(usages.map((u) => [`${u.providerId}:${u.resourceClass}`, u.used]));
  const views = inventories.map((i) => ({ ...i, capacity: capacity(i), used: used.get(`${i.providerId}:${i.resourceClass}`) ?? 0 }));
  return reads.groupBy(ids, views, (v) => v.providerId);
}

async function loadTraits(db: Tx, ids: readonly number[]) {
  return reads.groupBy(ids, await reads.traitsOf(db, ids), (r) => r.providerId).map((rows) => rows.map((r) => r.name));
}

async function loadAggregates(db: Tx, ids: readonly number[]) {
  return reads.groupBy(ids, await reads.aggregatesOf(db, ids), (r) => r.providerId).map((rows) => rows.map((r) => r.uuid));
}

/** Allocations grouped by (holder, other side): a provider's by consumer, a consumer's by provider. */
export interface AllocationGroup {
  providerUuid: string;
  consumerUuid: string;
  resources: { resourceClass: string; amount: number }[];
}

function groupAllocations(rows: reads.AllocationRow[], by: 'consumerUuid' | 'providerUuid'): AllocationGroup[] {
  const groups = new Map<string, AllocationGroup>();
  for (const r of rows) {
    const g = groups.get(r[by]) ?? { providerUuid: r.providerUuid, consumerUuid: r.consumerUuid, resources: [] };
    g.resources.push({ resourceClass: r.resourceClass, amount: r.used });
    groups.set(r[by], g);
  }
  return [...groups.values()];
}

async function loadProviderAllocations(db: Tx, ids: readonly number[]) {
  const rows = await reads.allocationsOfProviders(db, ids);
  return reads.groupBy(ids, rows, (r) => r.providerId).map((list) => groupAllocations(list, 'consumerUuid'));
}

async function loadConsumerAllocations(db: Tx, ids: readonly number[]) {
  const rows = await reads.allocationsOfConsumers(db, ids);
  return reads.groupBy(ids, rows, (r) => r.consumerId).map((list) => groupAllocations(list, 'providerUuid'));
}

/** Every relation's batch function, by name; `relations(ctx)` holds one DataLoader of each per request. */
export const batches = {
  /** By parent id. */
  children: loadChildren,
  /** By descendantsKey. */
  descendants: loadDescendants,
  /** By root id. */
  trees: loadTrees,
  /** By root id. */
  treeTotals: loadTreeTotals,
  /** By childPageKey. */
  childPages: loadChildPages,
  /** By parent id. */
  childCounts: loadChildCounts,
  /** By provider id; serves both `inventories` and `usages`. */
  inventories: loadInventories,
  traits: loadTraits,
  aggregates: loadAggregates,
  /** By provider id. */
  providerAllocations: loadProviderAllocations,
  /** By consumer id. */
  consumerAllocations: loadConsumerAllocations,
};

type Batches = typeof batches;
export type RelationName = keyof Batches;
export type Relations = { [K in RelationName]: DataLoader<Parameters<Batches[K]>[1][number], Awaited<ReturnType<Batches[K]>>[number]> };

/** One DataLoader per relation and request, reading through the request's reader connection. */
export const relations = createContextCache((ctx: Context): Relations => {
  // Each batch is a span of its own (when tracing is on): which relation, how many keys.
  const loader = <K, V>(name: RelationName, batch: (db: Tx, keys: readonly K[]) => Promise<V[]>) =>
    new DataLoader<K, V>((keys) => inSpan(`load ${name}`, { 'placement.loader': name, 'placement.loader.keys': keys.length }, () => batch(ctx.db.reader, keys)));
  return {
    children: loader('children', batches.children),
    descendants: loader('descendants', batches.descendants),
    trees: loader('trees', batches.trees),
    treeTotals: loader('treeTotals', batches.treeTotals),
    childPages: loader('childPages', batches.childPages),
    childCounts: loader('childCounts', batches.childCounts),
    inventories: loader('inventories', batches.inventories),
    traits: loader('traits', batches.traits),
    aggregates: loader('aggregates', batches.aggregates),
    providerAllocations: loader('providerAllocations', batches.providerAllocations),
    consumerAllocations: loader('consumerAllocations', batches.consumerAllocations),
  };
});
