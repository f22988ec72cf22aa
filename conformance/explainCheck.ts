// The explanation's promise, checked from outside: the trees explainAllocationCandidates calls
// fitting are exactly the trees allocationCandidates builds candidates around, and every other tree
// carries a reason. Which trees a candidate can be built around is worked out here from the
// topology alone (its providers' trees, and the trees sharing providers reach), not by the server.
// Pure (no database): the tests and scripts/explain-fuzz.ts share it.
import { type CandidateRequest, canonicalCandidate, type Topology } from './model.ts';

export const EXPLAIN_QUERY = `query($request: AllocationCandidatesInput!, $limit: Int, $providerUuids: [String!]) {
  explainAllocationCandidates(request: $request, limit: $limit, providerUuids: $providerUuids) {
    treesConsidered treesFitting
    trees { rootUuid rootName fits
      reasons { kind group providerUuid providerName resourceClass traits aggregates requested free capacity used shortBy message }
      wouldFitIf { kind providerUuid resourceClass traits aggregates shortBy message }
      example { allocations { providerUuid resources { resourceClass amount } } mappings { suffix providerUuids } } }
    summary { fitting reasons { kind resourceClass traits trees largestShortBy message } largestFree { resourceClass free providerUuid providerName }
      bestChange { kind resourceClass traits trees largestShortBy message } }
  }
}`;

const SHARING = 'MISC_SHARES_VIA_AGGREGATE';

/** A candidate as the API gives it, in canonical form (model.ts). */
export function canonical(ar: { allocations: { providerUuid: string; resources: { resourceClass: string; amount: number }[] }[]; mappings: { suffix: string; providerUuids: string[] }[] }): string {
  const allocations: Record<string, Record<string, number>> = {};
  for (const a of ar.allocations) allocations[a.providerUuid] = Object.fromEntries(a.resources.map((r) => [r.resourceClass, r.amount]));
  return canonicalCandidate(allocations, Object.fromEntries(ar.mappings.map((m) => [m.suffix, m.providerUuids])));
}

/** Per provider, the trees (root uuids) it can serve: its own, and for a sharing provider every tree sharing an aggregate with it. */
function reachOf(t: Topology): Map<string, Set<string>> {
  const parent = new Map(t.providers.map((p) => [p.uuid, p.parent ?? null]));
  const rootOf = (uuid: string): string => {
    let at = uuid;
    for (let up = parent.get(at); up; up = parent.get(at)) at = up;
    return at;
  };
  const reach = new Map<string, Set<string>>();
  for (const p of t.providers) {
    const trees = new Set([rootOf(p.uuid)]);
    if (p.traits?.includes(SHARING)) {
      for (const q of t.providers) if ((q.aggregates ?? []).some((a) => p.aggregates?.includes(a))) trees.add(rootOf(q.uuid));
    }
    reach.set(p.uuid, trees);
  }
  return reach;
}

export interface ExplainCheck {
  problems: string[];
  fitting: number;
  excluded: number;
}

/**
 * `explanation`: the explainAllocationCandidates answer (limit ≥ every tree); `candidates`: the
 * allocationRequests of the same request with no limit and no cap.
 */
export function checkExplanation(t: Topology, request: CandidateRequest, explanation: any, candidates: any[]): ExplainCheck {
  const problems: string[] = [];
  const label = JSON.stringify(request);
  const reach = reachOf(t);
  const roots = t.providers.filter((p) => !p.parent).map((p) => p.uuid);
  const trees: any[] = explanation.trees;
  if (explanation.treesConsidered !== roots.length) problems.push(`${label}: ${explanation.treesConsidered} trees considered, the topology has ${roots.length}`);
  if (trees.length !== roots.length) problems.push(`${label}: ${trees.length} trees listed of ${roots.length}`);
  const fitting = new Set(trees.filter((x) => x.fits).map((x) => x.rootUuid as string));
  if (explanation.treesFitting !== fitting.size) problems.push(`${label}: treesFitting ${explanation.treesFitting} != ${fitting.size} trees marked fitting`);
  if (explanation.summary.fitting !== fitting.size) problems.push(`${label}: summary.fitting ${explanation.summary.fitting} != ${fitting.size}`);

  const all = new Set(candidates.map(canonical));
  for (const x of trees) {
    if (x.fits) {
      if (x.reasons.length) problems.push(`${label}: ${x.rootName} fits but carries reasons`);
      if (!x.example) problems.push(`${label}: ${x.rootName} fits without an example`);
      else {
        // The tree's example is one of the candidates, and built around this tree.
        if (!all.has(canonical(x.example))) problems.push(`${label}: ${x.rootName}'s example is not among the candidates`);
        for (const a of x.example.allocations) if (!reach.get(a.providerUuid)?.has(x.rootUuid)) problems.push(`${label}: ${x.rootName}'s example uses ${a.providerUuid}, which cannot serve it`);
      }
    } else if (!x.reasons.length) problems.push(`${label}: ${x.rootName} is excluded without a reason`);
  }
  // Every candidate is built around a tree explained as fitting.
  for (const c of candidates) {
    // The trees every provider of the candidate can serve.
    const [first, ...rest] = c.allocations.map((a: { providerUuid: string }) => reach.get(a.providerUuid) ?? new Set<string>());
    const homes = new Set<string>(first);
    for (const r of rest) for (const h of homes) if (!r.has(h)) homes.delete(h);
    if (![...homes].some((h) => fitting.has(h))) problems.push(`${label}: candidate ${canonical(c)} is built around no tree explained as fitting`);
  }
  return { problems, fitting: fitting.size, excluded: roots.length - fitting.size };
}
