// Refs for the two node types, declared apart from their fields so that provider and consumer
// files can point at each other without an import cycle.

import type { ConsumerRow, ProviderRow } from '../../db/reads.ts';
import { builder } from '../builder.ts';
import { loadConsumers, loadProviders, readableConsumers } from '../loaders.ts';

export const ProviderRef = builder.loadableNodeRef<ProviderRow, string, string>('ResourceProvider', {
  id: { resolve: (p) => p.uuid },
  load: (uuids: string[], ctx) => loadProviders(ctx.db.reader, uuids),
  sort: (p) => p.uuid,
});

export const ConsumerRef = builder.loadableNodeRef<ConsumerRow, string, string>('Consumer', {
  id: { resolve: (c) => c.uuid },
  load: async (uuids: string[], ctx) => (await loadConsumers(ctx.db.reader, uuids)).filter(readableConsumers(ctx)),
  sort: (c) => c.uuid,
});

/** A resource class and an amount of it: the map entries of the reference's `resources` objects. */
export const ResourceAmount = builder.simpleObject('ResourceAmount', {
  description: 'An amount of one resource class.',
  fields: (t) => ({
    resourceClass: t.string({ description: 'Resource class name, e.g. VCPU or CUSTOM_FPGA.' }),
    amount: t.int({ description: 'How many units.' }),
  }),
});

export const ResourceAmountInput = builder.inputType('ResourceAmountInput', {
  description: 'An amount of one resource class; a class may appear once per list.',
  fields: (t) => ({
    resourceClass: t.string({ description: 'Resource class name, e.g. VCPU or CUSTOM_FPGA.' }),
    amount: t.int({ description: 'How many units (at least 1).' }),
  }),
});
