// Inventories: the object type, its input, and the mutations that replace, set and delete them.

import { deleteAllInventories, deleteInventory, setInventories, setInventory } from '../../db/inventories.ts';
import type { ProviderRow } from '../../db/reads.ts';
import { MAX_INT } from '../../domain/inventory.ts';
import { builder, mutationScopes, typeScopes } from '../builder.ts';
import { providerOf } from '../globalIds.ts';
import type { InventoryView } from '../loaders.ts';
import { runWrite, theProvider } from '../payload.ts';
import { ProviderRef } from './refs.ts';

export const Inventory = builder.objectRef<InventoryView>('Inventory').implement({
  ...typeScopes('Inventory'),
  description: 'How much of one resource class a provider has, and the rules for handing it out.',
  fields: (t) => ({
    resourceClass: t.exposeString('resourceClass', { description: 'The resource class.' }),
    total: t.exposeInt('total', { description: 'Units in all.' }),
    reserved: t.exposeInt('reserved', { description: 'Units held back from allocation.' }),
    minUnit: t.exposeInt('minUnit', { description: 'Smallest amount one allocation may take.' }),
    maxUnit: t.exposeInt('maxUnit', { description: 'Largest amount one allocation may take.' }),
    stepSize: t.exposeInt('stepSize', { description: 'Allocated amounts must be multiples of this.' }),
    allocationRatio: t.exposeFloat('allocationRatio', { description: 'Overcommit factor applied to total - reserved.' }),
    capacity: t.expose('capacity', { type: 'SafeInt', description: 'floor((total - reserved) * allocationRatio): the most that can be allocated in all.' }),
    used: t.expose('used', { type: 'SafeInt', description: 'Units currently allocated (may exceed capacity after the inventory was lowered).' }),
  }),
});

export const Usage = builder.objectRef<InventoryView>('Usage').implement({
  ...typeScopes('Usage'),
  description: 'Units of one resource class allocated on a provider.',
  fields: (t) => ({
    resourceClass: t.exposeString('resourceClass', { description: 'The resource class.' }),
    used: t.expose('used', { type: 'SafeInt', description: 'Units allocated.' }),
  }),
});

export const InventoryInput = builder.inputType('InventoryInput', {
  description: 'One inventory record. Omitted optional fields take the reference defaults.',
  fields: (t) => ({
    resourceClass: t.string({ description: 'The resource class; it must exist.' }),
    total: t.int({ description: `Units in all, 1..${MAX_INT}.` }),
    reserved: t.int({ required: false, description: 'Units held back, 0..total (default 0).' }),
    minUnit: t.int({ required: false, description: 'Smallest allocation, 1..maxUnit (default 1).' }),
    maxUnit: t.int({ required: false, description: `Largest allocation (default ${MAX_INT}).` }),
    stepSize: t.int({ required: false, description: 'Allocation granularity (default 1).' }),
    allocationRatio: t.float({ required: false, description: 'Overcommit factor, > 0 (default 1.0).' }),
  }),
});

const payload = (name: string, description: string) => ({
  name,
  description,
  // biome-ignore lint/suspicious/noExplicitAny: a payload shape shared by several relayMutationFields; Pothos types its field builder per field
  outputFields: (t: any) => ({
    resourceProvider: t.field({ type: ProviderRef, description: 'The provider after the write, with its new generation.', resolve: (p: ProviderRow) => p.uuid }),
  }),
});

builder.relayMutationField(
  'setInventories',
  {
    description: "Replaces a provider's whole inventory.",
    inputFields: (t) => ({
      providerUuid: t.string({ description: 'The provider: its uuid or global id.' }),
      providerGeneration: t.int({ description: 'The provider generation last seen.' }),
      inventories: t.field({ type: [InventoryInput], description: 'The complete new inventory; classes left out are removed.' }),
    }),
  },
  {
    ...mutationScopes('setInventories'),
    description:
      'Replaces all inventory of a provider and bumps its generation. Errors: NOT_FOUND, CONCURRENT_UPDATE, INVALID_INVENTORY, BAD_VALUE (unknown class), DUPLICATE_KEY, INVENTORY_IN_USE (a removed class has allocations).',
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => setInventories(tx, providerOf(input), input.providerGeneration, input.inventories), theProvider),
  },
  payload('SetInventoriesPayload', 'The provider with its new inventory.'),
);

builder.relayMutationField(
  'setInventory',
  {
    description: 'Creates or updates one class of inventory.',
    inputFields: (t) => ({
      providerUuid: t.string({ description: 'The provider: its uuid or global id.' }),
      providerGeneration: t.int({ description: 'The provider generation last seen.' }),
      inventory: t.field({ type: InventoryInput, description: 'The inventory record.' }),
    }),
  },
  {
    ...mutationScopes('setInventory'),
    description: 'Creates or replaces the inventory of one class and bumps the provider generation. Errors: NOT_FOUND, CONCURRENT_UPDATE, INVALID_INVENTORY, BAD_VALUE.',
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => setInventory(tx, providerOf(input), input.providerGeneration, input.inventory), theProvider),
  },
  payload('SetInventoryPayload', 'The provider with the inventory set.'),
);

builder.relayMutationField(
  'deleteInventory',
  {
    description: 'One class of inventory to remove.',
    inputFields: (t) => ({
      providerUuid: t.string({ description: 'The provider: its uuid or global id.' }),
      providerGeneration: t.int({ required: false, description: 'If given, the write is refused unless this is the current generation.' }),
      resourceClass: t.string({ description: 'The class whose inventory to remove.' }),
    }),
  },
  {
    ...mutationScopes('deleteInventory'),
    description: 'Removes the inventory of one class and bumps the provider generation. Errors: NOT_FOUND, CONCURRENT_UPDATE, INVENTORY_IN_USE.',
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => deleteInventory(tx, providerOf(input), input.providerGeneration, input.resourceClass), theProvider),
  },
  payload('DeleteInventoryPayload', 'The provider without that inventory.'),
);

builder.relayMutationField(
  'deleteInventories',
  {
    description: 'The provider whose inventory to remove.',
    inputFields: (t) => ({
      providerUuid: t.string({ description: 'The provider: its uuid or global id.' }),
      providerGeneration: t.int({ required: false, description: 'If given, the write is refused unless this is the current generation.' }),
    }),
  },
  {
    ...mutationScopes('deleteInventories'),
    description: 'Removes all inventory of a provider and bumps its generation. Errors: NOT_FOUND, CONCURRENT_UPDATE, INVENTORY_IN_USE.',
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => deleteAllInventories(tx, providerOf(input), input.providerGeneration), theProvider),
  },
  payload('DeleteInventoriesPayload', 'The provider without inventory.'),
);
