// Resource providers: create, update (rename, re-parent), delete, filtered listing.
import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import { assertKnown, noSuchProviders } from '../domain/messages.ts';
import { parse, schemas } from '../domain/names.ts';
import { type ProviderFilter, traitsNamed } from '../domain/providerFilter.ts';
import { assertNoLoop, subtreeIds } from '../domain/tree.ts';
import { providerDeleted, providersChanged, type WriteTx } from './changes.ts';
import type { Tx } from './client.ts';
import { fitsSql } from './fitSql.ts';
import { Prisma as P } from './generated/client.ts';
import { classIds, joinConditions, numbers, type ProviderRow, providersByUuid, traitIds, treesOf } from './reads.ts';
import { lockProviders } from './tx.ts';

export async function requireProvider(db: Tx, uuid: string): Promise<ProviderRow> {
  const [row] = await providersByUuid(db, [parse(schemas.uuid, uuid, 'provider uuid')]);
  if (!row) throw noSuchProviders([uuid]);
  return row;
}

async function requireParent(db: Tx, uuid: string): Promise<ProviderRow> {
  const [row] = await providersByUuid(db, [parse(schemas.uuid, uuid, 'parent uuid')]);
  if (!row) throw new DomainError('INVALID_PARENT', `Parent provider ${uuid} does not exist`);
  return row;
}

async function assertNameFree(db: Tx, name: string, exceptId?: number): Promise<void> {
  const rows = await db.$queryRaw<{ id: number }[]>`SELECT id FROM resource_providers WHERE name = ${name}`;
  if (rows.some((r) => Number(r.id) !== exceptId)) throw new DomainError('DUPLICATE_NAME', `A resource provider named ${JSON.stringify(name)} already exists`);
}

export async function createProvider(tx: WriteTx, input: { name: string; uuid?: string | null; parentUuid?: string | null }): Promise<ProviderRow> {
  const name = parse(schemas.providerName, input.name, 'name');
  const uuid = input.uuid == null ? randomUUID() : parse(schemas.uuid, input.uuid, 'uuid');
  const parent = input.parentUuid == null ? null : await requireParent(tx, input.parentUuid);
  if ((await providersByUuid(tx, [uuid])).length) throw new DomainError('DUPLICATE_UUID', `A resource provider with uuid ${uuid} already exists`);
  await assertNameFree(tx, name);
  const created = await tx.resourceProvider.create({ data: { uuid, name, parentId: parent?.id ?? null, rootId: parent?.rootId ?? null } });
  if (!parent) await tx.$executeRaw`UPDATE resource_providers SET root_provider_id = id WHERE id = ${created.id}`;
  providersChanged(tx, [created.id], 'CREATED');
  return (await providersByUuid(tx, [uuid]))[0];
}

/**
 * Renames and/or re-parents (`parentUuid` undefined: unchanged; null: become a root). The whole
 * subtree moves along and takes the new root. As in the reference, neither change bumps the
 * provider generation, and allocations in the moved subtree stay where they are.
 */
export async function updateProvider(tx: WriteTx, input: { uuid: string; name?: string | null; parentUuid?: string | null }): Promise<ProviderRow> {
  const rp = await requireProvider(tx, input.uuid);
  if (input.name != null && input.name !== rp.name) {
    const name = parse(schemas.providerName, input.name, 'name');
    await assertNameFree(tx, name, rp.id);
    await tx.$executeRaw`UPDATE resource_providers SET name = ${name}, updated_at = CURRENT_TIMESTAMP WHERE id = ${rp.id}`;
    providersChanged(tx, [rp.id], 'NAME');
  }
  if (input.parentUuid !== undefined && input.parentUuid !== rp.parentUuid) {
    const parent = input.parentUuid === null ? null : await requireParent(tx, input.parentUuid);
    if (parent) assertNoLoop(rp.uuid, await ancestorsOf(tx, parent));
    const newRoot = parent ? parent.rootId : rp.id;
    const moving = [...subtreeIds(await treesOf(tx, [rp.rootId]), rp.id)];
    await tx.$executeRaw`UPDATE resource_providers SET parent_provider_id = ${parent?.id ?? null}, updated_at = CURRENT_TIMESTAMP WHERE id = ${rp.id}`;
    await tx.$executeRaw`UPDATE resource_providers SET root_provider_id = ${newRoot} WHERE id IN (${P.join(moving)})`;
    providersChanged(tx, moving, 'TREE');
  }
  return (await providersByUuid(tx, [rp.uuid]))[0];
}

/** The uuids of `rp` and all its ancestors. */
async function ancestorsOf(tx: Tx, rp: ProviderRow): Promise<string[]> {
  const tree = new Map((await treesOf(tx, [rp.rootId])).map((r) => [r.id, r]));
  const out: string[] = [];
  for (let at: ProviderRow | undefined = rp; at; at = at.parentId === null ? undefined : tree.get(at.parentId)) out.push(at.uuid);
  return out;
}

export async function deleteProvider(tx: WriteTx, uuid: string): Promise<ProviderRow> {
  const rp = await requireProvider(tx, uuid);
  // Locked before counting (PostgreSQL): a claim writes allocations only under this row's lock, so
  // one that got there first is committed and counted, and one that comes later finds it gone.
  // Without the lock a claim committing in between made the delete fail on the foreign key.
  await lockProviders(tx, [rp.id]);
  const [{ children, allocations }] = numbers(
    await tx.$queryRaw<{ children: number; allocations: number }[]>`SELECT
      (SELECT COUNT(*) FROM resource_providers WHERE parent_provider_id = ${rp.id}) AS children,
      (SELECT COUNT(*) FROM allocations WHERE resource_provider_id = ${rp.id}) AS allocations`,
  );
  if (children > 0) throw new DomainError('PROVIDER_HAS_CHILDREN', `Unable to delete provider ${uuid}: it has child providers`);
  if (allocations > 0) throw new DomainError('PROVIDER_IN_USE', `Unable to delete provider ${uuid}: it has allocations`);
  // Inventories, trait and aggregate links go with it (ON DELETE CASCADE).
  await tx.$executeRaw`DELETE FROM resource_providers WHERE id = ${rp.id}`;
  providerDeleted(tx, rp.id, rp);
  return rp;
}

/** SQL conditions on `p` (resource_providers) for a validated filter; unknown traits or classes are bad values. */
export async function providerFilterSql(db: Tx, f: ProviderFilter): Promise<P.Sql> {
  const where: P.Sql[] = [P.sql`1 = 1`];
  if (f.name !== undefined) where.push(P.sql`p.name = ${f.name}`);
  if (f.uuid !== undefined) where.push(P.sql`p.uuid = ${f.uuid}`);
  // Every set of a list of any-of sets must be matched. One condition for all the sets: a provider
  // qualifies when its matches cover every set index. (A condition per set makes PostgreSQL's
  // planner take seconds for a few dozen sets.)
  const everySet = <T>(sets: readonly (readonly T[])[], cast: 'INTEGER' | 'TEXT') => {
    const rows = sets.flatMap((set, i) => set.map((v) => P.sql`(CAST(${i} AS INTEGER), CAST(${v} AS ${P.raw(cast)}))`));
    return { values: P.sql`(VALUES ${P.join(rows)}) AS wanted`, count: sets.length };
  };
  if (f.memberOf.length) {
    const { values, count } = everySet(f.memberOf, 'TEXT');
    where.push(P.sql`p.id IN (SELECT rpa.resource_provider_id FROM resource_provider_aggregates rpa
      JOIN aggregates ag ON ag.id = rpa.aggregate_id JOIN ${values} ON wanted.column2 = ag.uuid
      GROUP BY rpa.resource_provider_id HAVING COUNT(DISTINCT wanted.column1) = ${count})`);
  }
  if (f.notMemberOf.length) {
    where.push(P.sql`p.id NOT IN (SELECT rpa.resource_provider_id FROM resource_provider_aggregates rpa
      JOIN aggregates ag ON ag.id = rpa.aggregate_id WHERE ag.uuid IN (${P.join(f.notMemberOf)}))`);
  }

  const named = traitsNamed(f);
  const ids = await traitIds(db, named);
  assertKnown('trait', named, (t) => ids.has(t));
  // A required trait is an any-of set of one.
  const traitSets = [...f.requiredTraits.map((t) => [t]), ...f.anyTraits].map((set) => set.map((n) => ids.get(n)!));
  if (traitSets.length) {
    const { values, count } = everySet(traitSets, 'INTEGER');
    where.push(P.sql`p.id IN (SELECT rpt.resource_provider_id FROM resource_provider_traits rpt JOIN ${values} ON wanted.column2 = rpt.trait_id
      GROUP BY rpt.resource_provider_id HAVING COUNT(DISTINCT wanted.column1) = ${count})`);
  }
  if (f.forbiddenTraits.length) {
    where.push(P.sql`p.id NOT IN (SELECT resource_provider_id FROM resource_provider_traits WHERE trait_id IN (${P.join(f.forbiddenTraits.map((n) => ids.get(n)!))}))`);
  }

  if (f.rootsOnly) where.push(P.sql`p.parent_provider_id IS NULL`);
  if (f.inTree !== undefined) where.push(P.sql`p.root_provider_id = (SELECT root_provider_id FROM resource_providers WHERE uuid = ${f.inTree})`);

  const classes = await classIds(
    db,
    f.resources.map((r) => r.resourceClass),
  );
  assertKnown(
    'resource class',
    f.resources.map((r) => r.resourceClass),
    (c) => classes.has(c),
  );
  for (const { resourceClass, amount } of f.resources) {
    const rc = classes.get(resourceClass)!;
    where.push(P.sql`p.id IN (SELECT i.resource_provider_id FROM inventories i WHERE i.resource_class_id = ${rc} AND ${fitsSql(rc, amount)})`);
  }
  return joinConditions(where, 'AND');
}
