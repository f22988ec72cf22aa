// Batch functions behind every relation: each gets the keys of one request's tick and costs one
// or two SQL statements (the dataloader plugin keeps one DataLoader per request and field).
import type { Context } from './builder.ts';
import { scopesOf } from '../auth/identity.ts';
import { capacity } from '../domain/inventory.ts';
import { subtreeIds, parentsFirst } from '../domain/tree.ts';
import * as reads from '../db/reads.ts';

export const loadProviders = (uuids: readonly string[], ctx: Context) => reads.providersByUuid(ctx.db.reader, uuids);
/** Consumers the caller may not read are as missing (null), so a refusal cannot tell that one exists. */
export async function loadConsumers(uuids: readonly string[], ctx: Context) {
  const readable = scopesOf(ctx.identity).project;
  return (await reads.consumersByUuid(ctx.db.reader, uuids)).filter((c) => readable(c.projectId));
}

export const loadChildren = (ids: readonly number[], ctx: Context) => reads.childrenOf(ctx.db.reader, ids);

/** Key: "rootId:providerId". Loads whole trees once, then cuts out each provider's descendants. */
export const descendantsKey = (p: reads.ProviderRow) => `${p.rootId}:${p.id}`;

export async function loadDescendants(keys: readonly string[], ctx: Context) {
  const pairs = keys.map((k) => k.split(':').map(Number));
  const roots = [...new Set(pairs.map(([root]) => root))];
  const grouped = reads.groupBy(roots, await reads.treesOf(ctx.db.reader, roots), (p) => p.rootId);
  const trees = new Map(roots.map((root, i) => [root, grouped[i]]));
  return pairs.map(([root, id]) => {
    const tree = trees.get(root)!;
    const below = subtreeIds(tree, id);
    return parentsFirst(tree).filter((p) => p.id !== id && below.has(p.id));
  });
}

export interface InventoryView extends reads.InventoryRow {
  capacity: number;
  used: number;
}

export async function loadInventories(ids: readonly number[], ctx: Context): Promise<InventoryView[][]> {
  const [inventories, usages] = await Promise.all([reads.inventoriesOf(ctx.db.reader, ids), reads.usagesOf(ctx.db.reader, ids)]);
  const used = new Map(usages.map((u) => [`${u.providerId}:${u.resourceClass}`, u.used]));
  const views = inventories.map((i) => ({ ...i, capacity: capacity(i), used: used.get(`${i.providerId}:${i.resourceClass}`) ?? 0 }));
  return reads.groupBy(ids, views, (v) => v.providerId);
}

export async function loadTraits(ids: readonly number[], ctx: Context) {
  return reads.groupBy(ids, await reads.traitsOf(ctx.db.reader, ids), (r) => r.providerId).map((rows) => rows.map((r) => r.name));
}

export async function loadAggregates(ids: readonly number[], ctx: Context) {
  return reads.groupBy(ids, await reads.aggregatesOf(ctx.db.reader, ids), (r) => r.providerId).map((rows) => rows.map((r) => r.uuid));
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

export async function loadProviderAllocations(ids: readonly number[], ctx: Context) {
  const rows = await reads.allocationsOfProviders(ctx.db.reader, ids);
  return reads.groupBy(ids, rows, (r) => r.providerId).map((list) => groupAllocations(list, 'consumerUuid'));
}

export async function loadConsumerAllocations(ids: readonly number[], ctx: Context) {
  const rows = await reads.allocationsOfConsumers(ctx.db.reader, ids);
  return reads.groupBy(ids, rows, (r) => r.consumerId).map((list) => groupAllocations(list, 'providerUuid'));
}
