// "No valid host": the explanation of a candidates request, tree by tree (src/candidates/explain.ts).

import { type CountView, type ExplanationView, explain, type ReasonView, type TreeView } from '../../candidates/explain.ts';
import { type ExclusionKind as ExclusionKindName, exclusionKinds } from '../../domain/candidates/explain.ts';
import { type CandidatesInput, normaliseCandidatesRequest } from '../../domain/candidates/request.ts';
import { DomainError } from '../../domain/errors.ts';
import { parse, schemas } from '../../domain/names.ts';
import { builder, queryScopes, typeScopes } from '../builder.ts';
import { uuidOf } from '../globalIds.ts';
import { PAGE_MAX } from '../pagination.ts';
import { AllocationRequest, CandidatesRequestInput, withTreeUuids } from './candidates.ts';
import { ProviderRef } from './refs.ts';

const ExclusionKind = builder.enumType('ExclusionKind', {
  description: 'Why a tree is not a home for a candidates request.',
  values: Object.fromEntries(Object.entries(exclusionKinds).map(([kind, description]) => [kind, { description }])) as Record<ExclusionKindName, { description: string }>,
});

const ExclusionReason = builder.objectRef<ReasonView>('ExclusionReason').implement({
  description: 'One reason a tree is out, typed; numeric fields are set when they apply to the kind.',
  fields: (t) => ({
    kind: t.field({ type: ExclusionKind, description: 'What rule rules the tree out.', resolve: (r) => r.kind }),
    group: t.exposeString('group', { nullable: true, description: 'The request group ("" unsuffixed); null for the tree as a whole (root traits, group policy, same subtree).' }),
    providerUuid: t.exposeString('providerUuid', { nullable: true, description: 'The provider the reason is about: for a named group, the one that came closest.' }),
    providerName: t.exposeString('providerName', { nullable: true, description: 'Its name.' }),
    resourceClass: t.exposeString('resourceClass', { nullable: true, description: 'The class, for capacity, unit and offer reasons.' }),
    traits: t.exposeStringList('traits', { nullable: true, description: 'The traits missing, forbidden, or the any-of set.' }),
    aggregates: t.exposeStringList('aggregates', { nullable: true, description: 'The aggregates required (one set) or forbidden.' }),
    requested: t.field({ type: 'SafeInt', nullable: true, description: 'The amount the group asks for.', resolve: (r) => r.requested }),
    free: t.field({ type: 'SafeInt', nullable: true, description: 'capacity - used on the provider.', resolve: (r) => r.free }),
    capacity: t.field({ type: 'SafeInt', nullable: true, description: 'floor((total - reserved) * allocationRatio).', resolve: (r) => r.capacity }),
    used: t.field({ type: 'SafeInt', nullable: true, description: 'Sum of current allocations.', resolve: (r) => r.used }),
    total: t.field({ type: 'SafeInt', nullable: true, description: 'Inventory total.', resolve: (r) => r.total }),
    reserved: t.field({ type: 'SafeInt', nullable: true, description: 'Inventory reserved.', resolve: (r) => r.reserved }),
    allocationRatio: t.exposeFloat('allocationRatio', { nullable: true, description: 'Inventory allocation ratio.' }),
    minUnit: t.field({ type: 'SafeInt', nullable: true, description: 'Inventory min_unit.', resolve: (r) => r.minUnit }),
    maxUnit: t.field({ type: 'SafeInt', nullable: true, description: 'Inventory max_unit.', resolve: (r) => r.maxUnit }),
    stepSize: t.field({ type: 'SafeInt', nullable: true, description: 'Inventory step_size.', resolve: (r) => r.stepSize }),
    shortBy: t.field({ type: 'SafeInt', nullable: true, description: 'CAPACITY_SHORT: how much more would have to be free.', resolve: (r) => r.shortBy }),
    message: t.exposeString('message', { description: 'The reason in a sentence, naming providers by name.' }),
  }),
});

const TreeExplanation = builder.objectRef<TreeView>('TreeExplanation').implement({
  description: 'The verdict on one provider tree, and why.',
  fields: (t) => ({
    rootUuid: t.exposeString('rootUuid', { description: 'The root of the tree.' }),
    rootName: t.exposeString('rootName', { description: 'Its name.' }),
    root: t.field({ type: ProviderRef, description: 'The root provider itself.', resolve: (v) => v.rootUuid }),
    fits: t.exposeBoolean('fits', { description: 'Whether the search builds a candidate around this tree (cap, limit and randomize aside).' }),
    reasons: t.field({ type: [ExclusionReason], description: 'Why not: empty when it fits, at least one otherwise.', resolve: (v) => v.reasons }),
    wouldFitIf: t.field({
      type: ExclusionReason,
      nullable: true,
      description: 'When one change alone makes the tree fit (checked by running the search on the changed tree), that reason; its message says the change ("fits if 2 more VCPU were free on numa1").',
      resolve: (v) => v.wouldFitIf,
    }),
    example: t.field({ type: AllocationRequest, nullable: true, description: 'One candidate built around the tree, when it fits.', resolve: (v) => v.example }),
  }),
});

const ReasonCount = builder.objectRef<CountView>('ReasonCount').implement({
  description: 'A reason (kind and class, traits or aggregates) counted over trees.',
  fields: (t) => ({
    kind: t.field({ type: ExclusionKind, description: 'The kind.', resolve: (c) => c.kind }),
    group: t.exposeString('group', { nullable: true, description: 'The request group, when the reason is about one.' }),
    resourceClass: t.exposeString('resourceClass', { nullable: true, description: 'The class.' }),
    traits: t.exposeStringList('traits', { nullable: true, description: 'The traits.' }),
    aggregates: t.exposeStringList('aggregates', { nullable: true, description: 'The aggregates.' }),
    trees: t.exposeInt('trees', { description: 'Trees that carry it.' }),
    largestShortBy: t.field({ type: 'SafeInt', nullable: true, description: 'CAPACITY_SHORT: the largest shortfall among them.', resolve: (c) => c.largestShortBy }),
    message: t.exposeString('message', { description: 'In a sentence ("812 trees lack capacity for MEMORY_MB, short by up to 2048").' }),
  }),
});

const ClassFree = builder.simpleObject('ClassFree', {
  description: 'The most of one class free on one provider.',
  fields: (t) => ({
    resourceClass: t.string({ description: 'The class.' }),
    free: t.field({ type: 'SafeInt', description: 'capacity - used.' }),
    providerUuid: t.string({ description: 'Where.' }),
    providerName: t.string({ description: 'Its name.' }),
  }),
});

const ExplanationSummary = builder.objectRef<ExplanationView['summary']>('ExplanationSummary').implement({
  description: 'The explanation at a glance, over every tree judged.',
  fields: (t) => ({
    fitting: t.exposeInt('fitting', { description: 'Trees that fit.' }),
    reasons: t.field({ type: [ReasonCount], description: 'Each reason with the number of trees that carry it, most first.', resolve: (s) => s.reasons }),
    largestFree: t.field({
      type: [ClassFree],
      description: 'Per requested class, the most free on one provider among the trees whose traits, aggregates and place matched.',
      resolve: (s) => s.largestFree,
    }),
    bestChange: t.field({
      type: ReasonCount,
      nullable: true,
      description: 'The single change (as in TreeExplanation.wouldFitIf) that would make the most trees fit; null when no tree is one change away.',
      resolve: (s) => s.bestChange,
    }),
  }),
});

const CandidatesExplanation = builder.objectRef<ExplanationView>('CandidatesExplanation').implement({
  ...typeScopes('CandidatesExplanation'),
  description: 'Why a candidates request fits where it does, and not elsewhere.',
  fields: (t) => ({
    treesConsidered: t.exposeInt('treesConsidered', { description: 'Trees judged: every tree, or those of providerUuids.' }),
    treesFitting: t.exposeInt('treesFitting', { description: 'Of those, the trees that fit.' }),
    trees: t.field({
      type: [TreeExplanation],
      description: 'At most `limit` trees: those that fit first, then those one change away, then the rest; by age within each.',
      resolve: (e) => e.trees,
    }),
    summary: t.field({ type: ExplanationSummary, description: 'Counts per reason, largest free amounts, and the best single change.', resolve: (e) => e.summary }),
  }),
});

builder.queryField('explainAllocationCandidates', (t) =>
  t.field({
    ...queryScopes('explainAllocationCandidates'),
    type: CandidatesExplanation,
    description:
      'Why a candidates request finds what it finds ("no valid host"): for every tree, or the trees of the providers named, whether the search builds a candidate around it and, if not, the typed reasons, ' +
      'with the one change that would make it fit when there is one. A tree explained as fitting is exactly a tree allocationCandidates builds candidates around (its cap, limit and randomize aside). ' +
      'Errors: as allocationCandidates; NOT_FOUND for an unknown provider; BAD_VALUE for a limit out of range.',
    args: {
      request: t.arg({ type: CandidatesRequestInput, required: true, description: 'The request, as for allocationCandidates.' }),
      providerUuids: t.arg.stringList({ required: false, description: 'Explain only the trees of these providers (uuids or global ids).' }),
      limit: t.arg.int({ required: false, defaultValue: 100, description: `Most trees listed in \`trees\` (1–${PAGE_MAX}); the summary counts every tree.` }),
    },
    resolve: (_, args, ctx) => {
      const limit = args.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) throw new DomainError('BAD_VALUE', `limit must be between 1 and ${PAGE_MAX}`, { argumentPath: 'limit' });
      const request = normaliseCandidatesRequest(withTreeUuids(args.request as CandidatesInput, 'request'));
      const providers = args.providerUuids?.map((id, i) => parse(schemas.uuid, uuidOf(id, 'ResourceProvider', `providerUuids[${i}]`), `providerUuids[${i}]`)) ?? null;
      return explain(ctx, request, providers, limit);
    },
  }),
);
