// Allocation candidates (SPEC §12): the scheduler's question, and the one-step claim that answers
// and claims inside one write transaction.

import { claimPipeline } from '../../candidates/pipeline.ts';
import { findCandidates, type SummaryView } from '../../candidates/service.ts';
import { type CandidatesInput, normaliseCandidatesRequest } from '../../domain/candidates/request.ts';
import { builder, mutationScopes, queryScopes, typeScopes } from '../builder.ts';
import { uuidOf } from '../globalIds.ts';
import { consumersAt, payloadReader } from '../payload.ts';
import { ConsumerRef, ProviderRef, ResourceAmount, ResourceAmountInput } from './refs.ts';

const GroupPolicy = builder.enumType('GroupPolicy', {
  description: 'How named request groups may share providers.',
  values: {
    NONE: { value: 'none', description: 'Named groups may be served by the same provider.' },
    ISOLATE: { value: 'isolate', description: 'Each named group is served by a different provider.' },
  } as const,
});

const RequestGroupInput = builder.inputType('RequestGroupInput', {
  description: 'One request group. The unsuffixed group (suffix "") may be spread over several providers of one tree and sharing providers; a named group is served by one provider.',
  fields: (t) => ({
    suffix: t.string({ required: false, defaultValue: '', description: 'Group name, [a-zA-Z0-9_-]{1,64}; "" (default) for the unsuffixed group.' }),
    resources: t.field({
      type: [ResourceAmountInput],
      required: false,
      description: 'Amounts wanted. A named group may ask for none only when it is named in sameSubtree.',
    }),
    requiredTraits: t.stringList({ required: false, description: 'Traits the serving provider(s) must all have.' }),
    forbiddenTraits: t.stringList({ required: false, description: 'Traits no serving provider may have.' }),
    anyOfTraits: t.field({ type: t.listRef(t.listRef('String')), required: false, description: 'Each list: at least one of these traits (1.39 "in:").' }),
    memberOf: t.field({
      type: t.listRef(t.listRef('String')),
      required: false,
      description: 'Each list: member of at least one of these aggregates; every list must hold. For the unsuffixed group an aggregate on a root covers its whole tree.',
    }),
    forbiddenAggregates: t.stringList({ required: false, description: 'Member of none of these aggregates.' }),
    inTree: t.string({ required: false, description: 'Only providers in the tree of this provider (uuid or global id).' }),
  }),
});

export const CandidatesRequestInput = builder.inputType('AllocationCandidatesInput', {
  description: 'What a workload needs: request groups and the rules that tie them together.',
  fields: (t) => ({
    groups: t.field({ type: [RequestGroupInput], description: 'The request groups; suffixes are unique.' }),
    groupPolicy: t.field({ type: GroupPolicy, required: false, description: 'Required when more than one named group is given.' }),
    sameSubtree: t.field({
      type: t.listRef(t.listRef('String')),
      required: false,
      description: 'Each list of named groups must be served by providers of one subtree: one of them is the ancestor of all the others.',
    }),
    rootRequiredTraits: t.stringList({ required: false, description: 'Traits the root of every candidate tree must have.' }),
    rootForbiddenTraits: t.stringList({ required: false, description: 'Traits the root of every candidate tree must not have.' }),
    limit: t.int({ required: false, description: 'Return at most this many candidates.' }),
    randomize: t.boolean({ required: false, description: 'Choose (and order) the returned candidates at random instead of in generation order.' }),
  }),
});

/** The request with each group's inTree given as a uuid (a global id is decoded). */
export const withTreeUuids = (request: CandidatesInput, at: string): CandidatesInput => ({
  ...request,
  groups: request.groups.map((g, i) => ({ ...g, inTree: uuidOf(g.inTree, 'ResourceProvider', `${at}.groups[${i}].inTree`) })),
});

const CandidateAllocation = builder.simpleObject('CandidateAllocation', {
  description: 'Amounts to take from one provider; the same shape as AllocationInput.',
  fields: (t) => ({
    providerUuid: t.string({ description: 'The provider.' }),
    resources: t.field({ type: [ResourceAmount], description: 'Amount per resource class.' }),
  }),
});

const GroupMapping = builder.simpleObject('GroupMapping', {
  description: 'Which providers served one request group.',
  fields: (t) => ({
    suffix: t.string({ description: 'The group suffix ("" for the unsuffixed group).' }),
    providerUuids: t.stringList({ description: 'Providers that serve it.' }),
  }),
});

export const AllocationRequest = builder.simpleObject('AllocationRequest', {
  description: 'One allocation candidate: pass `allocations` to setAllocations to claim it.',
  fields: (t) => ({
    allocations: t.field({ type: [CandidateAllocation], description: 'Per provider, the amounts to claim.' }),
    mappings: t.field({ type: [GroupMapping], description: 'Per request group, the providers that serve it.' }),
  }),
});

const SummaryResource = builder.simpleObject('SummaryResource', {
  description: 'Capacity and usage of one class on a provider.',
  fields: (t) => ({
    resourceClass: t.string({ description: 'The resource class.' }),
    capacity: t.field({ type: 'SafeInt', description: 'floor((total - reserved) * allocation_ratio).' }),
    used: t.field({ type: 'SafeInt', description: 'Sum of current allocations.' }),
  }),
});

const ProviderSummary = builder.objectRef<SummaryView>('ProviderSummary').implement({
  description: 'A provider of a tree that appears in the candidates: capacity, usage, traits and place in its tree.',
  fields: (t) => ({
    uuid: t.exposeString('uuid', { description: 'The provider.' }),
    parentUuid: t.exposeString('parentUuid', { nullable: true, description: 'Its parent, null for a root.' }),
    rootUuid: t.exposeString('rootUuid', { description: 'The root of its tree.' }),
    traits: t.exposeStringList('traits', { description: 'Its traits, sorted.' }),
    resources: t.field({ type: [SummaryResource], description: 'Every class it has inventory of.', resolve: (s) => s.resources }),
    resourceProvider: t.field({ type: ProviderRef, description: 'The provider itself, for anything else about it.', resolve: (s) => s.uuid }),
  }),
});

const AllocationCandidates = builder.simpleObject('AllocationCandidates', {
  ...typeScopes('AllocationCandidates'),
  description: 'The answer to "where can this fit right now?".',
  fields: (t) => ({
    allocationRequests: t.field({ type: [AllocationRequest], description: 'Each a way to satisfy the whole request.' }),
    providerSummaries: t.field({ type: [ProviderSummary], description: 'Every provider of every tree the candidates use.' }),
  }),
});

builder.queryField('allocationCandidates', (t) =>
  t.field({
    ...queryScopes('allocationCandidates'),
    type: AllocationCandidates,
    description:
      'Allocation candidates for a request, with the semantics of the reference (Placement 1.39). Errors: BAD_VALUE (malformed or contradictory request, unknown class or trait), DUPLICATE_KEY.',
    args: { request: t.arg({ type: CandidatesRequestInput, required: true, description: 'What is wanted.' }) },
    resolve: (_, { request }, ctx) => findCandidates(ctx, normaliseCandidatesRequest(withTreeUuids(request as CandidatesInput, 'request'))),
  }),
);

builder.relayMutationField(
  'claimAllocationCandidate',
  {
    description: 'A candidates request and the consumer to claim for.',
    inputFields: (t) => ({
      request: t.field({ type: CandidatesRequestInput, description: 'What is wanted.' }),
      consumerUuid: t.string({ description: 'The consumer to hold the claim: its uuid or global id.' }),
      consumerGeneration: t.int({ required: false, description: 'Its generation, or null for a new consumer (the usual case).' }),
      projectId: t.string({ description: 'Project of the consumer.' }),
      userId: t.string({ description: 'User of the consumer.' }),
      consumerType: t.string({ description: 'Consumer type, e.g. INSTANCE.' }),
    }),
  },
  {
    ...mutationScopes('claimAllocationCandidate'),
    description:
      'Finds candidates and claims one in the same write transaction, so concurrent schedulers never lose a claim to a race while capacity lasts; replaces what the consumer held. ' +
      'Safe to retry: sent again after it happened (the same consumer, consumerGeneration, projectId, userId, consumerType and request), it answers the claim the consumer holds with `replayed: true` and writes nothing, ' +
      'as long as the consumer was not written since. Errors as setAllocations and allocationCandidates, and NO_CANDIDATE when nothing fits.',
    resolve: async (_, { input }, ctx, info) => {
      const request = normaliseCandidatesRequest(withTreeUuids(input.request as CandidatesInput, 'input.request'));
      const answer = payloadReader(ctx, info, (claim: { consumerUuid: string }) => [consumersAt('consumer', [claim.consumerUuid])]);
      // Queued with the other claims of this replica and written with them (src/candidates/pipeline.ts).
      const claim = await claimPipeline(ctx.db).submit({
        service: ctx,
        request,
        sent: {
          consumerUuid: uuidOf(input.consumerUuid, 'Consumer', 'input.consumerUuid'),
          consumerGeneration: input.consumerGeneration ?? null,
          projectId: input.projectId,
          userId: input.userId,
          consumerType: input.consumerType,
        },
        readAnswer: answer.read,
      });
      answer.prime();
      return claim;
    },
  },
  {
    name: 'ClaimAllocationCandidatePayload',
    description: 'The claim made, or the claim already held when the same claim was sent again.',
    outputFields: (t) => ({
      consumer: t.field({ type: ConsumerRef, description: 'The consumer, with its new generation.', resolve: (p) => p.consumerUuid }),
      allocationRequest: t.field({ type: AllocationRequest, description: 'The candidate that was claimed.', resolve: (p) => p.allocationRequest }),
      replayed: t.boolean({
        description:
          'True when this claim had already happened (a retry after a lost answer): the consumer already held, at the generation this claim gives, ' +
          'allocations that are a candidate of the request, with the project, user and type sent. Nothing was written; `allocationRequest` is the claim held ' +
          '(its `mappings` one valid mapping of the groups onto it). False when the claim was made now.',
        resolve: (p) => p.replayed,
      }),
    }),
  },
);
