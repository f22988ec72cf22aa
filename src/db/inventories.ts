// Inventories of a provider: replace all, set one, delete one, delete all (SPEC §8).

import { DomainError } from '../domain/errors.ts';
import { type Inventory, type InventoryInput, validateInventory } from '../domain/inventory.ts';
import { assertKnown } from '../domain/messages.ts';
import { assertUnique } from '../domain/names.ts';
import type { WriteTx } from './changes.ts';
import type { Tx } from './client.ts';
import { Prisma as P } from './generated/client.ts';
import { requireProvider } from './providers.ts';
import { classIds, inventoriesOf, numbers, type ProviderRow } from './reads.ts';
import { bumpProviderGeneration, expectGeneration } from './tx.ts';

/** Validates a whole set of inventories and resolves their classes. */
export async function validateInventories(tx: Tx, inputs: readonly InventoryInput[]): Promise<(Inventory & { classId: number })[]> {
  assertUnique(
    inputs.map((i) => i.resourceClass),
    'inventories: resource class',
  );
  const ids = await classIds(
    tx,
    inputs.map((i) => i.resourceClass),
  );
  assertKnown(
    'resource class',
    inputs.map((i) => i.resourceClass),
    (c) => ids.has(c),
  );
  return inputs.map((input) => ({ ...validateInventory(input), classId: ids.get(input.resourceClass)! }));
}

/** Refuses to remove classes that still have allocations on the provider. */
async function assertNotInUse(tx: Tx, rp: ProviderRow, classIdsToRemove: number[]): Promise<void> {
  if (!classIdsToRemove.length) return;
  const rows = await tx.$queryRaw<{ name: string }[]>`SELECT DISTINCT rc.name FROM allocations a JOIN resource_classes rc ON rc.id = a.resource_class_id
    WHERE a.resource_provider_id = ${rp.id} AND a.resource_class_id IN (${P.join(classIdsToRemove)})`;
  if (rows.length) {
    throw new DomainError(
      'INVENTORY_IN_USE',
      `Inventory of ${rows
        .map((r) => r.name)
        .sort()
        .join(', ')} on provider ${rp.uuid} has allocations and cannot be removed`,
    );
  }
}

/**
 * Writes `upserts` and removes `removeClassIds` without touching the generation; callers bump it.
 * Lowering a total below current usage is allowed, as in the reference.
 */
export async function writeInventoryRows(tx: WriteTx, rp: ProviderRow, upserts: (Inventory & { classId: number })[], removeClassIds: number[]): Promise<void> {
  await assertNotInUse(tx, rp, removeClassIds);
  if (removeClassIds.length) {
    await tx.$executeRaw`DELETE FROM inventories WHERE resource_provider_id = ${rp.id} AND resource_class_id IN (${P.join(removeClassIds)})`;
  }
  if (upserts.length) {
    const values = upserts.map((i) => P.sql`(${rp.id}, ${i.classId}, ${i.total}, ${i.reserved}, ${i.minUnit}, ${i.maxUnit}, ${i.stepSize}, ${i.allocationRatio})`);
    await tx.$executeRaw`INSERT INTO inventories (resource_provider_id, resource_class_id, total, reserved, min_unit, max_unit, step_size, allocation_ratio)
      VALUES ${P.join(values)}
      ON CONFLICT (resource_provider_id, resource_class_id) DO UPDATE SET total = excluded.total, reserved = excluded.reserved,
        min_unit = excluded.min_unit, max_unit = excluded.max_unit, step_size = excluded.step_size, allocation_ratio = excluded.allocation_ratio`;
  }
}

/** Replaces the provider's whole inventory set; classes absent from `inputs` are removed. */
export async function replaceInventories(tx: WriteTx, rp: ProviderRow, inputs: readonly InventoryInput[]): Promise<void> {
  const wanted = await validateInventories(tx, inputs);
  const keep = new Set(wanted.map((i) => i.classId));
  const current = await inventoriesOf(tx, [rp.id]);
  await writeInventoryRows(
    tx,
    rp,
    wanted,
    current.map((i) => i.resourceClassId).filter((id) => !keep.has(id)),
  );
}

export async function setInventories(tx: WriteTx, uuid: string, generation: number, inputs: readonly InventoryInput[]) {
  const rp = await requireProvider(tx, uuid);
  expectGeneration('provider', uuid, generation, rp.generation);
  await replaceInventories(tx, rp, inputs);
  await bumpProviderGeneration(tx, rp.id, rp.generation, 'INVENTORIES');
  return rp;
}

export async function setInventory(tx: WriteTx, uuid: string, generation: number, input: InventoryInput) {
  const rp = await requireProvider(tx, uuid);
  expectGeneration('provider', uuid, generation, rp.generation);
  await writeInventoryRows(tx, rp, await validateInventories(tx, [input]), []);
  await bumpProviderGeneration(tx, rp.id, rp.generation, 'INVENTORIES');
  return rp;
}

/** Deletes one class's inventory (NOT_FOUND when the provider has none of it). */
export async function deleteInventory(tx: WriteTx, uuid: string, generation: number | null | undefined, resourceClass: string) {
  const rp = await requireProvider(tx, uuid);
  if (generation != null) expectGeneration('provider', uuid, generation, rp.generation);
  const current = (await inventoriesOf(tx, [rp.id])).find((i) => i.resourceClass === resourceClass);
  if (!current) throw new DomainError('NOT_FOUND', `Provider ${uuid} has no inventory of ${resourceClass}`);
  await writeInventoryRows(tx, rp, [], [current.resourceClassId]);
  await bumpProviderGeneration(tx, rp.id, rp.generation, 'INVENTORIES');
  return rp;
}

export async function deleteAllInventories(tx: WriteTx, uuid: string, generation: number | null | undefined) {
  const rp = await requireProvider(tx, uuid);
  if (generation != null) expectGeneration('provider', uuid, generation, rp.generation);
  await replaceInventories(tx, rp, []);
  await bumpProviderGeneration(tx, rp.id, rp.generation, 'INVENTORIES');
  return rp;
}

export const countInventoriesUsingClass = async (db: Tx, classId: number) =>
  numbers(await db.$queryRaw<{ n: number }[]>`SELECT COUNT(*) AS n FROM inventories WHERE resource_class_id = ${classId}`)[0].n;
