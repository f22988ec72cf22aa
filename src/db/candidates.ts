// Loads the World a candidates request needs, in a handful of set-based statements whatever the
// number of providers: first the roots of the trees that can matter (trees holding a provider with
// room for some requested amount, and trees a sharing provider with such room is anchored to),
// then those trees whole, with traits, aggregates and inventories with usage.

import { assertNamesKnown, type CandidatesRequest, namesUsed } from '../domain/candidates/request.ts';
import { SHARING_TRAIT, type Stock, type World, type WorldProvider } from '../domain/candidates/world.ts';
import type { Tx } from './client.ts';
import { fitsSql } from './fitSql.ts';
import { Prisma as P } from './generated/client.ts';
import { classIds, joinConditions, numbers, traitIds } from './reads.ts';

/** Keeps IN lists well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 10_000;

async function chunked<T>(ids: readonly number[], read: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await read(ids.slice(i, i + CHUNK))));
  return out;
}

/** Checks every named class and trait exists (BAD_VALUE otherwise, as the reference's 400). */
export async function checkNames(db: Tx, req: CandidatesRequest): Promise<Map<string, number>> {
  const { traits, classes } = namesUsed(req);
  const [rcIds, tIds] = await Promise.all([classIds(db, classes), traitIds(db, traits)]);
  assertNamesKnown(
    req,
    (c) => rcIds.has(c),
    (t) => tIds.has(t),
  );
  return rcIds;
}

/** Roots of every tree with a provider that has room for one of the requested (class, amount). */
async function relevantRoots(db: Tx, req: CandidatesRequest, rcIds: Map<string, number>, maxRoots?: number): Promise<{ roots: number[]; truncated: boolean }> {
  const asks = new Map<string, { rc: number; amount: number }>();
  for (const g of req.groups) for (const [rc, amount] of g.resources) asks.set(`${rc}:${amount}`, { rc: rcIds.get(rc)!, amount });
  // Room for one requested (class, amount) on inventory row `i`; usage read through the covering
  // allocations index, so a walk over roots can stop as soon as it has enough.
  const fitsOne = joinConditions(
    [...asks.values()].map(({ rc, amount }) => P.sql`(i.resource_class_id = ${rc} AND ${fitsSql(rc, amount)})`),
    'OR',
  );
  const classes = P.join([...new Set([...asks.values()].map((a) => a.rc))]);
  // Trees with a provider that has room, in root order (a limited request stops early). CROSS JOIN
  // pins SQLite's join order (tree → its providers → their inventory rows by index); PostgreSQL
  // plans it as the plain join it is.
  const direct = numbers(
    await db.$queryRaw<{ root: number }[]>`
      SELECT r.id AS root FROM resource_providers r
      WHERE r.parent_provider_id IS NULL AND EXISTS (
        SELECT 1 FROM resource_providers p CROSS JOIN inventories i
        WHERE p.root_provider_id = r.id AND i.resource_provider_id = p.id AND i.resource_class_id IN (${classes}) AND (${fitsOne}))
      ORDER BY r.id ${maxRoots === undefined ? P.empty : P.sql`LIMIT ${maxRoots}`}`,
  );
  // ...and the trees sharing providers with room reach: sharingReach (src/domain/candidates/world.ts)
  // in SQL, held equal to it by test/sharingReach.test.ts.
  const shared = numbers(
    await db.$queryRaw<{ root: number }[]>`
      SELECT DISTINCT p2.root_provider_id AS root
      FROM resource_provider_traits rpt
      JOIN traits t ON t.id = rpt.trait_id AND t.name = ${SHARING_TRAIT}
      JOIN inventories i ON i.resource_provider_id = rpt.resource_provider_id AND i.resource_class_id IN (${classes}) AND (${fitsOne})
      JOIN resource_provider_aggregates a1 ON a1.resource_provider_id = rpt.resource_provider_id
      JOIN resource_provider_aggregates a2 ON a2.aggregate_id = a1.aggregate_id
      JOIN resource_providers p2 ON p2.id = a2.resource_provider_id`,
  );
  const truncated = maxRoots !== undefined && direct.length === maxRoots;
  return { roots: [...new Set([...direct, ...shared].map((r) => Number(r.root)))].sort((a, b) => a - b), truncated };
}

/** Concatenates a column per group: the spelling differs between the two databases. */
const concat = (dialect: Dialect, column: P.Sql) => (dialect === 'postgres' ? P.sql`string_agg(${column}, ',')` : P.sql`group_concat(${column}, ',')`);

export type Dialect = 'sqlite' | 'postgres';

/** Which providers to read: those of some trees, some providers by id, or (null) every one. */
export type ProviderSelection = { column: 'root_provider_id' | 'id'; ids: number[] } | null;

/**
 * Providers as the search sees them, in id order: place in the tree, traits, aggregates, and every
 * inventory with its usage. Two statements per chunk: providers with their traits and aggregates
 * folded into one row each, then inventories with usage. Few rows, little per-row driver overhead.
 */
export async function readProviders(db: Tx, dialect: Dialect, selection: ProviderSelection, knownClasses: ReadonlyMap<string, number>): Promise<WorldProvider[]> {
  const split = (list: string | null) => (list ? list.split(',') : []);
  const read = async (where: (alias: string) => P.Sql) => {
    const [rows, stock] = await Promise.all([
      db.$queryRaw<{ id: number; uuid: string; parentId: number | null; rootId: number; traits: string | null; aggregates: string | null }[]>`
        SELECT p.id, p.uuid, p.parent_provider_id AS "parentId", p.root_provider_id AS "rootId",
          (SELECT ${concat(dialect, P.sql`t.name`)} FROM resource_provider_traits rpt JOIN traits t ON t.id = rpt.trait_id
            WHERE rpt.resource_provider_id = p.id) AS traits,
          (SELECT ${concat(dialect, P.sql`a.uuid`)} FROM resource_provider_aggregates rpa JOIN aggregates a ON a.id = rpa.aggregate_id
            WHERE rpa.resource_provider_id = p.id) AS aggregates
        FROM resource_providers p WHERE ${where('p')} ORDER BY p.id`,
      db.$queryRaw<(Stock & { id: number; rcId: number })[]>`
        SELECT i.resource_provider_id AS id, i.resource_class_id AS "rcId", i.total, i.reserved, i.min_unit AS "minUnit", i.max_unit AS "maxUnit",
          i.step_size AS "stepSize", i.allocation_ratio AS "allocationRatio", COALESCE(u.used, 0) AS used
        FROM resource_providers p
        JOIN inventories i ON i.resource_provider_id = p.id
        LEFT JOIN (SELECT a.resource_provider_id, a.resource_class_id, SUM(a.used) AS used FROM allocations a
                   JOIN resource_providers ap ON ap.id = a.resource_provider_id WHERE ${where('ap')}
                   GROUP BY a.resource_provider_id, a.resource_class_id) u
          ON u.resource_provider_id = i.resource_provider_id AND u.resource_class_id = i.resource_class_id
        WHERE ${where('p')}`,
    ]);
    return { rows, stock };
  };
  const parts =
    selection === null ? [await read(() => P.sql`1 = 1`)] : await chunked(selection.ids, async (ids) => [await read((alias) => P.sql`${P.raw(`${alias}.${selection.column}`)} IN (${P.join(ids)})`)]);

  const providers = new Map<number, WorldProvider & { stock: Map<string, Stock> }>();
  for (const r of parts.flatMap((x) => x.rows)) {
    const id = Number(r.id);
    providers.set(id, {
      id,
      uuid: r.uuid,
      parentId: r.parentId === null ? null : Number(r.parentId),
      rootId: Number(r.rootId),
      traits: new Set(split(r.traits)),
      aggregates: new Set(split(r.aggregates)),
      stock: new Map(),
    });
  }
  const stock = parts.flatMap((x) => x.stock);
  const names = await classNames(db, [...new Set(stock.map((s) => Number(s.rcId)))], knownClasses);
  for (const s of stock) {
    // A provider created after its row was read (another chunk, another statement) is left for the next read.
    providers.get(Number(s.id))?.stock.set(names.get(Number(s.rcId))!, {
      total: Number(s.total),
      reserved: Number(s.reserved),
      minUnit: Number(s.minUnit),
      maxUnit: Number(s.maxUnit),
      stepSize: Number(s.stepSize),
      allocationRatio: Number(s.allocationRatio),
      used: Number(s.used),
    });
  }
  return [...providers.values()].sort((a, b) => a.id - b.id);
}

/**
 * With `maxRoots`, only the first trees that can matter are loaded (for a limited request that
 * needs only some candidates); `truncated` then says whether trees were left out.
 */
export async function loadWorld(db: Tx, req: CandidatesRequest, dialect: Dialect, maxRoots?: number): Promise<World & { truncated: boolean }> {
  const rcIds = await checkNames(db, req);
  const { roots, truncated } = await relevantRoots(db, req, rcIds, maxRoots);
  const providers = new Map<number, WorldProvider>();
  if (roots.length) for (const p of await readProviders(db, dialect, { column: 'root_provider_id', ids: roots }, rcIds)) providers.set(p.id, p);
  return { providers, classIds: rcIds, truncated };
}

/** Names of resource classes by id; those the request named are already known. */
async function classNames(db: Tx, ids: number[], known: ReadonlyMap<string, number>): Promise<Map<number, string>> {
  const out = new Map([...known].map(([name, id]) => [id, name]));
  const missing = ids.filter((id) => !out.has(id));
  if (missing.length) {
    for (const r of await db.$queryRaw<{ id: number; name: string }[]>`SELECT id, name FROM resource_classes WHERE id IN (${P.join(missing)})`) {
      out.set(Number(r.id), r.name);
    }
  }
  return out;
}

/** Every tree, for a request that judges them all (an explanation), when no world cache holds them. */
export async function loadWholeWorld(db: Tx, req: CandidatesRequest, dialect: Dialect): Promise<World> {
  const rcIds = await checkNames(db, req);
  return { providers: new Map((await readProviders(db, dialect, null, rcIds)).map((p) => [p.id, p])), classIds: rcIds };
}

/** Uuid and name of providers by id (an explanation names the ones it mentions). */
export async function providerNames(db: Tx, ids: readonly number[]): Promise<Map<number, { uuid: string; name: string }>> {
  const rows = await chunked(ids, (chunk) => db.$queryRaw<{ id: number; uuid: string; name: string }[]>`SELECT id, uuid, name FROM resource_providers WHERE id IN (${P.join(chunk)})`);
  return new Map(rows.map((r) => [Number(r.id), { uuid: r.uuid, name: r.name }]));
}
