// Writing consumers' allocations (SPEC §9): one consumer (replace), several at once (moves), delete.
// All consumers of one call are checked together against the final state and written in one
// transaction, so a move never double-counts and never half-happens.
import { Prisma as P } from './generated/client.ts';
import type { Tx } from './client.ts';
import { DomainError } from '../domain/errors.ts';
import { assertUnique, parse, schemas } from '../domain/names.ts';
import { checkAllocations, validateAllocationShape, type ProviderAllocation, type ProviderCapacityState } from '../domain/allocation.ts';
import { providersChanged } from './changes.ts';
import { bumpProviderGeneration, expectGeneration, lockProviders, LostRace } from './tx.ts';
import {
  allocationsOfConsumers,
  classIds,
  consumersByUuid,
  inventoriesOf,
  numbers,
  providersByUuid,
  usagesOf,
  type ConsumerRow,
  type ProviderRow,
} from './reads.ts';

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
function validate(writes: readonly ConsumerAllocations[]): ConsumerAllocations[] {
  const clean = writes.map((w) => {
    const consumerUuid = parse(schemas.uuid, w.consumerUuid, 'consumer uuid:');
    const allocations = w.allocations.map((a) => ({ ...a, providerUuid: parse(schemas.uuid, a.providerUuid, 'provider uuid:') }));
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
  assertUnique(clean.map((w) => w.consumerUuid), 'consumer');
  return clean;
}

/** Ids for external project/user/type names, inserting those first seen (usually none are new: one read). */
async function ensureNames(tx: Tx, table: 'projects' | 'users' | 'consumer_types', column: 'external_id' | 'name', names: string[]) {
  const unique = [...new Set(names)];
  const t = P.raw(table);
  const c = P.raw(column);
  const read = async () =>
    new Map(numbers(await tx.$queryRaw<{ id: number; name: string }[]>`SELECT id, ${c} AS name FROM ${t} WHERE ${c} IN (${P.join(unique)})`).map((r) => [r.name, r.id]));
  const ids = await read();
  const missing = unique.filter((n) => !ids.has(n));
  if (!missing.length) return ids;
  await tx.$executeRaw`INSERT INTO ${t} (${c}) VALUES ${P.join(missing.map((n) => P.sql`(${n})`))} ON CONFLICT DO NOTHING`;
  return read();
}

/**
 * Replaces the allocations of every consumer in `writes` in the current transaction. Returns the
 * uuids of the consumers that still exist afterwards (a consumer left with nothing is removed).
 */
export async function writeAllocations(tx: Tx, input: readonly ConsumerAllocations[]): Promise<string[]> {
  const writes = validate(input);
  if (!writes.length) return [];
  const existing = new Map((await consumersByUuid(tx, writes.map((w) => w.consumerUuid))).map((c) => [c.uuid, c]));
  for (const w of writes) expectGeneration('consumer', w.consumerUuid, w.consumerGeneration, existing.get(w.consumerUuid)?.generation ?? null);

  const providerUuids = [...new Set(writes.flatMap((w) => w.allocations.map((a) => a.providerUuid)))];
  const providers = new Map((await providersByUuid(tx, providerUuids)).map((p) => [p.uuid, p]));
  const missing = providerUuids.filter((u) => !providers.has(u));
  if (missing.length) throw new DomainError('NOT_FOUND', `Allocation for provider(s) that do not exist: ${missing.join(', ')}`);
  const classNames = [...new Set(writes.flatMap((w) => w.allocations.flatMap((a) => a.resources.map((r) => r.resourceClass))))];
  const classes = await classIds(tx, classNames);
  const unknown = classNames.filter((n) => !classes.has(n));
  if (unknown.length) throw new DomainError('BAD_VALUE', `Unknown resource class(es): ${unknown.join(', ')}`);

  const oldConsumers = [...existing.values()];
  const oldAllocations = await allocationsOfConsumers(tx, oldConsumers.map((c) => c.id));

  // Generations to compare-and-swap, as in the reference: the providers a consumer now allocates
  // from, and for a consumer emptied out the providers it held (providers merely left behind by a
  // move keep theirs). Read, and on PostgreSQL locked, BEFORE usage: a generation read after the
  // capacity check could already include another writer's claim and let both succeed.
  const targets = new Set<number>();
  for (const w of writes) {
    if (w.allocations.length) for (const a of w.allocations) targets.add(providers.get(a.providerUuid)!.id);
    else for (const a of oldAllocations) if (a.consumerUuid === w.consumerUuid) targets.add(a.providerId);
  }
  const seen = await lockProviders(tx, [...targets]);
  await checkAgainstUsage(tx, writes, providers, oldConsumers);

  // Write: consumers first (a consumer row must exist before its allocations reference it).
  const kept = writes.filter((w) => w.allocations.length);
  const emptied = writes.filter((w) => !w.allocations.length && existing.has(w.consumerUuid)).map((w) => existing.get(w.consumerUuid)!);
  const consumerIds = new Map<string, number>();
  if (kept.length) {
    const projects = await ensureNames(tx, 'projects', 'external_id', kept.map((w) => w.projectId));
    const users = await ensureNames(tx, 'users', 'external_id', kept.map((w) => w.userId));
    const types = await ensureNames(tx, 'consumer_types', 'name', kept.map((w) => w.consumerType));
    for (const w of kept) {
      const old = existing.get(w.consumerUuid);
      const [projectId, userId, typeId] = [projects.get(w.projectId)!, users.get(w.userId)!, types.get(w.consumerType)!];
      if (old) {
        const changed = await tx.$executeRaw`UPDATE consumers SET generation = generation + 1, project_id = ${projectId}, user_id = ${userId},
          consumer_type_id = ${typeId}, updated_at = CURRENT_TIMESTAMP WHERE id = ${old.id} AND generation = ${old.generation}`;
        if (changed !== 1) throw new LostRace();
        consumerIds.set(w.consumerUuid, old.id);
      } else {
        // A consumer is born with its first allocations, at generation 1 (the reference's numbering).
        const created = await tx.consumer.create({ data: { uuid: w.consumerUuid, projectId, userId, consumerTypeId: typeId, generation: 1 } });
        consumerIds.set(w.consumerUuid, created.id);
      }
    }
  }
  const touched = [...consumerIds.values(), ...emptied.map((c) => c.id)];
  if (touched.length) await tx.$executeRaw`DELETE FROM allocations WHERE consumer_id IN (${P.join(touched)})`;
  const rows = kept.flatMap((w) =>
    w.allocations.flatMap((a) =>
      a.resources.map((r) => P.sql`(${providers.get(a.providerUuid)!.id}, ${consumerIds.get(w.consumerUuid)}, ${classes.get(r.resourceClass)}, ${r.amount})`),
    ),
  );
  if (rows.length) await tx.$executeRaw`INSERT INTO allocations (resource_provider_id, consumer_id, resource_class_id, used) VALUES ${P.join(rows)}`;
  // A consumer left holding nothing is removed (compare-and-swap on its generation, like an update).
  for (const c of emptied) {
    if ((await tx.$executeRaw`DELETE FROM consumers WHERE id = ${c.id} AND generation = ${c.generation}`) !== 1) throw new LostRace();
  }

  // In id order, so that concurrent writers touching the same providers queue instead of deadlocking.
  for (const id of [...seen.keys()].sort((a, b) => a - b)) await bumpProviderGeneration(tx, id, seen.get(id)!);
  // Providers a move left behind keep their generation but not their usage.
  providersChanged(tx, oldAllocations.map((a) => a.providerId));
  return kept.map((w) => w.consumerUuid);
}

/** Loads what the capacity rules need for the providers written to, then applies them. */
async function checkAgainstUsage(tx: Tx, writes: ConsumerAllocations[], providers: Map<string, ProviderRow>, rewritten: ConsumerRow[]) {
  const ids = [...providers.values()].map((p) => p.id);
  const [inventories, usages] = await Promise.all([inventoriesOf(tx, ids), usagesOf(tx, ids, rewritten.map((c) => c.id))]);
  const state = new Map<string, ProviderCapacityState>();
  const byId = new Map([...providers.values()].map((p) => [p.id, p]));
  for (const p of providers.values()) state.set(p.uuid, { uuid: p.uuid, inventories: new Map(), usedByOthers: new Map() });
  for (const i of inventories) state.get(byId.get(i.providerId)!.uuid)!.inventories.set(i.resourceClass, i);
  for (const u of usages) state.get(byId.get(u.providerId)!.uuid)!.usedByOthers.set(u.resourceClass, u.used);
  checkAllocations(writes.flatMap((w) => w.allocations), state);
}

/**
 * Removes all of a consumer's allocations (and the consumer); NOT_FOUND when it holds none. Unlike
 * writing an empty set, this leaves provider generations alone: the reference does the same.
 */
export async function deleteAllocations(tx: Tx, consumerUuid: string): Promise<void> {
  const uuid = parse(schemas.uuid, consumerUuid, 'consumer uuid:');
  const [consumer] = await consumersByUuid(tx, [uuid]);
  if (!consumer) throw new DomainError('NOT_FOUND', `No allocations for consumer ${uuid}`);
  const freed = await tx.$queryRaw<{ id: number }[]>`DELETE FROM allocations WHERE consumer_id = ${consumer.id} RETURNING resource_provider_id AS id`;
  providersChanged(tx, freed.map((r) => r.id));
  if ((await tx.$executeRaw`DELETE FROM consumers WHERE id = ${consumer.id} AND generation = ${consumer.generation}`) !== 1) throw new LostRace();
}
