// Allocation candidates (SPEC §12): the scheduler's question, and the one-step claim that answers
// and claims inside one write transaction.
import { builder, type Context, mutationScopes, queryScopes, typeScopes } from '../builder.ts';
import { ConsumerRef, ProviderRef, ResourceAmount, ResourceAmountInput } from './refs.ts';
import { normaliseCandidatesRequest, requestKey, type CandidatesInput, type CandidatesRequest } from '../../domain/candidates/request.ts';
import { searchCandidates, type CandidatesResult } from '../../domain/candidates/search.ts';
import type { World, WorldProvider } from '../../domain/candidates/world.ts';
import { capacity } from '../../domain/inventory.ts';
import { loadWorld } from '../../db/candidates.ts';
import { postgresChangeToken } from '../../db/answerMemo.ts';
import { LostRace } from '../../db/tx.ts';
import { heldClaim } from '../../db/claimReplay.ts';
import { consumersAt, runWrite } from '../payload.ts';
import { writeAllocations } from '../../db/allocations.ts';
import type { Tx } from '../../db/client.ts';
import { DomainError, fail } from '../../domain/errors.ts';

/** How many candidates a one-step claim considers before searching again. */
const ONE_STEP_CHOICES = 20;

const GroupPolicy = builder.enumType('GroupPolicy', {
  description: 'How named request groups may share providers.',
  values: {
    NONE: { value: 'none', description: 'Named groups may be served by the same provider.' },
    ISOLATE: { value: 'isolate', description: 'Each named group is served by a different provider.' },
  } as const,
});

const RequestGroupInput = builder.inputType('RequestGroupInput', {
  description:
    'One request group. The unsuffixed group (suffix "") may be spread over several providers of one tree and sharing providers; a named group is served by one provider.',
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
    inTree: t.string({ required: false, description: 'Only providers in the tree of this provider.' }),
  }),
});

const CandidatesRequestInput = builder.inputType('AllocationCandidatesInput', {
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

interface CandidateView {
  allocations: { providerUuid: string; resources: { resourceClass: string; amount: number }[] }[];
  mappings: { suffix: string; providerUuids: string[] }[];
}

interface SummaryView {
  uuid: string;
  parentUuid: string | null;
  rootUuid: string;
  traits: string[];
  resources: { resourceClass: string; capacity: number; used: number }[];
}

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

const AllocationRequest = builder.simpleObject('AllocationRequest', {
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
  ...typeScopes('ProviderSummary'),
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

/**
 * Summaries by provider object. World providers are never changed, only replaced (see
 * src/db/worldCache.ts), so a summary made once holds for as long as its provider object lives.
 */
const summaries = new WeakMap<WorldProvider, SummaryView>();

function summaryOf(world: World, p: WorldProvider): SummaryView {
  let s = summaries.get(p);
  if (!s) {
    const uuid = (id: number) => world.providers.get(id)!.uuid;
    s = {
      uuid: p.uuid,
      parentUuid: p.parentId === null ? null : uuid(p.parentId),
      rootUuid: uuid(p.rootId),
      traits: [...p.traits].sort(),
      resources: [...p.stock].map(([resourceClass, st]) => ({ resourceClass, capacity: capacity(st), used: st.used })),
    };
    summaries.set(p, s);
  }
  return s;
}

function view(world: World, result: CandidatesResult): { allocationRequests: CandidateView[]; providerSummaries: SummaryView[] } {
  const uuid = (id: number) => world.providers.get(id)!.uuid;
  return {
    allocationRequests: result.candidates.map((c) => ({
      allocations: c.allocations.map((a) => ({ providerUuid: uuid(a.rp), resources: a.resources })),
      mappings: c.mappings.map((m) => ({ suffix: m.suffix, providerUuids: m.rps.map(uuid) })),
    })),
    providerSummaries: result.summaries.map((p) => summaryOf(world, p)),
  };
}

/** Larger answers are not kept by the memo: they would hold a lot of memory for a rare question. */
const MEMO_MAX_CANDIDATES = 10_000;

/** Trees loaded per wanted candidate on a first, partial pass; most trees give at least one. */
const ROOTS_PER_CANDIDATE = 2;

type Answer = ReturnType<typeof view>;

/** `tx`: the open write transaction of a one-step claim. */
async function findCandidates(ctx: Context, req: CandidatesRequest, tx?: Tx): Promise<Answer> {
  const cache = ctx.db.cache;
  if (cache) await cache.fresh(tx ?? ctx.db.writer);
  const answer = () =>
    searchAndView(ctx, req, cache ? async (maxRoots) => cache.world(req, maxRoots) : (maxRoots) => loadWorld(tx ?? ctx.db.reader, req, ctx.db.kind, maxRoots));
  // The same question about an unchanged database has the same answer (randomised ones aside; a
  // one-step claim searches inside its transaction). Without a cache, the token costs one statement.
  if (tx || req.randomize || !ctx.config.candidateMemo) return answer();
  const token = cache?.changeToken ?? (ctx.db.kind === 'postgres' ? await postgresChangeToken(ctx.db.reader) : null);
  if (token === null) return answer();
  return ctx.db.memo.get(token, requestKey(req), answer, (a) => a.allocationRequests.length <= MEMO_MAX_CANDIDATES);
}

async function searchAndView(ctx: Context, req: CandidatesRequest, worldFor: (maxRoots?: number) => Promise<World & { truncated: boolean }>): Promise<Answer> {
  // A limited, non-random request needs only `limit` candidates, and which ones is arbitrary (as in
  // the reference): search the first trees that can matter, and everything only if they fall short.
  if (req.limit !== null && !req.randomize) {
    const world = await worldFor(req.limit * ROOTS_PER_CANDIDATE);
    const result = searchCandidates(world, req, ctx.config.candidates);
    if (!world.truncated || result.candidates.length >= req.limit) return view(world, result);
  }
  // Searched and viewed without an await in between: a world the cache shares stays as it is meanwhile.
  const world = await worldFor();
  return view(world, searchCandidates(world, req, ctx.config.candidates));
}

builder.queryField('allocationCandidates', (t) =>
  t.field({
    ...queryScopes('allocationCandidates'),
    type: AllocationCandidates,
    description:
      'Allocation candidates for a request, with the semantics of the reference (Placement 1.39). Errors: BAD_VALUE (malformed or contradictory request, unknown class or trait), DUPLICATE_KEY.',
    args: { request: t.arg({ type: CandidatesRequestInput, required: true, description: 'What is wanted.' }) },
    resolve: (_, { request }, ctx) => findCandidates(ctx, normaliseCandidatesRequest(request as CandidatesInput)),
  }),
);

interface ClaimResult {
  consumerUuid: string;
  allocationRequest: CandidateView;
  replayed: boolean;
}

builder.relayMutationField(
  'claimAllocationCandidate',
  {
    description: 'A candidates request and the consumer to claim for.',
    inputFields: (t) => ({
      request: t.field({ type: CandidatesRequestInput, description: 'What is wanted.' }),
      consumerUuid: t.string({ description: 'The consumer to hold the claim.' }),
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
    resolve: (_, { input }, ctx, info) =>
      runWrite(
        ctx,
        info,
        async (tx): Promise<ClaimResult> => {
          const req = normaliseCandidatesRequest(input.request as CandidatesInput);
          const sent = {
            consumerUuid: input.consumerUuid,
            consumerGeneration: input.consumerGeneration ?? null,
            projectId: input.projectId,
            userId: input.userId,
            consumerType: input.consumerType,
          };
          const consumerUuid = input.consumerUuid.toLowerCase();
          const held = await heldClaim(tx, ctx.db.kind, req, sent, ctx.config.candidates);
          if (held.replay) {
            const { world, candidate } = held.replay;
            return { consumerUuid, allocationRequest: view(world, { candidates: [candidate], summaries: [] }).allocationRequests[0], replayed: true };
          }
          // Searching and claiming in one transaction: a candidate found here fits unless another
          // writer (another replica, on PostgreSQL) claimed the same room meanwhile. Then the capacity
          // check fails before anything is written and the next candidate is tried; a lost generation
          // race, or every candidate gone, re-runs the whole step on fresh data (bounded retries).
          const choices = (await findCandidates(ctx, { ...req, limit: Math.min(req.limit ?? ONE_STEP_CHOICES, ONE_STEP_CHOICES) }, tx)).allocationRequests;
          if (!choices.length) fail('NO_CANDIDATE', 'No allocation candidate fits the request');
          // Start at a random one so that schedulers asking at once do not all queue on the first.
          const start = Math.floor(Math.random() * choices.length);
          for (let i = 0; i < choices.length; i++) {
            const chosen = choices[(start + i) % choices.length];
            try {
              await writeAllocations(tx, [{ ...sent, allocations: chosen.allocations }]);
              return { consumerUuid, allocationRequest: chosen, replayed: false };
            } catch (err) {
              // A new consumer that exists by now was created meanwhile, perhaps by a copy of this
              // claim sent at the same time: run again, to answer with that claim if it is this one.
              if (err instanceof DomainError && err.code === 'CONCURRENT_UPDATE' && sent.consumerGeneration === null && !held.exists) throw new LostRace();
              if (!(err instanceof DomainError && err.code === 'CAPACITY_EXCEEDED')) throw err;
            }
          }
          throw new LostRace();
        },
        (claim) => [consumersAt('consumer', [claim.consumerUuid])],
      ),
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
