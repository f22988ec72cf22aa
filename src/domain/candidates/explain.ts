// "No valid host": why each tree is, or is not, a home for a candidates request. The verdict is
// the search's own (search.ts): a tree fits exactly when the search builds a candidate around it,
// because the same functions build each group's options and combine them. Reasons are only looked
// for once a tree is out, with the same rules (fitProblems beside fits, spreadAggregates,
// singleEligible, rootAllowed, the relaxed combinations), and a proposed single change is kept only
// when the search, run again on the changed tree, then finds a candidate there.
// Unlike the search, an explanation ignores the candidate cap, `limit` and `randomize`: it judges
// every tree (or the trees asked about).

import { capacity, type FitProblem, fitProblems, fits } from '../inventory.ts';
import type { CandidatesRequest, Group } from './request.ts';
import {
  anchorsServingAll,
  Budget,
  type Candidate,
  candidatesAt,
  groupOptions,
  type Option,
  type Relaxed,
  rootAllowed,
  type SearchOptions,
  singleEligible,
  spreadAggregates,
  treeRootOf,
} from './search.ts';
import { type Stock, type World, WorldIndex, type WorldProvider } from './world.ts';

/** Why a tree is out, each with its meaning (the GraphQL enum ExclusionKind documents itself from these). */
export const exclusionKinds = {
  CLASS_NOT_OFFERED: 'No provider of the tree (nor a sharing provider reaching it) has inventory of the class; with providerUuid, that provider has none.',
  CAPACITY_SHORT: 'Not enough free: requested > capacity - used (see free, capacity, used, total, reserved, allocationRatio, shortBy).',
  BELOW_MIN_UNIT: 'The amount is below the inventory’s min_unit.',
  ABOVE_MAX_UNIT: 'The amount is above the inventory’s max_unit.',
  NOT_STEP_MULTIPLE: 'The amount is not a multiple of the inventory’s step_size.',
  TRAIT_MISSING: 'A required trait is missing (on the provider, or on every choice of providers for the unsuffixed group).',
  TRAIT_FORBIDDEN: 'A forbidden trait is present.',
  ANY_OF_TRAITS_MISSING: 'None of an any-of set of traits is present.',
  NOT_IN_AGGREGATE: 'Not a member of any aggregate of a required (memberOf) set.',
  IN_FORBIDDEN_AGGREGATE: 'A member of a forbidden aggregate.',
  OUTSIDE_IN_TREE: 'The group is limited (inTree) to another tree, or to a provider that does not exist.',
  ROOT_TRAIT_MISSING: 'The root lacks a root-required trait.',
  ROOT_TRAIT_FORBIDDEN: 'The root has a root-forbidden trait.',
  SAME_SUBTREE: 'No choice of providers puts the sameSubtree groups under one of them.',
  ISOLATE: 'The groups would need the same provider, and groupPolicy is ISOLATE.',
  SHARING_UNREACHABLE: 'The class is offered by a sharing provider (providerUuid) that shares no aggregate with the tree.',
  COMBINED_CAPACITY: 'Each group fits on its own, but together they overfill a provider.',
  NOTHING_TO_MATCH: 'A group without resources, required traits or aggregates matches nothing (as in the reference).',
} as const;

export type ExclusionKind = keyof typeof exclusionKinds;

/** One reason a tree is out, about one group (null: the tree itself) and, when it is, one provider. */
export interface Reason {
  kind: ExclusionKind;
  group: string | null;
  provider: number | null;
  resourceClass: string | null;
  traits: string[] | null;
  aggregates: string[] | null;
  requested: number | null;
  /** The provider's inventory of `resourceClass` with its usage, for the numbers. */
  stock: Stock | null;
}

export interface TreeVerdict {
  root: number;
  fits: boolean;
  /** Empty when the tree fits; otherwise at least one. */
  reasons: Reason[];
  /** The one change that makes the tree fit, checked by searching the changed tree. */
  wouldFitIf: Reason | null;
  /** A candidate built around the tree, when it fits. */
  example: Candidate | null;
}

export interface ReasonCount {
  reason: Reason;
  trees: number;
  /** CAPACITY_SHORT: the largest shortfall among them. */
  largestShortBy: number | null;
}

export interface Explanation {
  considered: number;
  fitting: number;
  /** Every tree judged: fitting first, then those one change away, then the rest; by root id within. */
  trees: TreeVerdict[];
  /** Per reason (kind and class, traits or aggregates), how many trees carry it; most first. */
  reasonCounts: ReasonCount[];
  /** Per requested class, the most free on one provider among trees whose traits and aggregates matched. */
  largestFree: { resourceClass: string; free: number; provider: number }[];
  /** The single change that would make the most trees fit. */
  bestChange: ReasonCount | null;
}

/** Kinds about what a provider is (traits, aggregates, place), not how full it is. */
const MATCH_KINDS = new Set<ExclusionKind>([
  'TRAIT_MISSING',
  'TRAIT_FORBIDDEN',
  'ANY_OF_TRAITS_MISSING',
  'NOT_IN_AGGREGATE',
  'IN_FORBIDDEN_AGGREGATE',
  'OUTSIDE_IN_TREE',
  'ROOT_TRAIT_MISSING',
  'ROOT_TRAIT_FORBIDDEN',
]);

const FIT_KINDS: Record<FitProblem, ExclusionKind> = {
  capacity: 'CAPACITY_SHORT',
  min_unit: 'BELOW_MIN_UNIT',
  max_unit: 'ABOVE_MAX_UNIT',
  step_size: 'NOT_STEP_MULTIPLE',
};

const reason = (kind: ExclusionKind, group: string | null, fields: Partial<Reason> = {}): Reason => ({
  kind,
  group,
  provider: null,
  resourceClass: null,
  traits: null,
  aggregates: null,
  requested: null,
  stock: null,
  ...fields,
});

export const free = (s: Stock): number => capacity(s) - s.used;

/** CAPACITY_SHORT: how much more would have to be free. */
export const shortBy = (r: Reason): number | null => (r.kind === 'CAPACITY_SHORT' && r.stock && r.requested !== null ? r.requested - free(r.stock) : null);

/** What a request's explanation needs besides the world: trees by root and who shares into them. */
class Scope {
  readonly ix: WorldIndex;
  private readonly members = new Map<number, WorldProvider[]>();
  private sharingInto: Map<number, WorldProvider[]> | null = null;
  // Per group, once per explanation: each scans every aggregate's members, too much to redo per tree.
  private readonly spreads = new Map<Group, ReturnType<typeof spreadAggregates>>();
  private readonly eligibles = new Map<Group, ReturnType<typeof singleEligible>>();
  /** changedFits' verdicts by the changed tree's shape (shapeKey): a fleet of like hosts is verified once per kind of host. */
  readonly verified = new Map<string, boolean>();

  constructor(
    readonly world: World,
    /** Shared by every search an explanation runs, as one search's steps are (search.ts, Budget). */
    readonly budget: Budget,
  ) {
    this.ix = new WorldIndex(world);
    for (const p of world.providers.values()) {
      const list = this.members.get(p.rootId);
      if (list) list.push(p);
      else this.members.set(p.rootId, [p]);
    }
  }

  roots(): number[] {
    return [...this.members.keys()].sort((a, b) => a - b);
  }

  tree(root: number): WorldProvider[] {
    return this.members.get(root) ?? [];
  }

  spread(g: Group): ReturnType<typeof spreadAggregates> {
    let s = this.spreads.get(g);
    if (!s) this.spreads.set(g, (s = spreadAggregates(this.ix, g)));
    return s;
  }

  eligible(g: Group): ReturnType<typeof singleEligible>['eligible'] {
    let e = this.eligibles.get(g);
    if (!e) this.eligibles.set(g, (e = singleEligible(this.ix, g)));
    return e.eligible;
  }

  /** Sharing providers of other trees that reach the tree rooted at `root`. */
  sharedInto(root: number): WorldProvider[] {
    if (!this.sharingInto) {
      this.sharingInto = new Map();
      for (const id of this.ix.sharing) {
        const p = this.ix.provider(id);
        for (const anchor of this.ix.anchors(id)) {
          if (anchor === p.rootId) continue;
          const list = this.sharingInto.get(anchor);
          if (list) list.push(p);
          else this.sharingInto.set(anchor, [p]);
        }
      }
    }
    return this.sharingInto.get(root) ?? [];
  }
}

/** The search's options for every group, anchored in any of `roots` (null: anywhere), and the trees each group can serve. */
function plan(ix: WorldIndex, req: CandidatesRequest, roots: ReadonlySet<number> | null, budget: Budget) {
  const optionsByGroup: Option[][] = req.groups.map((g) => groupOptions(ix, g, roots ? (r) => roots.has(r) : () => true, budget));
  const servedBy = optionsByGroup.map((options) => new Set(options.map((o) => o.anchor)));
  const lists = new Map(anchorsServingAll(optionsByGroup).map((l) => [l[0][0].anchor, l]));
  return { servedBy, lists };
}

/** The search's verdict on one tree: a candidate built around it, or none. */
function candidateAt(ix: WorldIndex, req: CandidatesRequest, lists: Option[][] | undefined, budget: Budget, relaxed: Relaxed = {}): Candidate | null {
  if (!lists) return null;
  const r = candidatesAt(ix, req, lists, relaxed, budget).next();
  return r.done ? null : r.value;
}

export function explainCandidates(world: World, req: CandidatesRequest, opts: Pick<SearchOptions, 'maxSteps'>, onlyRoots?: readonly number[]): Explanation {
  const scope = new Scope(world, new Budget(opts.maxSteps));
  const { ix, budget } = scope;
  const roots = onlyRoots ? [...new Set(onlyRoots)].filter((r) => scope.tree(r).length) : scope.roots();
  // Options are anchored tree by tree, so judging some trees needs only their options.
  const { servedBy, lists } = plan(ix, req, onlyRoots ? new Set(roots) : null, budget);

  const trees: TreeVerdict[] = roots.map((root) => {
    const rootOk = rootAllowed(req, ix.provider(root));
    const example = rootOk ? candidateAt(ix, req, lists.get(root), budget) : null;
    if (example) return { root, fits: true, reasons: [], wouldFitIf: null, example };
    const reasons = treeReasons(scope, req, root, rootOk, servedBy, lists.get(root));
    const wouldFitIf = reasons.length === 1 && (reasons[0].kind === 'ISOLATE' || reasons[0].kind === 'SAME_SUBTREE' || changedFits(scope, req, root, reasons[0])) ? reasons[0] : null;
    return { root, fits: false, reasons, wouldFitIf, example: null };
  });
  const rank = (t: TreeVerdict) => (t.fits ? 0 : t.wouldFitIf ? 1 : 2);
  trees.sort((a, b) => rank(a) - rank(b) || a.root - b.root);

  return {
    considered: trees.length,
    fitting: trees.filter((t) => t.fits).length,
    trees,
    reasonCounts: countReasons(trees.map((t) => t.reasons)),
    largestFree: largestFree(scope, req, trees),
    bestChange: countReasons(trees.flatMap((t) => (t.wouldFitIf ? [[t.wouldFitIf]] : [])))[0] ?? null,
  };
}

function treeReasons(scope: Scope, req: CandidatesRequest, root: number, rootOk: boolean, servedBy: Set<number>[], lists: Option[][] | undefined): Reason[] {
  const reasons: Reason[] = [];
  if (!rootOk) {
    const p = scope.ix.provider(root);
    const missing = [...req.rootRequired].filter((t) => !p.traits.has(t));
    const present = [...req.rootForbidden].filter((t) => p.traits.has(t));
    if (missing.length) reasons.push(reason('ROOT_TRAIT_MISSING', null, { provider: root, traits: missing }));
    if (present.length) reasons.push(reason('ROOT_TRAIT_FORBIDDEN', null, { provider: root, traits: present }));
  }
  req.groups.forEach((g, i) => {
    if (!servedBy[i].has(root)) reasons.push(...groupReasons(scope, g, root));
  });
  if (reasons.length || !rootOk) return reasons;
  // Every group can be served here on its own, but no combination holds: find which rule it is.
  const { ix, budget } = scope;
  if (req.groupPolicy === 'isolate' && candidateAt(ix, req, lists, budget, { isolate: true })) return [reason('ISOLATE', null)];
  if (req.sameSubtree.length && candidateAt(ix, req, lists, budget, { sameSubtree: true })) return [reason('SAME_SUBTREE', null)];
  const out: Reason[] = [reason('COMBINED_CAPACITY', null)];
  if (!candidateAt(ix, req, lists, budget, { capacity: true })) {
    if (req.groupPolicy === 'isolate') out.push(reason('ISOLATE', null));
    if (req.sameSubtree.length) out.push(reason('SAME_SUBTREE', null));
  }
  return out;
}

/** Why group `g` has no option in the tree rooted at `root`: at least one reason. */
function groupReasons(scope: Scope, g: Group, root: number): Reason[] {
  const { ix } = scope;
  const inTreeRoot = treeRootOf(ix, g);
  if (inTreeRoot === null) return [reason('OUTSIDE_IN_TREE', g.suffix)];
  if (g.resources.size === 0) {
    // As the search: a group without resources matches only through traits or aggregates, anywhere.
    if (!g.required.length && !g.memberOf.length) return [reason('NOTHING_TO_MATCH', g.suffix)];
    return closestProvider(scope, g, [...scope.tree(root), ...scope.sharedInto(root)], root);
  }
  if (g.suffix === '') {
    if (inTreeRoot !== undefined && inTreeRoot !== root) return [reason('OUTSIDE_IN_TREE', g.suffix, { provider: inTreeRoot })];
    return spreadReasons(scope, g, root, inTreeRoot === undefined ? [...scope.tree(root), ...scope.sharedInto(root)] : scope.tree(root));
  }
  const candidates = [...scope.tree(root), ...scope.sharedInto(root)].filter((p) => inTreeRoot === undefined || p.rootId === inTreeRoot);
  if (!candidates.length) return [reason('OUTSIDE_IN_TREE', g.suffix, { provider: inTreeRoot ?? null })];
  return closestProvider(scope, g, candidates, root);
}

/** A class no provider of the tree (nor one sharing into it) offers: is there a sharing provider that could, elsewhere? */
function notOffered(scope: Scope, g: Group, rc: string, amount: number): Reason {
  for (const id of scope.ix.sharing) {
    const s = scope.ix.provider(id).stock.get(rc);
    if (s && fits(s, s.used, amount)) return reason('SHARING_UNREACHABLE', g.suffix, { provider: id, resourceClass: rc, requested: amount, stock: s });
  }
  return reason('CLASS_NOT_OFFERED', g.suffix, { resourceClass: rc, requested: amount });
}

function fitReasons(g: Group, p: WorldProvider, rc: string, amount: number): Reason[] {
  const s = p.stock.get(rc)!;
  return fitProblems(s, s.used, amount).map((problem) => reason(FIT_KINDS[problem], g.suffix, { provider: p.id, resourceClass: rc, requested: amount, stock: s }));
}

function traitReasons(g: Group, traits: ReadonlySet<string>, provider: number | null): Reason[] {
  const out: Reason[] = [];
  for (const set of g.required) {
    if ([...set].some((t) => traits.has(t))) continue;
    out.push(reason(set.size === 1 ? 'TRAIT_MISSING' : 'ANY_OF_TRAITS_MISSING', g.suffix, { provider, traits: [...set] }));
  }
  const present = [...g.forbidden].filter((t) => traits.has(t));
  if (present.length) out.push(reason('TRAIT_FORBIDDEN', g.suffix, { provider, traits: present }));
  return out;
}

/**
 * Aggregate reasons for one provider. For the unsuffixed group the tree's root may stand in for it
 * (spreadAggregates: the provider or the root is in every memberOf set): the sets unmet are told for
 * whichever of the two misses fewer. Neither may be in a forbidden aggregate.
 */
function aggregateReasons(g: Group, p: WorldProvider, root: WorldProvider | null): Reason[] {
  const unmetBy = (q: WorldProvider) => g.memberOf.filter((set) => ![...set].some((a) => q.aggregates.has(a)));
  let unmet = unmetBy(p);
  let who = p;
  if (root && unmet.length) {
    const byRoot = unmetBy(root);
    if (byRoot.length < unmet.length) [unmet, who] = [byRoot, root];
  }
  const out = unmet.map((set) => reason('NOT_IN_AGGREGATE', g.suffix, { provider: who.id, aggregates: [...set] }));
  const banned = [...g.forbiddenAggregates].filter((a) => p.aggregates.has(a) || (root?.aggregates.has(a) ?? false));
  if (banned.length) out.push(reason('IN_FORBIDDEN_AGGREGATE', g.suffix, { provider: p.id, aggregates: banned }));
  return out;
}

/** A named (or resourceless) group: the reasons of the provider that comes closest, fewest first. */
function closestProvider(scope: Scope, g: Group, candidates: WorldProvider[], root: number): Reason[] {
  const notOfferedHere = new Map<string, Reason>();
  for (const [rc, amount] of g.resources) {
    if (!candidates.some((p) => p.stock.has(rc))) notOfferedHere.set(rc, notOffered(scope, g, rc, amount));
  }
  const eligible = scope.eligible(g);
  let best: Reason[] | null = null;
  for (const p of candidates) {
    const problems: Reason[] = [];
    for (const [rc, amount] of g.resources) {
      if (notOfferedHere.has(rc)) problems.push(notOfferedHere.get(rc)!);
      else if (!p.stock.has(rc)) problems.push(reason('CLASS_NOT_OFFERED', g.suffix, { provider: p.id, resourceClass: rc, requested: amount }));
      else problems.push(...fitReasons(g, p, rc, amount));
    }
    if (!eligible(p)) problems.push(...traitReasons(g, p.traits, p.id), ...aggregateReasons(g, p, null));
    if (best === null || problems.length < best.length) best = problems;
  }
  // Never empty in practice (such a provider would have been an option); kept total all the same.
  return best?.length ? best : [reason('NOTHING_TO_MATCH', g.suffix, { provider: root })];
}

/** The unsuffixed group: per class, the first rule no provider gets past; then traits over the union. */
function spreadReasons(scope: Scope, g: Group, root: number, candidates: WorldProvider[]): Reason[] {
  const { members, admits } = scope.spread(g);
  const rootProvider = scope.ix.provider(root);
  const reasons: Reason[] = [];
  const allowed = new Set<WorldProvider>();
  const offeringAny = new Set<WorldProvider>();
  for (const [rc, amount] of g.resources) {
    const offering = candidates.filter((p) => p.stock.has(rc));
    for (const p of offering) offeringAny.add(p);
    if (!offering.length) {
      reasons.push(notOffered(scope, g, rc, amount));
      continue;
    }
    const fitting = offering.filter((p) => fits(p.stock.get(rc)!, p.stock.get(rc)!.used, amount));
    if (!fitting.length) {
      const closest = offering.reduce((a, b) => (free(b.stock.get(rc)!) > free(a.stock.get(rc)!) ? b : a));
      reasons.push(...fitReasons(g, closest, rc, amount));
      continue;
    }
    // As spreadOptions: a sharing provider from another tree must itself be a member.
    const ok = fitting.filter((p) => admits(p.id, root) && (p.rootId === root || !members || members.has(p.id)));
    if (!ok.length) {
      const p = fitting[0];
      reasons.push(...aggregateReasons(g, p, p.rootId === root ? rootProvider : null));
      continue;
    }
    for (const p of ok) allowed.add(p);
  }
  // Traits are judged on the union of the chosen providers: of those allowed, or (when a class
  // already rules the tree out) of every provider offering a requested class, so both are told.
  const pool = [...(reasons.length ? offeringAny : allowed)];
  const union = new Set<string>();
  for (const p of pool) for (const t of p.traits) union.add(t);
  const traits = traitReasons(g, union, null);
  for (const r of traits) {
    // A forbidden trait: the first provider that has it. A missing one: a provider that serves (the change would go there).
    r.provider = (r.kind === 'TRAIT_FORBIDDEN' ? pool.find((p) => r.traits!.some((t) => p.traits.has(t))) : pool[0])?.id ?? null;
  }
  // One provider outside an aggregate is one reason, however many classes it would serve.
  const distinct = new Map<string, Reason>();
  for (const r of [...reasons, ...traits]) if (!distinct.has(`${reasonKey(r)}|${r.provider}`)) distinct.set(`${reasonKey(r)}|${r.provider}`, r);
  if (distinct.size) return [...distinct.values()];
  // Each required trait is somewhere, but no one choice of providers has them all.
  return [reason('TRAIT_MISSING', g.suffix, { traits: g.required.flatMap((s) => [...s]) })];
}

/** Whether the tree would fit with `r` changed: the search, run on the changed tree. */
function changedFits(scope: Scope, req: CandidatesRequest, root: number, r: Reason): boolean {
  const change = changeFor(scope, root, r);
  if (!change) return false;
  // The tree, the trees of everything sharing into it and of anything the change brings in.
  const roots = new Set([root, ...scope.sharedInto(root).map((p) => p.rootId), ...change.alsoRoots]);
  // A tree alone (no inTree, which names a provider by uuid) is judged by its shape only.
  const alone = roots.size === 1 && change.providers.every((p) => p.rootId === root) && req.groups.every((g) => g.inTree === null);
  const key = alone ? shapeKey(scope.tree(root), change.providers) : null;
  const known = key === null ? undefined : scope.verified.get(key);
  if (known !== undefined) return known;
  // Unsorted: only whether a candidate exists is asked, and that does not depend on order.
  const providers = new Map<number, WorldProvider>();
  for (const rt of roots) for (const p of scope.tree(rt)) providers.set(p.id, p);
  for (const p of change.providers) providers.set(p.id, p);
  const ix = new WorldIndex({ providers, classIds: scope.world.classIds });
  let fitsNow = false;
  if (rootAllowed(req, ix.provider(root))) {
    const lists = anchorsServingAll(req.groups.map((g) => groupOptions(ix, g, (anchor) => anchor === root, scope.budget)));
    fitsNow = lists.length > 0 && candidateAt(ix, req, lists[0], scope.budget) !== null;
  }
  if (key !== null) scope.verified.set(key, fitsNow);
  return fitsNow;
}

/**
 * The changed tree up to provider ids: per member, in order, its parent's position, traits,
 * aggregates and stock. Trees with one key are the same tree relabelled, and the search (ids aside)
 * finds a candidate in both or in neither.
 */
function shapeKey(members: readonly WorldProvider[], changed: readonly WorldProvider[]): string {
  // Sets and maps unsorted: like trees loaded alike list them alike (a miss only costs a search).
  let key = '';
  for (const m of members) {
    const p = changed.find((c) => c.id === m.id) ?? m;
    key += `${p.parentId === null ? -1 : members.findIndex((q) => q.id === p.parentId)}|`;
    for (const t of p.traits) key += `${t},`;
    key += '|';
    for (const a of p.aggregates) key += `${a},`;
    for (const [rc, st] of p.stock) key += `|${rc}:${st.total},${st.reserved},${st.minUnit},${st.maxUnit},${st.stepSize},${st.allocationRatio},${st.used}`;
    key += '\n';
  }
  return key;
}

/** The changed providers that would lift `r` (copies: world providers are never changed), or null when no one change can. */
function changeFor(scope: Scope, root: number, r: Reason): { providers: WorldProvider[]; alsoRoots: number[] } | null {
  const { ix } = scope;
  const p = r.provider === null ? null : ix.provider(r.provider);
  const copy = (q: WorldProvider, patch: Partial<WorldProvider>) => ({ providers: [{ ...q, ...patch }], alsoRoots: [] as number[] });
  switch (r.kind) {
    case 'CAPACITY_SHORT': {
      if (!p || !r.stock || !r.resourceClass) return null;
      const stock = new Map(p.stock);
      stock.set(r.resourceClass, { ...r.stock, used: r.stock.used - shortBy(r)! });
      return copy(p, { stock });
    }
    case 'TRAIT_MISSING':
    case 'ANY_OF_TRAITS_MISSING':
    case 'ROOT_TRAIT_MISSING': {
      const target = p ?? ix.provider(root);
      return copy(target, { traits: new Set([...target.traits, r.traits![0]]) });
    }
    case 'TRAIT_FORBIDDEN':
    case 'ROOT_TRAIT_FORBIDDEN': {
      const target = p ?? ix.provider(root);
      return copy(target, { traits: new Set([...target.traits].filter((t) => !r.traits!.includes(t))) });
    }
    case 'NOT_IN_AGGREGATE': {
      if (!p) return null;
      const a = r.aggregates![0];
      // Only the aggregate's sharing providers can then serve the tree: bring in their trees, not
      // every member's (on a flat cloud that would be most of the world, once per tree).
      const sharing = (ix.byAggregate.get(a) ?? []).filter((id) => ix.sharing.has(id));
      return { providers: [{ ...p, aggregates: new Set([...p.aggregates, a]) }], alsoRoots: sharing.map((id) => ix.provider(id).rootId) };
    }
    case 'IN_FORBIDDEN_AGGREGATE': {
      if (!p) return null;
      // The unsuffixed group also looks at the root: take the aggregates off both.
      const without = (q: WorldProvider) => ({ ...q, aggregates: new Set([...q.aggregates].filter((a) => !r.aggregates!.includes(a))) });
      const rootProvider = ix.provider(p.rootId);
      return { providers: p.id === rootProvider.id ? [without(p)] : [without(p), without(rootProvider)], alsoRoots: [] };
    }
    case 'SHARING_UNREACHABLE': {
      // Put the tree's root into an aggregate of the sharing provider.
      if (!p) return null;
      const a = [...p.aggregates][0];
      if (a === undefined) return null;
      const rootProvider = ix.provider(root);
      return { providers: [{ ...rootProvider, aggregates: new Set([...rootProvider.aggregates, a]) }], alsoRoots: [p.rootId] };
    }
    default:
      return null;
  }
}

/** Identity of a reason across trees: its kind and what it is about, not which provider. */
const reasonKey = (r: Reason) => `${r.kind}|${r.group ?? ''}|${r.resourceClass ?? ''}|${(r.traits ?? []).join(',')}|${(r.aggregates ?? []).join(',')}`;

function countReasons(perTree: Reason[][]): ReasonCount[] {
  const counts = new Map<string, ReasonCount>();
  for (const reasons of perTree) {
    const seen = new Set<string>();
    for (const r of reasons) {
      const key = reasonKey(r);
      if (seen.has(key)) continue;
      seen.add(key);
      let c = counts.get(key);
      if (!c) counts.set(key, (c = { reason: r, trees: 0, largestShortBy: null }));
      c.trees++;
      const short = shortBy(r);
      if (short !== null) c.largestShortBy = Math.max(c.largestShortBy ?? 0, short);
    }
  }
  return [...counts.values()].sort((a, b) => b.trees - a.trees);
}

function largestFree(scope: Scope, req: CandidatesRequest, trees: TreeVerdict[]): Explanation['largestFree'] {
  const classes = [...new Set(req.groups.flatMap((g) => [...g.resources.keys()]))];
  const best = new Map<string, { resourceClass: string; free: number; provider: number }>();
  for (const t of trees) {
    if (t.reasons.some((r) => MATCH_KINDS.has(r.kind))) continue;
    for (const p of [...scope.tree(t.root), ...scope.sharedInto(t.root)]) {
      for (const rc of classes) {
        const s = p.stock.get(rc);
        if (!s) continue;
        const f = free(s);
        const b = best.get(rc);
        if (!b || f > b.free) best.set(rc, { resourceClass: rc, free: f, provider: p.id });
      }
    }
  }
  return classes.flatMap((rc) => (best.has(rc) ? [best.get(rc)!] : []));
}
