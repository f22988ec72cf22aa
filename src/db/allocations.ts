// Writing consumers' allocations (SPEC §9): one consumer (replace), several at once (moves), delete.
// All consumers of one call are checked together against the final state and written in one
// transaction, so a move never double-counts and never half-happens.

import { checkAllocations, type ProviderAllocation, type ProviderCapacityState, validateAllocationShape } from '../domain/allocation.ts';
import { DomainError } from '../domain/errors.ts';
import { assertKnown, noSuchProviders } from '../domain/messages.ts';
import { assertUnique, parse, schemas } from '../domain/names.ts';
import { consumerChanged, providersChanged, type WriteTx } from './changes.ts';
import type { Tx } from './client.ts';
import { Prisma as P } from './generated/client.ts';
import { allocationsOfConsumers, type ConsumerRow, classIds, consumersByUuid, inventoriesOf, numbers, type ProviderRow, providersByUuid, usagesOf } from './reads.ts';
import { bumpProviderGenerations, expectGeneration, LostRace, lockProviders } from './tx.ts';

export interface ConsumerAllocations {
  consumerUuid: string;
  /** The generation the client last saw; null: "this consumer does not exist yet". */
  consumerGeneration: number | null;
  projectId: string;
  userId: string;
  consumerType: string;
  allocations: ProviderAllocation[];
}

/** Normalises ids and checks shapes before anything is read. */
export function validate(writes: readonly ConsumerAllocations[]): ConsumerAllocations[] {
  const clean = writes.map((w) => {
    const consumerUuid = parse(schemas.uuid, w.consumerUuid, 'consumer uuid');
    const allocations = w.allocations.map((a) => ({ ...a, providerUuid: parse(schemas.uuid, a.providerUuid, 'provider uuid') }));
    validateAllocationShape(allocations, consumerUuid);
    return {
      ...w,
      consumerUuid,
      projectId: parse(schemas.externalId, w.projectId, 'projectId'),
      userId: parse(schemas.externalId, w.userId, 'userId'),
      consumerType: parse(schemas.consumerType, w.consumerType, 'consumerType'),
      allocations,
    };
  });
  assertUnique(
    clean.map((w) => w.consumerUuid),
    'consumer',
  );
  return clean;
}

type NameTable = 'projects' | 'users' | 'consumer_types';
const NAME_COLUMN: Record<NameTable, 'external_id' | 'name'> = { projects: 'external_id', users: 'external_id', consumer_types: 'name' };

/**
 * Ids of the projects, users and consumer types named, inserting those first seen. Usually none
 * is new: then one statement reads all three.
 */
async function ensureNames(tx: WriteTx, wanted: Record<NameTable, string[]>): Promise<Record<NameTable, Map<string, number>>> {
  const tables = Object.keys(wanted) as NameTable[];
  const read = async (which: NameTable[]) => {
    const parts = which.map(
      (t) => P.sql`SELECT ${P.raw(`'${t}'`)} AS tbl, id, ${P.raw(NAME_COLUMN[t])} AS name FROM ${P.raw(t)} WHERE ${P.raw(NAME_COLUMN[t])} IN (${P.join([...new Set(wanted[t])])})`,
    );
    return numbers(await tx.$queryRaw<{ tbl: NameTable; id: number; name: string }[]>`${P.join(parts, ' UNION ALL ')}`);
  };
  const ids = Object.fromEntries(tables.map((t) => [t, new Map<string, number>()])) as Record<NameTable, Map<string, number>>;
  for (const r of await read(tables)) ids[r.tbl].set(r.name, r.id);
  const incomplete = tables.filter((t) => wanted[t].some((n) => !ids[t].has(n)));
  for (const t of incomplete) {
    const missing = [...new Set(wanted[t].filter((n) => !ids[t].has(n)))];
    await tx.$executeRaw`INSERT INTO ${P.raw(t)} (${P.raw(NAME_COLUMN[t])}) VALUES ${P.join(missing.map((n) => P.sql`(${n})`))} ON CONFLICT DO NOTHING`;
  }
  if (incomplete.length) for (const r of await read(incomplete)) ids[r.tbl].set(r.name, r.id);
  return ids;
}

/**
 * What a caller already did in this transaction before writing (the claim pipeline's re-check):
 * read the consumers, locked the providers written to and read their generations under the locks,
 * and checked every allocation against their capacity and usage. Only for writes that all allocate.
 */
export interface Prechecked {
  /** The consumers that exist, by uuid, as read in this transaction. */
  consumers: ReadonlyMap<string, ConsumerRow>;
  /** Every provider written to, by uuid: its id and generation, locked. */
  providers: ReadonlyMap<string, { id: number; generation: number }>;
  /** Ids of every resource class written, by name (as the providers' inventories name them). */
  classes: ReadonlyMap<string, number>;
}

type WrittenProvider = Pick<ProviderRow, 'id' | 'uuid' | 'generation'>;

/**
 * Replaces the allocations of every consumer in `writes` in the current transaction. Returns the
 * uuids of the consumers that still exist afterwards (a consumer left with nothing is removed).
 */
export async function writeAllocations(tx: WriteTx, input: readonly ConsumerAllocations[], prechecked?: Prechecked): Promise<string[]> {
  const writes = validate(input);
  if (!writes.length) return [];
  const pre = prechecked && writes.every((w) => w.allocations.length) ? prechecked : undefined;
  const existing = pre
    ? new Map(writes.flatMap((w) => (pre.consumers.has(w.consumerUuid) ? [[w.consumerUuid, pre.consumers.get(w.consumerUuid)!] as const] : [])))
    : new Map(
        (
          await consumersByUuid(
            tx,
            writes.map((w) => w.consumerUuid),
          )
        ).map((c) => [c.uuid, c]),
      );
  for (const w of writes) expectGeneration('consumer', w.consumerUuid, w.consumerGeneration, existing.get(w.consumerUuid)?.generation ?? null);

  const providerUuids = [...new Set(writes.flatMap((w) => w.allocations.map((a) => a.providerUuid)))];
  const providers: Map<string, WrittenProvider> = pre
    ? new Map(providerUuids.flatMap((uuid) => (pre.providers.has(uuid) ? [[uuid, { uuid, ...pre.providers.get(uuid)! }] as const] : [])))
    : new Map((await providersByUuid(tx, providerUuids)).map((p) => [p.uuid, p]));
  const missing = providerUuids.filter((u) => !providers.has(u));
  if (missing.length) throw noSuchProviders(missing);
  const classNames = [...new Set(writes.flatMap((w) => w.allocations.flatMap((a) => a.resources.map((r) => r.resourceClass))))];
  const classes = pre && classNames.every((n) => pre.classes.has(n)) ? pre.classes : await classIds(tx, classNames);
  assertKnown('resource class', classNames, (n) => classes.has(n));

  const oldConsumers = [...existing.values()];
  const oldAllocations = oldConsumers.length
    ? await allocationsOfConsumers(
        tx,
        oldConsumers.map((c) => c.id),
      )
    : [];

  // Generations to compare-and-swap, as in the reference: the providers a consumer now allocates
  // from, and for a consumer emptied out the providers it held (providers merely left behind by a
  // move keep theirs). Read, and on PostgreSQL locked, BEFORE usage: a generation read after the
  // capacity check could already include another writer's claim and let both succeed.
  const targets = new Set<number>();
  for (const w of writes) {
    if (w.allocations.length) for (const a of w.allocations) targets.add(providers.get(a.providerUuid)!.id);
    else for (const a of oldAllocations) if (a.consumerUuid === w.consumerUuid) targets.add(a.providerId);
  }
  const known = new Map([...providers.values()].map((p) => [p.id, p.generation]));
  const seen = pre ? known : await lockProviders(tx, [...targets], known);
  if (!pre) await checkAgainstUsage(tx, writes, providers, oldConsumers);

  // Write: consumers first (a consumer row must exist before its allocations reference it).
  const kept = writes.filter((w) => w.allocations.length);
  const emptied = writes.filter((w) => !w.allocations.length && existing.has(w.consumerUuid)).map((w) => existing.get(w.consumerUuid)!);
  const consumerIds = new Map<string, number>();
  if (kept.length) {
    const {
      projects,
      users,
      consumer_types: types,
    } = await ensureNames(tx, {
      projects: kept.map((w) => w.projectId),
      users: kept.map((w) => w.userId),
      consumer_types: kept.map((w) => w.consumerType),
    });
    const ids = (w: ConsumerAllocations) => [projects.get(w.projectId)!, users.get(w.userId)!, types.get(w.consumerType)!];
    const born: ConsumerAllocations[] = [];
    for (const w of kept) {
      const old = existing.get(w.consumerUuid);
      if (!old) {
        born.push(w);
        continue;
      }
      const [projectId, userId, typeId] = ids(w);
      const changed = await tx.$executeRaw`UPDATE consumers SET generation = generation + 1, project_id = ${projectId}, user_id = ${userId},
        consumer_type_id = ${typeId}, updated_at = CURRENT_TIMESTAMP WHERE id = ${old.id} AND generation = ${old.generation}`;
      if (changed !== 1) throw new LostRace();
      consumerIds.set(w.consumerUuid, old.id);
    }
    if (born.length) {
      // New consumers in one statement (a batch of claims makes many), born with their first
      // allocations at generation 1 (the reference's numbering). One that another writer created
      // meanwhile is not inserted: the race is run again, and then sees it.
      const created = numbers(
        await tx.$queryRaw<{ id: number; uuid: string }[]>`INSERT INTO consumers (uuid, project_id, user_id, consumer_type_id, generation)
          VALUES ${P.join(born.map((w) => P.sql`(${w.consumerUuid}, ${P.join(ids(w))}, 1)`))} ON CONFLICT (uuid) DO NOTHING RETURNING id, uuid`,
      );
      if (created.length !== born.length) throw new LostRace();
      for (const c of created) consumerIds.set(c.uuid, c.id);
    }
  }
  // Only consumers that existed before hold allocations to replace.
  const replaced = oldConsumers.map((c) => c.id);
  if (replaced.length) await tx.$executeRaw`DELETE FROM allocations WHERE consumer_id IN (${P.join(replaced)})`;
  const rows = kept.flatMap((w) =>
    w.allocations.flatMap((a) => a.resources.map((r) => P.sql`(${providers.get(a.providerUuid)!.id}, ${consumerIds.get(w.consumerUuid)}, ${classes.get(r.resourceClass)}, ${r.amount})`)),
  );
  if (rows.length) await tx.$executeRaw`INSERT INTO allocations (resource_provider_id, consumer_id, resource_class_id, used) VALUES ${P.join(rows)}`;
  // A consumer left holding nothing is removed (compare-and-swap on its generation, like an update).
  for (const c of emptied) {
    if ((await tx.$executeRaw`DELETE FROM consumers WHERE id = ${c.id} AND generation = ${c.generation}`) !== 1) throw new LostRace();
  }

  await bumpProviderGenerations(tx, seen, 'USAGE');
  // Providers a move left behind keep their generation but not their usage.
  providersChanged(
    tx,
    oldAllocations.map((a) => a.providerId),
    'USAGE',
  );
  for (const w of writes) {
    const before = existing.get(w.consumerUuid);
    if (!w.allocations.length && !before) continue; // nothing held, nothing written
    const held = oldAllocations.filter((a) => a.consumerUuid === w.consumerUuid).map((a) => a.providerId);
    const holds = w.allocations.map((a) => providers.get(a.providerUuid)!.id);
    consumerChanged(tx, w.consumerUuid, w.allocations.length ? w.projectId : before!.projectId, !w.allocations.length, [...held, ...holds]);
  }
  return kept.map((w) => w.consumerUuid);
}

/** Loads what the capacity rules need for the providers written to, then applies them. */
async function checkAgainstUsage(tx: Tx, writes: ConsumerAllocations[], providers: Map<string, WrittenProvider>, rewritten: ConsumerRow[]) {
  const ids = [...providers.values()].map((p) => p.id);
  const [inventories, usages] = await Promise.all([
    inventoriesOf(tx, ids),
    usagesOf(
      tx,
      ids,
      rewritten.map((c) => c.id),
    ),
  ]);
  const state = new Map<string, ProviderCapacityState>();
  const byId = new Map([...providers.values()].map((p) => [p.id, p]));
  for (const p of providers.values()) state.set(p.uuid, { uuid: p.uuid, inventories: new Map(), usedByOthers: new Map() });
  for (const i of inventories) state.get(byId.get(i.providerId)!.uuid)!.inventories.set(i.resourceClass, i);
  for (const u of usages) state.get(byId.get(u.providerId)!.uuid)!.usedByOthers.set(u.resourceClass, u.used);
  checkAllocations(
    writes.flatMap((w) => w.allocations),
    state,
  );
}

/**
 * Removes all of a consumer's allocations (and the consumer); NOT_FOUND when it holds none. Unlike
 * writing an empty set, this leaves provider generations alone: the reference does the same.
 */
export async function deleteAllocations(tx: WriteTx, consumerUuid: string): Promise<void> {
  const uuid = parse(schemas.uuid, consumerUuid, 'consumer uuid');
  const [consumer] = await consumersByUuid(tx, [uuid]);
  if (!consumer) throw new DomainError('NOT_FOUND', `No allocations for consumer ${uuid}`);
  const freed = await tx.$queryRaw<{ id: number }[]>`DELETE FROM allocations WHERE consumer_id = ${consumer.id} RETURNING resource_provider_id AS id`;
  providersChanged(
    tx,
    freed.map((r) => r.id),
    'USAGE',
  );
  consumerChanged(
    tx,
    uuid,
    consumer.projectId,
    true,
    freed.map((r) => r.id),
  );
  if ((await tx.$executeRaw`DELETE FROM consumers WHERE id = ${consumer.id} AND generation = ${consumer.generation}`) !== 1) throw new LostRace();
}
