// The allocationCandidates query in the neutral scenario language of model.ts: the GraphQL input
// for a request and the normalised answer of a result. Pure (no database, no server), so the
// benchmarks can drive a running server with it.
import { type Answer, type CandidateRequest, canonicalCandidate, okAnswer, type SummarySpec } from './model.ts';

export const CANDIDATES_QUERY = `query($request: AllocationCandidatesInput!) {
  allocationCandidates(request: $request) {
    allocationRequests { allocations { providerUuid resources { resourceClass amount } } mappings { suffix providerUuids } }
    providerSummaries { uuid parentUuid rootUuid traits resources { resourceClass capacity used } }
  }
}`;

/** The GraphQL input for a neutral request. */
export function candidatesInput(r: CandidateRequest, withLimit = true) {
  return {
    groups: r.groups.map((g) => ({
      suffix: g.suffix ?? '',
      resources: Object.entries(g.resources ?? {}).map(([resourceClass, amount]) => ({ resourceClass, amount })),
      requiredTraits: g.required ?? [],
      forbiddenTraits: g.forbidden ?? [],
      anyOfTraits: g.anyOf ?? [],
      memberOf: g.memberOf ?? [],
      forbiddenAggregates: g.forbiddenAggregates ?? [],
      inTree: g.inTree ?? null,
    })),
    groupPolicy: r.groupPolicy ? r.groupPolicy.toUpperCase() : null,
    sameSubtree: r.sameSubtree ?? [],
    rootRequiredTraits: r.rootRequired ?? [],
    rootForbiddenTraits: r.rootForbidden ?? [],
    limit: withLimit ? (r.limit ?? null) : null,
  };
}

/** Normalises a GraphQL allocationCandidates result. */
export function toAnswer(data: any): Answer {
  const candidates = data.allocationRequests.map((ar: any) => {
    const allocations: Record<string, Record<string, number>> = {};
    for (const a of ar.allocations) allocations[a.providerUuid] = Object.fromEntries(a.resources.map((r: any) => [r.resourceClass, r.amount]));
    const mappings = Object.fromEntries(ar.mappings.map((m: any) => [m.suffix, m.providerUuids]));
    return canonicalCandidate(allocations, mappings);
  });
  const summaries: Record<string, SummarySpec> = {};
  for (const s of data.providerSummaries) {
    summaries[s.uuid] = {
      resources: Object.fromEntries(s.resources.map((r: any) => [r.resourceClass, { capacity: r.capacity, used: r.used }])),
      traits: s.traits,
      parent: s.parentUuid,
      root: s.rootUuid,
    };
  }
  return okAnswer(candidates, summaries);
}
