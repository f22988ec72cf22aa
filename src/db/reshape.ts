// Reshape (SPEC §11): inventories of many providers and allocations of many consumers, atomically.
// Order matters so that only the final state is judged: add/update inventory first (allocations
// may move onto new classes), then rewrite allocations against it, then remove dropped inventory,
// which must by then have no allocations left.

import type { InventoryInput } from '../domain/inventory.ts';
import { assertUnique } from '../domain/names.ts';
import { type ConsumerAllocations, writeAllocations } from './allocations.ts';
import type { WriteTx } from './changes.ts';
import { validateInventories, writeInventoryRows } from './inventories.ts';
import { requireProvider } from './providers.ts';
import { inventoriesOf } from './reads.ts';
import { bumpProviderGeneration, expectGeneration } from './tx.ts';

export interface ProviderInventories {
  providerUuid: string;
  providerGeneration: number;
  inventories: InventoryInput[];
}

export async function reshape(tx: WriteTx, inventories: readonly ProviderInventories[], allocations: readonly ConsumerAllocations[]) {
  const plans = [];
  for (const entry of inventories) {
    const rp = await requireProvider(tx, entry.providerUuid);
    plans.push({ rp, wanted: await validateInventories(tx, entry.inventories), generation: entry.providerGeneration });
  }
  assertUnique(
    plans.map((p) => p.rp.uuid),
    'reshape provider',
  );
  for (const { rp, wanted, generation } of plans) {
    expectGeneration('provider', rp.uuid, generation, rp.generation);
    await writeInventoryRows(tx, rp, wanted, []);
    await bumpProviderGeneration(tx, rp.id, rp.generation, 'INVENTORIES');
  }
  await writeAllocations(tx, allocations);
  for (const { rp, wanted } of plans) {
    const keep = new Set(wanted.map((w) => w.classId));
    const drop = (await inventoriesOf(tx, [rp.id])).map((i) => i.resourceClassId).filter((id) => !keep.has(id));
    await writeInventoryRows(tx, rp, [], drop);
  }
  return plans.map((p) => p.rp);
}
