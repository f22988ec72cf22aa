// Narrow, batched reads: each takes a set of keys and costs one SQL statement, whatever the set's
// size. The GraphQL loaders and the write paths share them.

import type { Inventory } from '../domain/inventory.ts';
import type { Tx } from './client.ts';
import { Prisma as P } from './generated/client.ts';

export interface ProviderRow {
  id: number;
  uuid: string;
  name: string;
  generation: number;
  parentId: number | null;
  rootId: number;
  parentUuid: string | null;
  rootUuid: string;
}

export interface InventoryRow extends Inventory {
  providerId: number;
  resourceClassId: number;
}

export interface UsageRow {
  providerId: number;
  resourceClass: string;
  used: number;
}

export interface AllocationRow {
  providerId: number;
  providerUuid: string;
  consumerId: number;
  consumerUuid: string;
  resourceClass: string;
  used: number;
}

export interface ConsumerRow {
  id: number;
  uuid: string;
  generation: number;
  projectId: string;
  userId: string;
  consumerType: string | null;
}

/**
 * SQLite and PostgreSQL hand back counts and sums as bigint (PostgreSQL's SUM of an integer column
 * is a bigint). Every id, count and provider's sum fits a number exactly: no capacity passes 2^53 - 1
 * (src/domain/inventory.ts), nor then does what is allocated against it.
 */
export function numbers<T extends object>(rows: T[]): T[] {
  for (const row of rows as Record<string, unknown>[]) {
    for (const [k, v] of Object.entries(row)) if (typeof v === 'bigint') row[k] = Number(v);
  }
  return rows;
}

/**
 * Conditions joined by AND (or OR) as a shallow tree: SQLite refuses an expression nested over 1000
 * deep, and a flat chain of n conditions nests n deep.
 */
export function joinConditions(parts: readonly P.Sql[], op: 'AND' | 'OR'): P.Sql {
  if (parts.length <= 64) return P.sql`(${P.join(parts, ` ${op} `)})`;
  const half = parts.length >> 1;
  return P.sql`(${joinConditions(parts.slice(0, half), op)} ${P.raw(op)} ${joinConditions(parts.slice(half), op)})`;
}

const inList = (values: readonly (string | number)[]) => P.join(values.length ? values : [null]);

export const providerSelect = P.sql`SELECT p.id, p.uuid, p.name, p.generation,
  p.parent_provider_id AS "parentId", p.root_provider_id AS "rootId",
  pp.uuid AS "parentUuid", rp.uuid AS "rootUuid"
  FROM resource_providers p
  LEFT JOIN resource_providers pp ON pp.id = p.parent_provider_id
  JOIN resource_providers rp ON rp.id = p.root_provider_id`;

export const providersByUuid = async (db: Tx, uuids: readonly string[]) => numbers(await db.$queryRaw<ProviderRow[]>`${providerSelect} WHERE p.uuid IN (${inList(uuids)})`);

export const providersById = async (db: Tx, ids: readonly number[]) => numbers(await db.$queryRaw<ProviderRow[]>`${providerSelect} WHERE p.id IN (${inList(ids)})`);

export const childrenOf = async (db: Tx, parentIds: readonly number[]) =>
  numbers(await db.$queryRaw<ProviderRow[]>`${providerSelect} WHERE p.parent_provider_id IN (${inList(parentIds)}) ORDER BY p.id`);

/** Every provider of the trees rooted at `rootIds`. */
export const treesOf = async (db: Tx, rootIds: readonly number[]) => numbers(await db.$queryRaw<ProviderRow[]>`${providerSelect} WHERE p.root_provider_id IN (${inList(rootIds)}) ORDER BY p.id`);

export const inventoriesOf = async (db: Tx, providerIds: readonly number[]) =>
  numbers(
    await db.$queryRaw<InventoryRow[]>`SELECT i.resource_provider_id AS "providerId", i.resource_class_id AS "resourceClassId",
      rc.name AS "resourceClass", i.total, i.reserved, i.min_unit AS "minUnit", i.max_unit AS "maxUnit",
      i.step_size AS "stepSize", i.allocation_ratio AS "allocationRatio"
      FROM inventories i JOIN resource_classes rc ON rc.id = i.resource_class_id
      WHERE i.resource_provider_id IN (${inList(providerIds)}) ORDER BY i.resource_provider_id, i.resource_class_id`,
  );

/** Sum of allocations per (provider, class); `excludeConsumers` leaves out consumers being rewritten. */
export const usagesOf = async (db: Tx, providerIds: readonly number[], excludeConsumers: readonly number[] = []) =>
  numbers(
    await db.$queryRaw<UsageRow[]>`SELECT a.resource_provider_id AS "providerId", rc.name AS "resourceClass", SUM(a.used) AS used
      FROM allocations a JOIN resource_classes rc ON rc.id = a.resource_class_id
      WHERE a.resource_provider_id IN (${inList(providerIds)})
      ${excludeConsumers.length ? P.sql`AND a.consumer_id NOT IN (${inList(excludeConsumers)})` : P.empty}
      GROUP BY a.resource_provider_id, rc.name ORDER BY a.resource_provider_id, rc.name`,
  );

const allocationSelect = P.sql`SELECT a.resource_provider_id AS "providerId", p.uuid AS "providerUuid",
  a.consumer_id AS "consumerId", c.uuid AS "consumerUuid", rc.name AS "resourceClass", a.used
  FROM allocations a
  JOIN resource_providers p ON p.id = a.resource_provider_id
  JOIN consumers c ON c.id = a.consumer_id
  JOIN resource_classes rc ON rc.id = a.resource_class_id`;

export const allocationsOfProviders = async (db: Tx, providerIds: readonly number[]) =>
  numbers(await db.$queryRaw<AllocationRow[]>`${allocationSelect} WHERE a.resource_provider_id IN (${inList(providerIds)}) ORDER BY c.uuid, a.resource_class_id`);

export const allocationsOfConsumers = async (db: Tx, consumerIds: readonly number[]) =>
  numbers(await db.$queryRaw<AllocationRow[]>`${allocationSelect} WHERE a.consumer_id IN (${inList(consumerIds)}) ORDER BY p.uuid, a.resource_class_id`);

export const traitsOf = async (db: Tx, providerIds: readonly number[]) =>
  numbers(
    await db.$queryRaw<{ providerId: number; name: string }[]>`SELECT rpt.resource_provider_id AS "providerId", t.name
      FROM resource_provider_traits rpt JOIN traits t ON t.id = rpt.trait_id
      WHERE rpt.resource_provider_id IN (${inList(providerIds)}) ORDER BY t.name`,
  );

export const aggregatesOf = async (db: Tx, providerIds: readonly number[]) =>
  numbers(
    await db.$queryRaw<{ providerId: number; uuid: string }[]>`SELECT rpa.resource_provider_id AS "providerId", a.uuid
      FROM resource_provider_aggregates rpa JOIN aggregates a ON a.id = rpa.aggregate_id
      WHERE rpa.resource_provider_id IN (${inList(providerIds)}) ORDER BY a.uuid`,
  );

const consumerSelect = P.sql`SELECT c.id, c.uuid, c.generation, pr.external_id AS "projectId", u.external_id AS "userId",
  ct.name AS "consumerType"
  FROM consumers c JOIN projects pr ON pr.id = c.project_id JOIN users u ON u.id = c.user_id
  LEFT JOIN consumer_types ct ON ct.id = c.consumer_type_id`;

export const consumersByUuid = async (db: Tx, uuids: readonly string[]) => numbers(await db.$queryRaw<ConsumerRow[]>`${consumerSelect} WHERE c.uuid IN (${inList(uuids)})`);

export const consumersById = async (db: Tx, ids: readonly number[]) => numbers(await db.$queryRaw<ConsumerRow[]>`${consumerSelect} WHERE c.id IN (${inList(ids)})`);

/** Resolves class names to ids; unknown names are simply absent from the map. */
export async function classIds(db: Tx, names: readonly string[]): Promise<Map<string, number>> {
  const rows = numbers(await db.$queryRaw<{ id: number; name: string }[]>`SELECT id, name FROM resource_classes WHERE name IN (${inList(names)})`);
  return new Map(rows.map((r) => [r.name, r.id]));
}

export async function traitIds(db: Tx, names: readonly string[]): Promise<Map<string, number>> {
  const rows = numbers(await db.$queryRaw<{ id: number; name: string }[]>`SELECT id, name FROM traits WHERE name IN (${inList(names)})`);
  return new Map(rows.map((r) => [r.name, r.id]));
}

/** Groups rows by a key, keeping every requested key (empty when nothing matched): DataLoader's contract. */
export function groupBy<K, R>(keys: readonly K[], rows: R[], keyOf: (r: R) => K): R[][] {
  const map = new Map<K, R[]>(keys.map((k) => [k, []]));
  for (const r of rows) map.get(keyOf(r))?.push(r);
  return keys.map((k) => map.get(k) ?? []);
}

// Whole trees for a dashboard: thousands of providers. Prisma's raw queries cost per row and
// column returned, so all the trees come back as one text cell (string_agg, in SQLite since 3.44
// and PostgreSQL alike; one row: grouping per tree costs more than it saves): records split by
// ';', fields by ','. Names are the only free text: '%', ',' and ';' are percent-escaped in SQL
// and decoded here.
const escapedName = P.sql`REPLACE(REPLACE(REPLACE(p.name, '%', '%25'), ',', '%2C'), ';', '%3B')`;
const text = (column: P.Sql) => P.sql`COALESCE(CAST(${column} AS TEXT), '')`;
const packed = (fields: P.Sql[]) => P.sql`string_agg(${P.join(fields.map(text), ` || ',' || `)}, ';')`;
const unpack = (cell: string | null) => (cell ? cell.split(';').map((record) => record.split(',')) : []);
const idOrNull = (s: string) => (s === '' ? null : Number(s));

/** Every provider of the trees rooted at `rootIds`, as treesOf reads them (in id order). */
export async function packedTreesOf(db: Tx, rootIds: readonly number[]): Promise<ProviderRow[]> {
  const [{ cell }] = await db.$queryRaw<{ cell: string | null }[]>`SELECT
    ${packed([P.sql`p.id`, P.sql`p.parent_provider_id`, P.sql`p.root_provider_id`, P.sql`p.generation`, P.sql`p.uuid`, escapedName])} AS cell
    FROM resource_providers p WHERE p.root_provider_id IN (${inList(rootIds)})`;
  const rows = unpack(cell).map(([id, parentId, rootId, generation, uuid, name]) => ({
    id: Number(id),
    uuid,
    name: name.includes('%') ? decodeURIComponent(name) : name,
    generation: Number(generation),
    parentId: idOrNull(parentId),
    rootId: Number(rootId),
    parentUuid: null as string | null,
    rootUuid: '',
  }));
  const uuidOf = new Map(rows.map((p) => [p.id, p.uuid]));
  for (const p of rows) {
    p.parentUuid = p.parentId === null ? null : (uuidOf.get(p.parentId) ?? null);
    p.rootUuid = uuidOf.get(p.rootId) ?? '';
  }
  return rows.sort((a, b) => a.id - b.id);
}

/** A tree's shape and what each of its providers has: inventories (capacity inputs) with their usage. */
export interface TreeHoldings {
  providers: { id: number; parentId: number | null; rootId: number }[];
  inventories: { providerId: number; resourceClass: string; total: number; reserved: number; allocationRatio: number; used: number }[];
}

/** For subtree totals: the trees rooted at `rootIds` in one narrow statement (usage from the covering allocations index). */
export async function treeHoldingsOf(db: Tx, rootIds: readonly number[]): Promise<TreeHoldings> {
  const used = P.sql`(SELECT COALESCE(SUM(a.used), 0) FROM allocations a WHERE a.resource_provider_id = i.resource_provider_id AND a.resource_class_id = i.resource_class_id)`;
  // The id list twice rather than a common table expression, which SQLite then reads twice as slowly.
  const inTrees = P.sql`p.root_provider_id IN (${inList(rootIds)})`;
  const [{ shape, held }] = await db.$queryRaw<{ shape: string | null; held: string | null }[]>`SELECT
    (SELECT ${packed([P.sql`p.id`, P.sql`p.parent_provider_id`, P.sql`p.root_provider_id`])} FROM resource_providers p WHERE ${inTrees}) AS shape,
    (SELECT ${packed([P.sql`p.id`, P.sql`rc.name`, P.sql`i.total`, P.sql`i.reserved`, P.sql`i.allocation_ratio`, used])}
      FROM resource_providers p JOIN inventories i ON i.resource_provider_id = p.id JOIN resource_classes rc ON rc.id = i.resource_class_id
      WHERE ${inTrees}) AS held`;
  return {
    providers: unpack(shape).map(([id, parentId, rootId]) => ({ id: Number(id), parentId: idOrNull(parentId), rootId: Number(rootId) })),
    inventories: unpack(held).map(([providerId, resourceClass, total, reserved, allocationRatio, used]) => ({
      providerId: Number(providerId),
      resourceClass,
      total: Number(total),
      reserved: Number(reserved),
      allocationRatio: Number(allocationRatio),
      used: Number(used),
    })),
  };
}

/** One page of the children of each parent: at most `limit` after/before the cursors, from the end when `inverted`. */
export const childPagesOf = async (db: Tx, parentIds: readonly number[], w: { after?: number; before?: number; limit: number; inverted: boolean }) =>
  numbers(
    await db.$queryRaw<(ProviderRow & { rn: number })[]>`SELECT * FROM (
        SELECT q.*, ROW_NUMBER() OVER (PARTITION BY q."parentId" ORDER BY q.id ${w.inverted ? P.sql`DESC` : P.sql`ASC`}) AS rn
        FROM (${providerSelect} WHERE p.parent_provider_id IN (${inList(parentIds)})
          ${w.after !== undefined ? P.sql`AND p.id > ${w.after}` : P.empty} ${w.before !== undefined ? P.sql`AND p.id < ${w.before}` : P.empty}) q
      ) ranked WHERE rn <= ${w.limit} ORDER BY id ${w.inverted ? P.sql`DESC` : P.sql`ASC`}`,
  );

/** How many children each parent has (parents without any are absent). */
export const childCountsOf = async (db: Tx, parentIds: readonly number[]) =>
  numbers(
    await db.$queryRaw<{ parentId: number; n: number }[]>`SELECT parent_provider_id AS "parentId", COUNT(*) AS n FROM resource_providers
      WHERE parent_provider_id IN (${inList(parentIds)}) GROUP BY parent_provider_id`,
  );
