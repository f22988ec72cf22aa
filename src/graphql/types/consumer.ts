// Consumers and their allocations: the consumer node, claims (one consumer, or several at once),
// deletion, usage totals per project, and reshape.

import { encodeGlobalID } from '@pothos/plugin-relay';
import type { GraphQLResolveInfo } from 'graphql';
import { claimPipeline } from '../../candidates/pipeline.ts';
import { type ConsumerAllocations, deleteAllocations } from '../../db/allocations.ts';
import type { ConsumerRow } from '../../db/reads.ts';
import { reshape } from '../../db/reshape.ts';
import { ALL_CONSUMER_TYPES, projectUsages, UNKNOWN_CONSUMER_TYPE } from '../../db/usages.ts';
import { fail } from '../../domain/errors.ts';
import { builder, type Context, mutationScopes, queryScopes, typeScopes } from '../builder.ts';
import { uuidOf } from '../globalIds.ts';
import { type AllocationGroup, relations } from '../loaders.ts';
import { consumersAt, payloadReader, providersAt, runWrite } from '../payload.ts';
import { InventoryInput } from './inventory.ts';
import { ConsumerRef, ProviderRef, ResourceAmount, ResourceAmountInput } from './refs.ts';

const ConsumerAllocation = builder.objectRef<AllocationGroup>('ConsumerAllocation').implement({
  description: 'What a consumer holds on one provider.',
  fields: (t) => ({
    providerUuid: t.exposeString('providerUuid', {
      description: "The provider's uuid, for whoever may read the consumer (a project-reader included, which may not read `provider`).",
    }),
    provider: t.field({ type: ProviderRef, description: 'The provider (its generation is the one to expect now); provider data, so FORBIDDEN to a project-reader.', resolve: (g) => g.providerUuid }),
    resources: t.field({ type: [ResourceAmount], description: 'Amount held per resource class.', resolve: (g) => g.resources }),
  }),
});

ConsumerRef.implement({
  description: 'Whoever holds resources (an instance, a migration): a uuid with a project, a user, a type and a generation.',
  // A project-reader reads only consumers of its own project; the loader hides the others (loaders.ts).
  ...typeScopes<ConsumerRow>('Consumer', (c) => c.projectId),
  fields: (t) => ({
    uuid: t.exposeString('uuid', { description: 'The consumer uuid.' }),
    generation: t.exposeInt('generation', { description: 'Bumped by every allocation write; pass it back on the next write.' }),
    projectId: t.exposeString('projectId', { description: 'The project the consumer belongs to.' }),
    userId: t.exposeString('userId', { description: 'The user the consumer belongs to.' }),
    consumerType: t.string({
      nullable: true,
      description: 'INSTANCE, MIGRATION, ...; null for consumers written without one.',
      resolve: (c) => c.consumerType,
    }),
    allocations: t.field({
      type: [ConsumerAllocation],
      description: 'Allocations held, one entry per provider.',
      resolve: (c, _, ctx) => relations(ctx).consumerAllocations.load(c.id),
    }),
  }),
});

/** Sums over many allocations pass Int's range: a type of their own, with the same shape. */
const ResourceTotal = builder.simpleObject('ResourceTotal', {
  description: 'The sum of many allocations of one resource class.',
  fields: (t) => ({
    resourceClass: t.string({ description: 'Resource class name, e.g. VCPU or CUSTOM_FPGA.' }),
    amount: t.field({ type: 'SafeInt', description: 'Units in all.' }),
  }),
});

const UsageGroup = builder.simpleObject('UsageGroup', {
  description: "A project's usage of one consumer type.",
  fields: (t) => ({
    consumerType: t.string({ description: `The consumer type; "${UNKNOWN_CONSUMER_TYPE}" for consumers without one, "${ALL_CONSUMER_TYPES}" when every type was summed.` }),
    consumerCount: t.int({ description: 'How many consumers hold allocations in this group.' }),
    resources: t.field({ type: [ResourceTotal], description: 'Units used per resource class.' }),
  }),
});

builder.queryFields((t) => ({
  consumer: t.field({
    type: ConsumerRef,
    nullable: true,
    ...queryScopes('consumer'),
    description:
      "A consumer by uuid; null when it holds no allocations (consumers exist only while they hold some), and null too when the caller may not read it (another project's consumer, to a project-reader), so the answer does not tell whether it exists.",
    args: { uuid: t.arg.string({ required: true, description: 'The consumer uuid or global id.' }) },
    resolve: (_, { uuid }) => uuidOf(uuid, 'Consumer', 'uuid').toLowerCase(),
  }),
  usages: t.field({
    type: [UsageGroup],
    ...queryScopes('usages'),
    description: "Totals of a project's allocations, optionally narrowed to a user and/or a consumer type, grouped by consumer type.",
    args: {
      projectId: t.arg.string({ required: true, description: 'The project.' }),
      userId: t.arg.string({ required: false, description: 'Only consumers of this user.' }),
      consumerType: t.arg.string({
        required: false,
        description: `Only this consumer type; "${ALL_CONSUMER_TYPES}" sums every type into one group, "${UNKNOWN_CONSUMER_TYPE}" selects consumers without a type.`,
      }),
    },
    resolve: async (_, args, ctx) => (await projectUsages(ctx.db.reader, args)).map((g) => ({ ...g, resources: g.resources.map((r) => ({ resourceClass: r.resourceClass, amount: r.used })) })),
  }),
}));

const ProviderAllocationInput = builder.inputType('AllocationInput', {
  description: 'Resources to hold on one provider.',
  fields: (t) => ({
    providerUuid: t.string({ description: 'The provider: its uuid or global id.' }),
    resources: t.field({ type: [ResourceAmountInput], description: 'Amount per resource class (each at least 1).' }),
  }),
});

const ConsumerAllocationsInput = builder.inputType('ConsumerAllocationsInput', {
  description: 'Everything one consumer should hold after the write (it replaces what it held).',
  fields: (t) => ({
    consumerUuid: t.string({ description: 'The consumer: its uuid or global id.' }),
    consumerGeneration: t.int({
      required: false,
      description: 'The consumer generation last seen, or null for "this consumer does not exist yet". Must be given.',
    }),
    projectId: t.string({ description: 'Project of the consumer (1..255 characters).' }),
    userId: t.string({ description: 'User of the consumer (1..255 characters).' }),
    consumerType: t.string({ description: 'Consumer type, e.g. INSTANCE or MIGRATION (^[A-Z0-9_]+$).' }),
    allocations: t.field({ type: [ProviderAllocationInput], description: 'Per provider; empty removes all allocations and the consumer.' }),
  }),
});

type ConsumerAllocationsArg = Omit<ConsumerAllocations, 'consumerGeneration'> & { consumerGeneration?: number | null };
/** A consumer's write as the domain takes it; `at` is where it sits in the arguments (for BAD_VALUE's argumentPath). */
const toWrite = (c: ConsumerAllocationsArg, at: string): ConsumerAllocations => ({
  ...c,
  consumerUuid: uuidOf(c.consumerUuid, 'Consumer', `${at}.consumerUuid`),
  consumerGeneration: c.consumerGeneration ?? null,
  allocations: c.allocations.map((a, i) => ({ ...a, providerUuid: uuidOf(a.providerUuid, 'ResourceProvider', `${at}.allocations[${i}].providerUuid`) })),
});

/** The consumers a setAllocations(Batch) payload returns: those still holding allocations. */
const writtenConsumers = (uuids: string[]) => [consumersAt('consumers', uuids)];

/**
 * setAllocations(Batch) write through the replica's claim pipeline (src/candidates/pipeline.ts): it
 * waits in memory, not on a pooled connection, and is written in a batch of writes, each as if alone.
 */
async function queuedWrite(ctx: Context, info: GraphQLResolveInfo, writes: ConsumerAllocations[]): Promise<string[]> {
  const answer = payloadReader(ctx, info, writtenConsumers);
  const written = await claimPipeline(ctx.db).submitWrite({ writes, readAnswer: answer.read });
  answer.prime();
  return written;
}

const consumersPayload = {
  name: 'SetAllocationsPayload',
  description: 'The consumers written.',
  // biome-ignore lint/suspicious/noExplicitAny: a payload shape shared by several relayMutationFields; Pothos types its field builder per field
  outputFields: (t: any) => ({
    consumers: t.field({
      type: [ConsumerRef],
      description: 'The consumers that hold allocations after the write (emptied consumers are gone).',
      resolve: (uuids: string[]) => uuids,
    }),
  }),
};

const allocationErrors =
  'Errors: CONCURRENT_UPDATE (consumer generation), NOT_FOUND (provider), BAD_VALUE, DUPLICATE_KEY, INVALID_INVENTORY (no inventory of a class), CONSTRAINTS_VIOLATED (min/max/step), CAPACITY_EXCEEDED.';

builder.relayMutationField(
  'setAllocations',
  {
    description: "One consumer's complete allocations.",
    inputFields: (t) => ({ consumer: t.field({ type: ConsumerAllocationsInput, description: 'The consumer and what it should hold.' }) }),
  },
  {
    ...mutationScopes('setAllocations'),
    description: `Replaces everything one consumer holds, atomically; bumps the consumer generation and the generation of each provider written to. ${allocationErrors}`,
    resolve: (_, { input }, ctx, info) => queuedWrite(ctx, info, [toWrite(input.consumer, 'input.consumer')]),
  },
  consumersPayload,
);

builder.relayMutationField(
  'setAllocationsBatch',
  {
    description: 'Several consumers written together (moves, evacuations).',
    inputFields: (t) => ({ consumers: t.field({ type: [ConsumerAllocationsInput], description: 'Each consumer once (at least one), with what it should hold.' }) }),
  },
  {
    ...mutationScopes('setAllocationsBatch'),
    description: `Replaces the allocations of several consumers in one transaction: all succeed or none does. Capacity is judged on the final state. ${allocationErrors}`,
    resolve: (_, { input }, ctx, info) => {
      // As the reference refuses an empty POST /allocations: a write of nothing is a mistake.
      if (!input.consumers.length) fail('BAD_VALUE', 'consumers must name at least one consumer');
      return queuedWrite(
        ctx,
        info,
        input.consumers.map((c, i) => toWrite(c, `input.consumers[${i}]`)),
      );
    },
  },
  { ...consumersPayload, name: 'SetAllocationsBatchPayload' },
);

builder.relayMutationField(
  'deleteAllocations',
  {
    description: 'The consumer whose allocations to remove.',
    inputFields: (t) => ({ consumerUuid: t.string({ description: 'The consumer: its uuid or global id.' }) }),
  },
  {
    ...mutationScopes('deleteAllocations'),
    description: 'Removes every allocation of a consumer, and the consumer. Errors: NOT_FOUND (the consumer holds nothing).',
    resolve: async (_, { input }, ctx, info) => {
      const uuid = uuidOf(input.consumerUuid, 'Consumer', 'input.consumerUuid');
      await runWrite(ctx, info, (tx) => deleteAllocations(tx, uuid));
      return uuid.toLowerCase();
    },
  },
  {
    name: 'DeleteAllocationsPayload',
    description: 'The consumer emptied.',
    outputFields: (t) => ({
      consumerUuid: t.string({ description: 'The consumer whose allocations were removed.', resolve: (uuid) => uuid }),
      deletedId: t.id({ description: 'Global id of the consumer, now gone, to evict it from a client cache.', resolve: (uuid) => encodeGlobalID('Consumer', uuid) }),
    }),
  },
);

const ProviderInventoriesInput = builder.inputType('ProviderInventoriesInput', {
  description: "A provider's complete new inventory, for reshape.",
  fields: (t) => ({
    providerUuid: t.string({ description: 'The provider: its uuid or global id.' }),
    providerGeneration: t.int({ description: 'The provider generation last seen.' }),
    inventories: t.field({ type: [InventoryInput], description: 'The complete new inventory; classes left out are removed.' }),
  }),
});

builder.relayMutationField(
  'reshape',
  {
    description: 'Inventories and allocations to change together.',
    inputFields: (t) => ({
      inventories: t.field({ type: [ProviderInventoriesInput], description: 'New inventories, per provider.' }),
      allocations: t.field({ type: [ConsumerAllocationsInput], description: 'New allocations, per consumer.' }),
    }),
  },
  {
    ...mutationScopes('reshape'),
    description:
      'Atomically replaces the inventories of several providers and the allocations of several consumers, e.g. to move VGPU inventory from a compute node to new child providers while instances keep their claims. Only the final state is checked.',
    resolve: (_, { input }, ctx, info) =>
      runWrite(
        ctx,
        info,
        async (tx) => {
          const writes = input.allocations.map((c, i) => toWrite(c, `input.allocations[${i}]`));
          const inventories = input.inventories.map((p, i) => ({ ...p, providerUuid: uuidOf(p.providerUuid, 'ResourceProvider', `input.inventories[${i}].providerUuid`) }));
          const providers = await reshape(tx, inventories, writes);
          return { providers: providers.map((p) => p.uuid), consumers: writes.filter((c) => c.allocations.length).map((c) => c.consumerUuid.toLowerCase()) };
        },
        (r) => [providersAt('resourceProviders', r.providers), consumersAt('consumers', r.consumers)],
      ),
  },
  {
    name: 'ReshapePayload',
    description: 'What the reshape wrote.',
    outputFields: (t) => ({
      resourceProviders: t.field({ type: [ProviderRef], description: 'The providers whose inventory was replaced.', resolve: (r) => r.providers }),
      consumers: t.field({ type: [ConsumerRef], description: 'The consumers that hold allocations after the reshape.', resolve: (r) => r.consumers }),
    }),
  },
);
