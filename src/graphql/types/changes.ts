// The change feed as a subscription (server-sent events: POST with Accept: text/event-stream).
// Events come from this process's hub (src/feed/hub.ts), in the change log's order.

import { CHANGE_KINDS, type ChangeEvent as Event, type PROVIDER_ASPECTS } from '../../domain/changeEvents.ts';
import { changeMatcher } from '../../domain/changeFilter.ts';
import { parse, schemas } from '../../domain/names.ts';
import { parseCursor } from '../../feed/cursor.ts';
import type { FeedItem } from '../../feed/hub.ts';
import { builder, subscriptionScopes } from '../builder.ts';
import { uuidOf } from '../globalIds.ts';

const KIND_DESCRIPTIONS: Record<(typeof CHANGE_KINDS)[number], string> = {
  PROVIDER_CREATED: 'A provider was created (providerUuid, rootUuid, parentUuid, generation).',
  PROVIDER_UPDATED: 'A provider changed: `changed` says what (tree position, name, inventories, traits, aggregates).',
  PROVIDER_DELETED: 'A provider was deleted (its uuid, root and parent as they were).',
  USAGE_CHANGED: "A provider's usage changed: allocations against it were written or removed.",
  ALLOCATIONS_WRITTEN: "A consumer's allocations were written (consumerUuid, projectId, the providers it now holds and their roots).",
  ALLOCATIONS_REMOVED: "A consumer's allocations were removed (the providers it held and their roots).",
  RESOURCE_CLASS_CREATED: 'A custom resource class was created (name).',
  RESOURCE_CLASS_DELETED: 'A custom resource class was deleted (name).',
  TRAIT_CREATED: 'A custom trait was created (name).',
  TRAIT_DELETED: 'A custom trait was deleted (name).',
  HISTORY_PRUNED: "Events after the cursor you resumed from are no longer kept: reload the state you follow. The stream goes on from this event's cursor. Passes every filter.",
};

const ChangeKind = builder.enumType('ChangeKind', {
  description: 'What a change event reports.',
  values: Object.fromEntries(CHANGE_KINDS.map((k) => [k, { description: KIND_DESCRIPTIONS[k] }])) as Record<(typeof CHANGE_KINDS)[number], { description: string }>,
});

const ProviderAspect = builder.enumType('ProviderAspect', {
  description: 'What changed about a provider in a PROVIDER_UPDATED event.',
  values: {
    CREATED: { description: 'Created (not used by PROVIDER_UPDATED: see PROVIDER_CREATED).' },
    DELETED: { description: 'Deleted (not used by PROVIDER_UPDATED: see PROVIDER_DELETED).' },
    TREE: { description: 'Its parent, and so its place in a tree (and maybe its root), changed.' },
    NAME: { description: 'Its name changed.' },
    INVENTORIES: { description: 'Its inventories changed.' },
    TRAITS: { description: 'Its traits changed.' },
    AGGREGATES: { description: 'Its aggregates changed.' },
    USAGE: { description: 'Its usage changed (not used by PROVIDER_UPDATED: see USAGE_CHANGED).' },
  } satisfies Record<(typeof PROVIDER_ASPECTS)[number], { description: string }>,
});

type Delivered = Extract<FeedItem, { event: Event }>;

const ChangeEvent = builder.objectRef<Delivered>('ChangeEvent').implement({
  description: 'One change, as committed. Fields that do not apply to its kind are null.',
  fields: (t) => ({
    cursor: t.string({ description: 'Resume after this event: pass it as `after` when reconnecting.', resolve: (d) => d.cursor }),
    sequence: t.string({ description: 'The change log sequence of the transaction that made this change (decimal; several events share one).', resolve: (d) => String(d.seq) }),
    kind: t.field({ type: ChangeKind, description: 'What happened.', resolve: (d) => d.event.kind }),
    providerUuid: t.string({ nullable: true, description: 'Provider events: the provider.', resolve: (d) => d.event.provider ?? null }),
    rootUuid: t.string({ nullable: true, description: "Provider events: the root of the provider's tree.", resolve: (d) => d.event.root ?? null }),
    parentUuid: t.string({ nullable: true, description: "Provider events: the provider's parent (null for a root).", resolve: (d) => d.event.parent ?? null }),
    generation: t.int({ nullable: true, description: "Provider events: the provider's generation after the change.", resolve: (d) => d.event.generation ?? null }),
    changed: t.field({ type: [ProviderAspect], nullable: true, description: 'PROVIDER_UPDATED: what changed.', resolve: (d) => d.event.changed ?? null }),
    consumerUuid: t.string({ nullable: true, description: 'Allocation events: the consumer.', resolve: (d) => d.event.consumer ?? null }),
    projectId: t.string({ nullable: true, description: "Allocation events: the consumer's project.", resolve: (d) => d.event.project ?? null }),
    providerUuids: t.stringList({ nullable: true, description: 'Allocation events: the providers the consumer holds (written) or held (removed).', resolve: (d) => d.event.providers ?? null }),
    rootUuids: t.stringList({ nullable: true, description: 'Allocation events: the roots of those providers.', resolve: (d) => d.event.roots ?? null }),
    name: t.string({ nullable: true, description: 'Resource class and trait events: the name.', resolve: (d) => d.event.name ?? null }),
  }),
});

const ChangeFilter = builder.inputType('ChangeFilter', {
  description: 'Which events to hear; every given list must match (HISTORY_PRUNED always passes).',
  fields: (t) => ({
    kinds: t.field({ type: [ChangeKind], required: false, description: 'Events of these kinds.' }),
    providerUuids: t.stringList({ required: false, description: "Events about one of these providers, by uuid or global id (a provider event's provider, or a provider an allocation event names)." }),
    rootUuids: t.stringList({ required: false, description: 'Events within one of these trees, by root uuid or global id.' }),
    consumerUuids: t.stringList({ required: false, description: 'Allocation events of these consumers, by uuid or global id.' }),
  }),
});

const uuids = (list: readonly string[] | null | undefined, field: 'providerUuids' | 'rootUuids' | 'consumerUuids') =>
  list?.map((x, i) => parse(schemas.uuid, uuidOf(x, field === 'consumerUuids' ? 'Consumer' : 'ResourceProvider', `filter.${field}[${i}]`), `filter.${field}[${i}]`));

builder.subscriptionFields((t) => ({
  changes: t.field({
    ...subscriptionScopes('changes'),
    type: ChangeEvent,
    description:
      'Every change committed from now on (or after the cursor `after`), in commit order, none missing, none twice; a project-reader hears only allocation events of its own project. Errors: BAD_VALUE (a cursor or uuid that is not one), TOO_MANY_SUBSCRIBERS, and SLOW_SUBSCRIBER, which ends a stream that fell too far behind.',
    args: {
      after: t.arg.string({ required: false, description: 'Resume after this cursor: an event\'s `cursor`, or a change token ("<sequence>"). Omitted: from now.' }),
      filter: t.arg({ type: ChangeFilter, required: false, description: 'Which events to hear.' }),
    },
    subscribe: async (_, { after, filter }, ctx) => {
      const cursor = after == null ? null : parseCursor(after);
      const accept = changeMatcher(
        {
          kinds: filter?.kinds,
          providerUuids: uuids(filter?.providerUuids, 'providerUuids'),
          rootUuids: uuids(filter?.rootUuids, 'rootUuids'),
          consumerUuids: uuids(filter?.consumerUuids, 'consumerUuids'),
        },
        ctx.identity?.role === 'project-reader' ? { project: ctx.identity.projectId ?? '' } : null,
      );
      return ctx.db.hub.join(cursor, accept, ctx.config.feed);
    },
    resolve: (item: FeedItem) => {
      if ('end' in item) throw item.end;
      return item;
    },
  }),
}));
