// Resource providers: the node type with its tree, inventory, usage, trait, aggregate and
// allocation relations (all batched), the queries that find providers, and the mutations that
// create, change and delete them and their traits and aggregates.

import { encodeGlobalID } from '@pothos/plugin-relay';
import { setProviderAggregates } from '../../db/aggregates.ts';
import { providerCount, providerPage } from '../../db/pages.ts';
import { createProvider, deleteProvider, providerFilterSql, updateProvider } from '../../db/providers.ts';
import type { ProviderRow } from '../../db/reads.ts';
import { setProviderTraits } from '../../db/traits.ts';
import { normaliseProviderFilter } from '../../domain/providerFilter.ts';
import { builder, mutationScopes, queryScopes, typeScopes } from '../builder.ts';
import { providerOf, uuidOf } from '../globalIds.ts';
import { type AllocationGroup, descendantsKey, relations } from '../loaders.ts';
import { idPage } from '../pagination.ts';
import { runWrite, theProvider } from '../payload.ts';
import { Inventory, Usage } from './inventory.ts';
import { ConsumerRef, ProviderRef, ResourceAmount, ResourceAmountInput } from './refs.ts';

export const ProviderAllocation = builder.simpleObject('ProviderAllocation', {
  ...typeScopes('ProviderAllocation'),
  description: "What one consumer holds on one provider (an entry of the provider's allocations).",
  fields: (t) => ({
    resources: t.field({ type: [ResourceAmount], description: 'Amount held per resource class.' }),
  }),
});

builder.objectField(ProviderAllocation, 'consumer', (t) => t.field({ type: ConsumerRef, description: 'The consumer holding these resources.', resolve: (g) => (g as AllocationGroup).consumerUuid }));

ProviderRef.implement({
  ...typeScopes('ResourceProvider'),
  description: 'Anything with resources to hand out: a compute node, a NUMA cell, a NIC, a shared storage pool. Providers form trees (one parent each) and join aggregates.',
  fields: (t) => ({
    uuid: t.exposeString('uuid', { description: 'The provider uuid (lower-case, with dashes).' }),
    name: t.exposeString('name', { description: 'Unique name, 1 to 200 characters.' }),
    generation: t.exposeInt('generation', {
      description: 'Bumped by every change of inventory, traits, aggregates or allocations; pass it back on writes to detect concurrent updates.',
    }),
    parent: t.field({ type: ProviderRef, nullable: true, description: 'The parent provider; null for a root.', resolve: (p) => p.parentUuid }),
    root: t.field({ type: ProviderRef, description: 'The root of the tree this provider belongs to (itself for a root).', resolve: (p) => p.rootUuid }),
    children: t.field({
      type: [ProviderRef],
      description: 'Direct children, oldest first.',
      resolve: (p, _, ctx) => relations(ctx).children.load(p.id),
    }),
    descendants: t.field({
      type: [ProviderRef],
      description: 'The whole subtree below this provider (not itself), parents before children.',
      resolve: (p, _, ctx) => relations(ctx).descendants.load(descendantsKey(p)),
    }),
    inventories: t.field({
      type: [Inventory],
      description: 'Inventory per resource class, with capacity and current usage.',
      resolve: (p, _, ctx) => relations(ctx).inventories.load(p.id),
    }),
    usages: t.field({
      type: [Usage],
      description: 'Amount allocated per resource class, for every class the provider has inventory of (0 when unused).',
      resolve: (p, _, ctx) => relations(ctx).inventories.load(p.id),
    }),
    traits: t.stringList({
      description: 'Names of the traits the provider has, sorted.',
      resolve: (p, _, ctx) => relations(ctx).traits.load(p.id),
    }),
    aggregates: t.stringList({
      description: 'Uuids of the aggregates the provider belongs to, sorted.',
      resolve: (p, _, ctx) => relations(ctx).aggregates.load(p.id),
    }),
    allocations: t.field({
      type: [ProviderAllocation],
      description: 'Allocations against this provider, one entry per consumer.',
      resolve: (p, _, ctx) => relations(ctx).providerAllocations.load(p.id),
    }),
  }),
});

const ProviderFilterInput = builder.inputType('ProviderFilter', {
  description: 'Conditions on providers; all given conditions must hold (AND).',
  fields: (t) => ({
    name: t.string({ required: false, description: 'Exact name.' }),
    uuid: t.string({ required: false, description: 'Exact uuid (or global id).' }),
    memberOf: t.field({
      type: t.listRef(t.listRef('String')),
      required: false,
      description: 'Aggregate membership: each inner list is an any-of set of aggregate uuids, and every set must be matched.',
    }),
    notMemberOf: t.stringList({ required: false, description: 'Excludes providers in any of these aggregates.' }),
    requiredTraits: t.stringList({ required: false, description: 'The provider must have all of these traits.' }),
    forbiddenTraits: t.stringList({ required: false, description: 'The provider must have none of these traits.' }),
    anyTraits: t.field({ type: t.listRef(t.listRef('String')), required: false, description: 'Each inner list is an any-of set of traits; every set must be matched.' }),
    inTree: t.string({ required: false, description: 'Only providers in the same tree as this provider (uuid or global id).' }),
    rootsOnly: t.boolean({
      required: false,
      description: 'true: only roots (providers without a parent), e.g. to draw each tree from its root with `subtree` and `subtreeTotals`; false or null: no condition.',
    }),
    resources: t.field({
      type: [ResourceAmountInput],
      required: false,
      description: 'Only providers with inventory of each class that could take this amount now (capacity, min_unit, max_unit, step_size).',
    }),
  }),
});

builder.queryFields((t) => ({
  resourceProvider: t.field({
    ...queryScopes('resourceProvider'),
    type: ProviderRef,
    nullable: true,
    description: 'One provider by uuid (or global id); null when there is none.',
    args: { uuid: t.arg.string({ required: true, description: 'The provider uuid or global id.' }) },
    resolve: (_, { uuid }) => uuidOf(uuid, 'ResourceProvider', 'uuid').toLowerCase(),
  }),
  resourceProviders: t.connection(
    {
      ...queryScopes('resourceProviders'),
      type: ProviderRef,
      description: 'Providers matching a filter, in creation order, a page at a time.',
      args: { filter: t.arg({ type: ProviderFilterInput, required: false, description: 'Conditions on the providers returned.' }) },
      resolve: async (_, args, ctx) => {
        const db = ctx.db.reader;
        const filter = args.filter ?? {};
        const where = await providerFilterSql(
          db,
          normaliseProviderFilter({ ...filter, uuid: uuidOf(filter.uuid, 'ResourceProvider', 'filter.uuid'), inTree: uuidOf(filter.inTree, 'ResourceProvider', 'filter.inTree') }),
        );
        return idPage<ProviderRow>(
          args,
          (w) => providerPage(db, where, w),
          () => providerCount(db, where),
        );
      },
    },
    {
      description: 'A page of providers.',
      fields: (c) => ({
        totalCount: c.int({ description: 'How many providers match the filter in all.', resolve: (conn) => (conn as unknown as { totalCount: () => Promise<number> }).totalCount() }),
      }),
    },
    { description: 'A provider in a page.' },
  ),
}));

const providerPayload = (name: string, description: string) => ({
  name,
  description,
  // biome-ignore lint/suspicious/noExplicitAny: a payload shape shared by several relayMutationFields; Pothos types its field builder per field
  outputFields: (t: any) => ({
    resourceProvider: t.field({ type: ProviderRef, description: 'The provider as it is after the write.', resolve: (p: ProviderRow) => p.uuid }),
  }),
});

builder.relayMutationField(
  'createResourceProvider',
  {
    description: 'A new provider.',
    inputFields: (t) => ({
      name: t.string({ description: 'Unique name, 1 to 200 characters.' }),
      uuid: t.string({ required: false, description: 'Uuid to use; a random one when omitted.' }),
      parentUuid: t.string({ required: false, description: 'Uuid (or global id) of an existing provider to become the parent.' }),
    }),
  },
  {
    ...mutationScopes('createResourceProvider'),
    description: 'Creates a provider (a root, or a child of `parentUuid`). Errors: DUPLICATE_NAME, DUPLICATE_UUID, INVALID_PARENT, BAD_VALUE.',
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => createProvider(tx, { ...input, parentUuid: uuidOf(input.parentUuid, 'ResourceProvider', 'input.parentUuid') }), theProvider),
  },
  providerPayload('CreateResourceProviderPayload', 'The provider created.'),
);

builder.relayMutationField(
  'updateResourceProvider',
  {
    description: 'Changes to a provider; fields left out stay as they are.',
    inputFields: (t) => ({
      uuid: t.string({ description: 'The provider to change (uuid or global id).' }),
      name: t.string({ required: false, description: 'New unique name.' }),
      parentUuid: t.string({
        required: false,
        description: 'New parent uuid or global id (the provider moves with its whole subtree, possibly to another tree); null makes it a root.',
      }),
    }),
  },
  {
    ...mutationScopes('updateResourceProvider'),
    description: 'Renames and/or re-parents a provider. Neither bumps the generation (as in the reference). Errors: NOT_FOUND, DUPLICATE_NAME, INVALID_PARENT (unknown parent or a loop).',
    resolve: (_, { input }, ctx, info) =>
      runWrite(
        ctx,
        info,
        (tx) =>
          updateProvider(tx, {
            uuid: uuidOf(input.uuid, 'ResourceProvider', 'input.uuid'),
            name: input.name,
            parentUuid: 'parentUuid' in input ? (uuidOf(input.parentUuid, 'ResourceProvider', 'input.parentUuid') ?? null) : undefined,
          }),
        theProvider,
      ),
  },
  providerPayload('UpdateResourceProviderPayload', 'The provider changed.'),
);

builder.relayMutationField(
  'deleteResourceProvider',
  {
    description: 'The provider to delete.',
    inputFields: (t) => ({ uuid: t.string({ description: 'The provider uuid or global id.' }) }),
  },
  {
    ...mutationScopes('deleteResourceProvider'),
    description: 'Deletes a provider with its inventories and its trait and aggregate links. Errors: NOT_FOUND, PROVIDER_HAS_CHILDREN, PROVIDER_IN_USE.',
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => deleteProvider(tx, uuidOf(input.uuid, 'ResourceProvider', 'input.uuid'))),
  },
  {
    name: 'DeleteResourceProviderPayload',
    description: 'The provider deleted.',
    outputFields: (t) => ({
      uuid: t.string({ description: 'Uuid of the deleted provider.', resolve: (p) => p.uuid }),
      deletedId: t.id({ description: 'Global id of the deleted provider, to evict it from a client cache.', resolve: (p) => encodeGlobalID('ResourceProvider', p.uuid) }),
    }),
  },
);

builder.relayMutationField(
  'setProviderTraits',
  {
    description: "Replaces a provider's traits.",
    inputFields: (t) => ({
      providerUuid: t.string({ description: 'The provider: its uuid or global id.' }),
      providerGeneration: t.int({ description: 'The provider generation last seen.' }),
      traits: t.stringList({ description: 'The complete new set of trait names; each must exist.' }),
    }),
  },
  {
    ...mutationScopes('setProviderTraits'),
    description: "Replaces the provider's trait set and bumps its generation. Errors: NOT_FOUND, CONCURRENT_UPDATE, BAD_VALUE (unknown trait).",
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => setProviderTraits(tx, providerOf(input), input.providerGeneration, input.traits), theProvider),
  },
  providerPayload('SetProviderTraitsPayload', 'The provider with its new traits.'),
);

builder.relayMutationField(
  'clearProviderTraits',
  {
    description: 'The provider whose traits to remove.',
    inputFields: (t) => ({
      providerUuid: t.string({ description: 'The provider: its uuid or global id.' }),
      providerGeneration: t.int({ required: false, description: 'If given, the write is refused unless this is the current generation.' }),
    }),
  },
  {
    ...mutationScopes('clearProviderTraits'),
    description: 'Removes every trait from the provider and bumps its generation. Errors: NOT_FOUND, CONCURRENT_UPDATE.',
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => setProviderTraits(tx, providerOf(input), input.providerGeneration ?? null, []), theProvider),
  },
  providerPayload('ClearProviderTraitsPayload', 'The provider without traits.'),
);

builder.relayMutationField(
  'setProviderAggregates',
  {
    description: "Replaces a provider's aggregate memberships.",
    inputFields: (t) => ({
      providerUuid: t.string({ description: 'The provider: its uuid or global id.' }),
      providerGeneration: t.int({ description: 'The provider generation last seen.' }),
      aggregates: t.stringList({ description: 'The complete new set of aggregate uuids (empty clears); aggregates need no creation.' }),
    }),
  },
  {
    ...mutationScopes('setProviderAggregates'),
    description: "Replaces the provider's aggregates and bumps its generation. Errors: NOT_FOUND, CONCURRENT_UPDATE, BAD_VALUE (malformed uuid).",
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => setProviderAggregates(tx, providerOf(input), input.providerGeneration, input.aggregates), theProvider),
  },
  providerPayload('SetProviderAggregatesPayload', 'The provider with its new aggregates.'),
);
