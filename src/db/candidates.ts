// Loads the World a candidates request needs, in a handful of set-based statements whatever the
// number of providers: first the roots of the trees that can matter (trees holding a provider with
// room for some requested amount, and trees a sharing provider with such room is anchored to),
// then those trees whole, with traits, aggregates and inventories with usage.
import { Prisma as P } from './generated/client.ts';
import type { Tx } from './client.ts';
import { fail } from '../domain/errors.ts';
import { namesUsed, type CandidatesRequest } from '../domain/candidates/request.ts';
import { SHARING_TRAIT, type Stock, type World, type WorldProvider } from '../domain/candidates/world.ts';
import { classIds, numbers, traitIds } from './reads.ts';

/** Keeps IN lists well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 10_000;

async function chunked<T>(ids: number[], read: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await read(ids.slice(i, i + CHUNK))));
  return out;
}

/** Checks every named class and trait exists (BAD_VALUE otherwise, as the reference's 400). */
export async function checkNames(db: Tx, req: CandidatesRequest): Promise<Map<string, number>> {
  const { traits, classes } = namesUsed(req);
  const [rcIds, tIds] = await Promise.all([classIds(db, classes), traitIds(db, traits)]);
  const unknownClasses = classes.filter((c) => !rcIds.has(c));
  if (unknownClasses.length) fail('BAD_VALUE', `unknown resource class: ${unknownClasses.join(', ')}`);
  const unknownTraits = traits.filter((t) => !tIds.has(t));
  if (unknownTraits.length) fail('BAD_VALUE', `unknown trait: ${unknownTraits.join(', ')}`);
  return rcIds;
}

/** Roots of every tree with a provider that has room for one of the requested (class, amount). */
async function relevantRoots(db: Tx, req: CandidatesRequest, rcIds: Map<string, number>): Promise<number[]> {
  const asks = new Map<string, { rc: number; amount: number }>();
  for (const g of req.groups) for (const [rc, amount] of g.resources) asks.set(`${rc}:${amount}`, { rc: rcIds.get(rc)!, amount });
  const fitsOne = P.join(
    [...asks.values()].map(
      ({ rc, amount }) => P.sql`(i.resource_class_id = ${rc} AND COALESCE(u.used, 0) + ${amount} <= (i.total - i.reserved) * i.allocation_ratio
        AND i.min_unit <= ${amount} AND i.max_unit >= ${amount} AND ${amount} % i.step_size = 0)`,
    ),
    ' OR ',
  );
  const classes = P.join([...new Set([...asks.values()].map((a) => a.rc))]);
  const rows = numbers(
    await db.$queryRaw<{ root: number }[]>`
      WITH fit AS (
        SELECT p.id, p.root_provider_id AS root
        FROM inventories i
        JOIN resource_providers p ON p.id = i.resource_provider_id
        LEFT JOIN (SELECT resource_provider_id, resource_class_id, SUM(used) AS used FROM allocations
                   WHERE resource_class_id IN (${classes}) GROUP BY resource_provider_id, resource_class_id) u
          ON u.resource_provider_id = i.resource_provider_id AND u.resource_class_id = i.resource_class_id
        WHERE ${fitsOne}
      )
      SELECT root FROM fit
      UNION
      SELECT p2.root_provider_id FROM fit
        JOIN resource_provider_traits rpt ON rpt.resource_provider_id = fit.id
        JOIN traits t ON t.id = rpt.trait_id AND t.name = ${SHARING_TRAIT}
        JOIN resource_provider_aggregates a1 ON a1.resource_provider_id = fit.id
        JOIN resource_provider_aggregates a2 ON a2.aggregate_id = a1.aggregate_id
        JOIN resource_providers p2 ON p2.id = a2.resource_provider_id`,
  );
  return rows.map((r) => r.root).sort((a, b) => a - b);
}

export async function loadWorld(db: Tx, req: CandidatesRequest): Promise<World> {
  const rcIds = await checkNames(db, req);
  const roots = await relevantRoots(db, req, rcIds);
  const providers = new Map<number, WorldProvider & { traits: Set<string>; aggregates: Set<string>; stock: Map<string, Stock> }>();
  if (!roots.length) return { providers, classIds: rcIds };

  const inRoots = (ids: number[]) => P.sql`p.root_provider_id IN (${P.join(ids)})`;
  const rows = await chunked(roots, async (ids) =>
    numbers(
      await db.$queryRaw<{ id: number; uuid: string; parentId: number | null; rootId: number }[]>`
        SELECT p.id, p.uuid, p.parent_provider_id AS "parentId", p.root_provider_id AS "rootId"
        FROM resource_providers p WHERE ${inRoots(ids)} ORDER BY p.id`,
    ),
  );
  for (const r of rows) providers.set(r.id, { ...r, traits: new Set(), aggregates: new Set(), stock: new Map() });

  const [traits, aggregates, stock] = await Promise.all([
    chunked(roots, async (ids) =>
      numbers(
        await db.$queryRaw<{ id: number; name: string }[]>`
          SELECT p.id, t.name FROM resource_providers p
          JOIN resource_provider_traits rpt ON rpt.resource_provider_id = p.id
          JOIN traits t ON t.id = rpt.trait_id WHERE ${inRoots(ids)}`,
      ),
    ),
    chunked(roots, async (ids) =>
      numbers(
        await db.$queryRaw<{ id: number; uuid: string }[]>`
          SELECT p.id, a.uuid FROM resource_providers p
          JOIN resource_provider_aggregates rpa ON rpa.resource_provider_id = p.id
          JOIN aggregates a ON a.id = rpa.aggregate_id WHERE ${inRoots(ids)}`,
      ),
    ),
    chunked(roots, async (ids) =>
      numbers(
        await db.$queryRaw<(Stock & { id: number; rc: string; rcId: number })[]>`
          SELECT p.id, rc.name AS rc, rc.id AS "rcId", i.total, i.reserved, i.min_unit AS "minUnit", i.max_unit AS "maxUnit",
            i.step_size AS "stepSize", i.allocation_ratio AS "allocationRatio",
            COALESCE((SELECT SUM(a.used) FROM allocations a
                      WHERE a.resource_provider_id = i.resource_provider_id AND a.resource_class_id = i.resource_class_id), 0) AS used
          FROM resource_providers p
          JOIN inventories i ON i.resource_provider_id = p.id
          JOIN resource_classes rc ON rc.id = i.resource_class_id
          WHERE ${inRoots(ids)}`,
      ),
    ),
  ]);
  for (const t of traits) providers.get(t.id)!.traits.add(t.name);
  for (const a of aggregates) providers.get(a.id)!.aggregates.add(a.uuid);
  const classIdsAll = new Map(rcIds);
  for (const s of stock) {
    const { id, rc, rcId, ...values } = s;
    providers.get(id)!.stock.set(rc, { ...values, allocationRatio: Number(values.allocationRatio) });
    classIdsAll.set(rc, rcId);
  }
  return { providers, classIds: classIdsAll };
}
