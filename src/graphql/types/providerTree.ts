// A provider's subtree as a dashboard draws it: every provider below it in one list with its
// parent and depth, per-class totals summed over each subtree, and the children a page at a time.
// All batched per tree (root id), so a page of roots costs the same statements for 2 trees or 1000.

import type { ProviderRow } from '../../db/reads.ts';
import { type ClassTotals, depths, parentsFirst, subtreeIds } from '../../domain/tree.ts';
import type { Context } from '../builder.ts';
import { builder } from '../builder.ts';
import { childPageKey, relations } from '../loaders.ts';
import { idPage } from '../pagination.ts';
import { ProviderRef } from './refs.ts';

const SubtreeResource = builder.simpleObject('SubtreeResource', {
  description: 'One resource class summed over a provider and every provider below it.',
  fields: (t) => ({
    resourceClass: t.string({ description: 'The resource class.' }),
    capacity: t.field({ type: 'SafeInt', description: 'Sum of floor((total - reserved) * allocation_ratio) over the providers with inventory of the class.' }),
    used: t.field({ type: 'SafeInt', description: 'Sum of current allocations.' }),
    free: t.field({ type: 'SafeInt', description: 'Sum over the providers of max(0, capacity - used): what can still be allocated.' }),
  }),
});

const totalsOf = async (p: ProviderRow, ctx: Context): Promise<ClassTotals[]> => (await relations(ctx).treeTotals.load(p.rootId)).get(p.id) ?? [];

interface TreeNode {
  provider: ProviderRow;
  depth: number;
}

const ProviderTreeNode = builder.objectRef<TreeNode>('ProviderTreeNode').implement({
  description: 'A provider in a subtree list, with what drawing the tree needs.',
  fields: (t) => ({
    uuid: t.string({ description: 'The provider uuid.', resolve: (n) => n.provider.uuid }),
    name: t.string({ description: 'The provider name.', resolve: (n) => n.provider.name }),
    generation: t.int({ description: 'The provider generation.', resolve: (n) => n.provider.generation }),
    parentUuid: t.string({ nullable: true, description: 'Uuid of its parent; null for a root.', resolve: (n) => n.provider.parentUuid }),
    depth: t.int({ description: 'Levels below the provider whose subtree this is (0 for that provider itself).', resolve: (n) => n.depth }),
    totals: t.field({
      type: [SubtreeResource],
      description: 'Per resource class, summed over this provider and everything below it; sorted by class.',
      resolve: (n, _, ctx) => totalsOf(n.provider, ctx),
    }),
    provider: t.field({ type: ProviderRef, description: 'The provider itself, for anything else about it.', resolve: (n) => n.provider }),
  }),
});

builder.objectFields(ProviderRef, (t) => ({
  subtreeTotals: t.field({
    type: [SubtreeResource],
    description: 'Per resource class: capacity, used and free summed over this provider and every provider below it; sorted by class.',
    resolve: (p, _, ctx) => totalsOf(p, ctx),
  }),
  subtree: t.field({
    type: [ProviderTreeNode],
    description: 'This provider and every provider below it, parents before children (breadth first, older first), each with its parent and depth: a whole tree in one list.',
    resolve: async (p, _, ctx) => {
      const tree = await relations(ctx).trees.load(p.rootId);
      const below = subtreeIds(tree, p.id);
      const nodes = parentsFirst(tree.filter((r) => below.has(r.id)));
      const depth = depths(nodes);
      return nodes.map((provider) => ({ provider, depth: depth.get(provider.id)! }));
    },
  }),
  childrenConnection: t.connection(
    {
      type: ProviderRef,
      description: 'Direct children, oldest first, a page at a time (for parents with many children).',
      resolve: (p, args, ctx) =>
        idPage<ProviderRow>(
          args,
          (w) => relations(ctx).childPages.load(childPageKey(p.id, w)),
          () => relations(ctx).childCounts.load(p.id),
        ),
    },
    {
      name: 'ProviderChildrenConnection',
      description: 'A page of children.',
      fields: (c) => ({
        totalCount: c.int({ description: 'How many children the provider has in all.', resolve: (conn) => (conn as unknown as { totalCount: () => Promise<number> }).totalCount() }),
      }),
    },
    { name: 'ProviderChildrenConnectionEdge', description: 'A child in a page.' },
  ),
}));
