// Allocation candidates (SPEC §12) over a loaded World, with the reference's semantics:
// 1. each request group is solved on its own, giving per-group options keyed by the root of the
//    tree they serve (their "anchor"; a sharing provider serves every tree it shares with);
// 2. for each anchor that every group can serve, the groups' options are combined, one per group,
//    subject to group policy, same-subtree and the capacity of the summed amounts;
// 3. the combinations are produced lazily, root by root (depth-first) or round-robin over roots
//    (breadth-first), and generation stops at the configured cap, so wide symmetric trees cannot
//    explode; a limit without randomisation stops even earlier.

import type { ResourceAmount } from '../allocation.ts';
import { fail } from '../errors.ts';
import { fits, hasRoom } from '../inventory.ts';
import type { CandidatesRequest, Group } from './request.ts';
import { type Stock, type World, WorldIndex, type WorldProvider } from './world.ts';

export type Strategy = 'depth-first' | 'breadth-first';

export interface SearchOptions {
  /** Most candidates generated for one request (the reference's max_allocation_candidates); null: no cap. */
  maxCandidates: number | null;
  strategy: Strategy;
  /** Most steps (combinations tried) for one request before it is refused with LIMIT_EXCEEDED; null: no bound. */
  maxSteps?: number | null;
  /** Source of randomness for `randomize`; Math.random by default. */
  random?: () => number;
}

export interface Candidate {
  /** Per provider (in order of first use), the amount of each class to take from it. */
  allocations: { rp: number; resources: ResourceAmount[] }[];
  /** Per request group, in request order: the providers that served it (shared between candidates: never change it). */
  mappings: { suffix: string; rps: readonly number[] }[];
}

export interface CandidatesResult {
  candidates: Candidate[];
  /** Every provider of every tree a candidate allocates from. */
  summaries: WorldProvider[];
}

/** One amount of one class from one provider. */
interface Part {
  rp: number;
  rc: string;
  amount: number;
  /** The provider's inventory of `rc`, and one number naming (rp, rc) for sums in the hot loop. */
  stock: Stock;
  key: number;
}

function part(ix: WorldIndex, rp: number, rc: string, amount: number): Part {
  return { rp, rc, amount, stock: ix.provider(rp).stock.get(rc)!, key: rp * 1_048_576 + ix.world.classIds.get(rc)! };
}

/** One way to satisfy one group, within the tree rooted at `anchor`. */
export interface Option {
  anchor: number;
  parts: Part[];
  providers: number[];
  /** A named group: its one provider counts for group_policy=isolate. */
  single: boolean;
}

const EMPTY: CandidatesResult = { candidates: [], summaries: [] };

/**
 * Steps one request may take. Named groups under ISOLATE, or classes spread over many providers of
 * one tree, can make the combinations grow factorially: without a bound one request would hold the
 * process (and every other request on it) for minutes.
 */
export class Budget {
  private left: number;

  constructor(readonly max: number | null | undefined) {
    this.left = max ?? Number.POSITIVE_INFINITY;
  }

  spend(): void {
    if (--this.left < 0) {
      fail('LIMIT_EXCEEDED', `The candidate search tried more than ${this.max} combinations for this request (PLACEMENT_MAX_SEARCH_STEPS); ask for fewer groups or narrow them.`, {
        limit: 'searchSteps',
      });
    }
  }
}

export function searchCandidates(world: World, req: CandidatesRequest, opts: SearchOptions): CandidatesResult {
  const ix = new WorldIndex(world);
  const budget = new Budget(opts.maxSteps);
  const anchorRoots = rootsWithTraits(ix, req);
  if (anchorRoots && anchorRoots.size === 0) return EMPTY;
  const anchorOk = (root: number) => !anchorRoots || anchorRoots.has(root);

  const optionsByGroup: Option[][] = [];
  for (const g of req.groups) {
    const options = groupOptions(ix, g, anchorOk, budget);
    if (!options.length) return EMPTY;
    optionsByGroup.push(options);
  }

  const randomize = req.randomize && req.limit !== null;
  let cap = opts.maxCandidates;
  // Without randomisation the reference keeps an arbitrary `limit` of its candidates, so the
  // first `limit` found are as good an answer as any, and cheaper.
  if (req.limit !== null && !randomize) cap = cap === null ? req.limit : Math.min(cap, req.limit);

  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  // Equal candidates under two anchors only arise through sharing providers; skip the bookkeeping otherwise.
  const mayRepeat = optionsByGroup.some((options) => options.some((o) => o.providers.some((rp) => ix.sharing.has(rp))));
  const generators = anchorsServingAll(optionsByGroup).map((lists) => candidatesAt(ix, req, lists, {}, budget));
  for (const c of opts.strategy === 'breadth-first' ? roundRobin(generators) : chain(generators)) {
    if (mayRepeat) {
      const key = candidateKey(c);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    candidates.push(c);
    if (cap !== null && candidates.length >= cap) break;
  }

  let kept = candidates;
  if (req.limit !== null && kept.length > req.limit) kept = randomize ? sample(kept, req.limit, opts.random ?? Math.random) : kept.slice(0, req.limit);
  else if (req.randomize) kept = sample(kept, kept.length, opts.random ?? Math.random);

  const trees = new Set<number>();
  for (const c of kept) for (const a of c.allocations) trees.add(ix.provider(a.rp).rootId);
  const summaries = [...world.providers.values()].filter((p) => trees.has(p.rootId));
  return { candidates: kept, summaries };
}

/** Whether a root has every root-required trait and no root-forbidden one. */
export function rootAllowed(req: CandidatesRequest, root: WorldProvider): boolean {
  for (const t of req.rootRequired) if (!root.traits.has(t)) return false;
  for (const t of req.rootForbidden) if (root.traits.has(t)) return false;
  return true;
}

/** Roots allowed by root required/forbidden traits; null when the request sets none. */
function rootsWithTraits(ix: WorldIndex, req: CandidatesRequest): Set<number> | null {
  if (!req.rootRequired.size && !req.rootForbidden.size) return null;
  const roots = new Set<number>();
  for (const p of ix.world.providers.values()) if (p.parentId === null && rootAllowed(req, p)) roots.add(p.id);
  return roots;
}

/** Every way to satisfy one group, each anchored to a tree `anchorOk` admits. */
export function groupOptions(ix: WorldIndex, g: Group, anchorOk: (root: number) => boolean, budget: Budget): Option[] {
  return g.suffix === '' ? spreadOptions(ix, g, anchorOk, budget) : singleOptions(ix, g, anchorOk);
}

/** Providers that have capacity for `amount` of `rc` (in the group's tree, if it names one). */
export function providersWith(ix: WorldIndex, rc: string, amount: number, treeRoot: number | null): WorldProvider[] {
  const out: WorldProvider[] = [];
  for (const p of ix.world.providers.values()) {
    if (treeRoot !== null && p.rootId !== treeRoot) continue;
    const s = p.stock.get(rc);
    if (s && fits(s, s.used, amount)) out.push(p);
  }
  return out;
}

/** The root of the group's in-tree provider: undefined when the group names none, null when it is unknown. */
export function treeRootOf(ix: WorldIndex, g: Group): number | null | undefined {
  if (g.inTree === null) return undefined;
  return ix.byUuid.get(g.inTree)?.rootId ?? null;
}

/** Trait test for one provider, with the group's sets turned into arrays once. */
export function traitTest(g: Group): (traits: ReadonlySet<string>) => boolean {
  const required = g.required.map((any) => [...any]);
  const forbidden = [...g.forbidden];
  return (traits) => required.every((any) => any.some((t) => traits.has(t))) && !forbidden.some((t) => traits.has(t));
}

/**
 * The unsuffixed group's aggregate rule: a provider serves the tree rooted at `root` when it or
 * that root is in every memberOf set, and neither is in a forbidden aggregate. (A sharing provider
 * must, besides, be a member itself: spreadOptions.)
 */
export function spreadAggregates(ix: WorldIndex, g: Group): { members: Set<number> | null; admits: (rp: number, root: number) => boolean } {
  const members = g.memberOf.length ? ix.inAggregates(g.memberOf) : null;
  const banned = ix.inAnyAggregate(g.forbiddenAggregates);
  return { members, admits: (rp, root) => (!members || members.has(rp) || members.has(root)) && !banned.has(rp) && !banned.has(root) };
}

/**
 * The unsuffixed group: its resources may come from several providers of one tree and from
 * sharing providers anchored to that tree. Aggregate filters accept a provider when it or its
 * tree's root is a member; traits are judged on the union of the chosen providers' traits.
 */
function spreadOptions(ix: WorldIndex, g: Group, anchorOk: (root: number) => boolean, budget: Budget): Option[] {
  const treeRoot = treeRootOf(ix, g);
  if (treeRoot === null) return [];
  const { members, admits } = spreadAggregates(ix, g);
  if (members && !members.size) return [];

  // Per class, per tree root, the providers that can serve it there (in order found, each once).
  // The hot part of most searches: plain arrays and loops, one pass per provider.
  const byClass = new Map<string, Map<number, number[]>>();
  let trees = null as Set<number> | null;
  const allowed = (rp: number, root: number) => anchorOk(root) && admits(rp, root);
  for (const [rc, amount] of g.resources) {
    const found = providersWith(ix, rc, amount, treeRoot ?? null);
    if (!found.length) return [];
    const byRoot = new Map<number, number[]>();
    const add = (rp: number, root: number) => {
      if (!allowed(rp, root)) return;
      const rps = byRoot.get(root);
      if (!rps) byRoot.set(root, [rp]);
      else if (!rps.includes(rp)) rps.push(rp);
    };
    for (const p of found) add(p.id, p.rootId);
    if (treeRoot === undefined) {
      for (const p of found) {
        if (!ix.sharing.has(p.id) || (members && !members.has(p.id))) continue;
        for (const anchor of ix.anchors(p.id)) add(p.id, anchor);
      }
    }
    if (!byRoot.size) return [];
    if (trees === null) trees = new Set(byRoot.keys());
    else for (const r of trees) if (!byRoot.has(r)) trees.delete(r);
    if (!trees.size) return [];
    byClass.set(rc, byRoot);
  }

  const classes = [...g.resources.keys()].sort((a, b) => ix.world.classIds.get(a)! - ix.world.classIds.get(b)!);
  const amounts = classes.map((rc) => g.resources.get(rc)!);
  const classKeys = classes.map((rc) => ix.world.classIds.get(rc)!);
  const byRootOf = classes.map((rc) => byClass.get(rc)!);
  const forbidden = [...g.forbidden];
  const required = g.required.map((any) => [...any]);
  const options: Option[] = [];
  for (const root of trees!) {
    const choices = byRootOf.map((byRoot) => byRoot.get(root)!);
    for (const pick of choices.every((c) => c.length === 1) ? [choices.map((c) => c[0])] : product(choices)) {
      // Hot loop (one pass per combination): plain loops, no intermediate sets.
      budget.spend();
      const providers: number[] = [];
      for (const id of pick) if (!providers.includes(id)) providers.push(id);
      const traitsOf = providers.map((id) => ix.provider(id).traits);
      if (forbidden.length && traitsOf.some((ts) => forbidden.some((t) => ts.has(t)))) continue;
      if (required.length && !required.every((any) => any.some((t) => traitsOf.some((ts) => ts.has(t))))) continue;
      const parts = classes.map((rc, i): Part => {
        const rp = pick[i];
        return { rp, rc, amount: amounts[i], stock: ix.provider(rp).stock.get(rc)!, key: rp * 1_048_576 + classKeys[i] };
      });
      options.push({ anchor: root, parts, providers, single: false });
    }
  }
  return options;
}

/** A named group's provider rule besides capacity: its own traits and aggregates; `none` when no provider is in every memberOf set. */
export function singleEligible(ix: WorldIndex, g: Group): { eligible: (p: WorldProvider) => boolean; none: boolean } {
  const candidates = g.memberOf.length ? ix.inAggregates(g.memberOf) : null;
  const banned = ix.inAnyAggregate(g.forbiddenAggregates);
  const traitsOk = traitTest(g);
  return { eligible: (p) => traitsOk(p.traits) && !banned.has(p.id) && (!candidates || candidates.has(p.id)), none: candidates !== null && !candidates.size };
}

/**
 * A named group: all its resources from one provider that itself has the required traits and
 * aggregates. A sharing provider serves its own tree and every tree it is anchored to.
 */
function singleOptions(ix: WorldIndex, g: Group, anchorOk: (root: number) => boolean): Option[] {
  const treeRoot = treeRootOf(ix, g);
  if (treeRoot === null) return [];
  const { eligible, none } = singleEligible(ix, g);
  if (none) return [];

  let chosen: WorldProvider[];
  if (g.resources.size === 0) {
    // The reference only ever matches a resourceless group through required traits or aggregates,
    // and ignores its in-tree.
    if (!g.required.length && !g.memberOf.length) return [];
    chosen = [...ix.world.providers.values()].filter(eligible);
  } else {
    let set: Map<number, WorldProvider> | null = null;
    for (const [rc, amount] of g.resources) {
      const found = providersWith(ix, rc, amount, treeRoot ?? null);
      if (!found.length) return [];
      set = new Map(found.filter((p) => (set === null ? eligible(p) : set.has(p.id))).map((p) => [p.id, p]));
      if (!set.size) return [];
    }
    chosen = [...set!.values()];
  }

  const options: Option[] = [];
  for (const p of chosen) {
    const parts = [...g.resources].map(([rc, amount]) => part(ix, p.id, rc, amount));
    const option = (anchor: number): Option => ({ anchor, parts, providers: [p.id], single: true });
    if (anchorOk(p.rootId)) options.push(option(p.rootId));
    if (ix.sharing.has(p.id)) for (const anchor of ix.anchors(p.id)) if (anchor !== p.rootId && anchorOk(anchor)) options.push(option(anchor));
  }
  return options;
}

/** Per anchor served by every group: each group's options there, in request order. */
export function anchorsServingAll(optionsByGroup: Option[][]): Option[][][] {
  const byAnchor = new Map<number, Option[][]>();
  optionsByGroup.forEach((options, i) => {
    for (const o of options) {
      let lists = byAnchor.get(o.anchor);
      if (!lists) byAnchor.set(o.anchor, (lists = optionsByGroup.map(() => [])));
      lists[i].push(o);
    }
  });
  return [...byAnchor.values()].filter((lists) => lists.every((l) => l.length));
}

/** Checks a combination may skip, to find out which one rules a tree out (explain.ts); the search skips none. */
export interface Relaxed {
  isolate?: boolean;
  sameSubtree?: boolean;
  capacity?: boolean;
}

/** The candidates built around one anchor from each group's options there, lazily. */
export function candidatesAt(ix: WorldIndex, req: CandidatesRequest, lists: Option[][], relaxed: Relaxed, budget: Budget): Iterator<Candidate> {
  return lists.length === 1 ? single(req, lists[0]) : new Combinations(ix, req, lists, relaxed, budget);
}

/** One group: each option already fits (one amount per provider and class), so it is a candidate as it is. */
function* single(req: CandidatesRequest, options: Option[]): Generator<Candidate> {
  for (const o of options) yield consolidate(req, [o]);
}

/**
 * Every combination of one option per group for one anchor, depth-first, pruning a branch as
 * soon as it breaks isolation or overfills a provider (amounts only grow down a branch). An
 * explicit odometer in a plain iterator (no recursion, no generator): it runs once per combination,
 * and there is one per anchor.
 */
class Combinations implements Iterator<Candidate> {
  private readonly at: number[];
  private readonly picked: Option[] = [];
  /** Whether picked[level] is currently counted in `sums`. */
  private readonly applied: boolean[];
  private readonly sums = new Map<number, number>();
  private readonly isolated = new Set<number>();
  private readonly isolate: boolean;
  private level = 0;

  private readonly checkSubtree: boolean;
  private readonly checkCapacity: boolean;

  constructor(
    private readonly ix: WorldIndex,
    private readonly req: CandidatesRequest,
    private readonly lists: Option[][],
    relaxed: Relaxed,
    private readonly budget: Budget,
  ) {
    this.at = lists.map(() => -1);
    this.applied = lists.map(() => false);
    this.isolate = req.groupPolicy === 'isolate' && !relaxed.isolate;
    this.checkSubtree = !relaxed.sameSubtree;
    this.checkCapacity = !relaxed.capacity;
  }

  [Symbol.iterator]() {
    return this;
  }

  next(): IteratorResult<Candidate> {
    const { lists, at, picked, applied, isolated, isolate } = this;
    const last = lists.length - 1;
    while (this.level >= 0) {
      this.budget.spend();
      const level = this.level;
      this.release(level);
      if (++at[level] === lists[level].length) {
        at[level] = -1;
        this.level--;
        continue;
      }
      const o = lists[level][at[level]];
      if (isolate && o.single && isolated.has(o.providers[0])) continue;
      picked[level] = o;
      applied[level] = true;
      if (isolate && o.single) isolated.add(o.providers[0]);
      if (!this.take(o, 1)) continue; // released at the top of the next round
      if (level < last) this.level++;
      else if (!this.checkSubtree || sameSubtreeHolds(this.ix, this.req, picked)) return { done: false, value: consolidate(this.req, picked) };
    }
    return { done: true, value: undefined };
  }

  /** Adds (or removes) an option's amounts; false when a provider is then overfilled. */
  private take(o: Option, sign: 1 | -1): boolean {
    let ok = true;
    for (const part of o.parts) {
      const sum = (this.sums.get(part.key) ?? 0) + sign * part.amount;
      this.sums.set(part.key, sum);
      if (sign === 1 && this.checkCapacity && (!hasRoom(part.stock, part.stock.used, sum) || sum > part.stock.maxUnit)) ok = false;
    }
    return ok;
  }

  private release(level: number): void {
    if (!this.applied[level]) return;
    const o = this.picked[level];
    this.take(o, -1);
    if (this.isolate && o.single) this.isolated.delete(o.providers[0]);
    this.applied[level] = false;
  }
}

/** Same-subtree: one of the providers serving the named groups is an ancestor of (or is) all the others. */
function sameSubtreeHolds(ix: WorldIndex, req: CandidatesRequest, picked: Option[]): boolean {
  for (const groups of sameSubtreeGroups(req)) {
    const rps: number[] = [];
    for (const i of groups) for (const rp of picked[i].providers) if (!rps.includes(rp)) rps.push(rp);
    if (rps.length <= 1) continue;
    if (!rps.some((top) => rps.every((rp) => ix.isAncestorOrSelf(top, rp)))) return false;
  }
  return true;
}

const subtreeGroups = new WeakMap<CandidatesRequest, number[][]>();

/** Per same-subtree list, the indices of its groups (worked out once per request). */
function sameSubtreeGroups(req: CandidatesRequest): number[][] {
  let lists = subtreeGroups.get(req);
  if (!lists) {
    lists = req.sameSubtree.map((suffixes) => req.groups.flatMap((g, i) => (suffixes.has(g.suffix) ? [i] : [])));
    subtreeGroups.set(req, lists);
  }
  return lists;
}

function consolidate(req: CandidatesRequest, picked: Option[]): Candidate {
  // Plain arrays, searched linearly: a candidate touches a handful of providers and classes.
  const allocations: Candidate['allocations'] = [];
  const mappings: Candidate['mappings'] = new Array(picked.length);
  for (let i = 0; i < picked.length; i++) {
    const o = picked[i];
    for (const { rp, rc, amount } of o.parts) {
      let a = allocations.find((x) => x.rp === rp);
      if (!a) allocations.push((a = { rp, resources: [] }));
      const r = a.resources.find((x) => x.resourceClass === rc);
      if (r) r.amount += amount;
      else a.resources.push({ resourceClass: rc, amount });
    }
    // Suffixes are unique, so each group maps once.
    mappings[i] = { suffix: req.groups[i].suffix, rps: o.providers };
  }
  return { allocations, mappings };
}

/** Identity of a candidate: what it allocates and which providers serve which group. */
function candidateKey(c: Candidate): string {
  const a = c.allocations
    .map(
      ({ rp, resources }) =>
        `${rp}{${resources
          .map((r) => `${r.resourceClass},${r.amount}`)
          .sort()
          .join()}}`,
    )
    .sort();
  const m = c.mappings.map(({ suffix, rps }) => `${suffix}=${[...rps].sort((x, y) => x - y).join()}`).sort();
  return `${a.join(' ')}|${m.join(' ')}`;
}

function* product<T>(lists: T[][]): Generator<T[]> {
  if (lists.some((l) => !l.length)) return;
  const idx = lists.map(() => 0);
  for (;;) {
    yield idx.map((i, k) => lists[k][i]);
    let k = lists.length - 1;
    while (k >= 0 && ++idx[k] === lists[k].length) idx[k--] = 0;
    if (k < 0) return;
  }
}

function* chain<T>(gens: Iterator<T>[]): Generator<T> {
  for (const g of gens) for (let r = g.next(); !r.done; r = g.next()) yield r.value;
}

/** One item from each iterator in turn until all are exhausted. */
function* roundRobin<T>(gens: Iterator<T>[]): Generator<T> {
  let live = gens;
  while (live.length) {
    const next: Iterator<T>[] = [];
    for (const g of live) {
      const r = g.next();
      if (!r.done) {
        yield r.value;
        next.push(g);
      }
    }
    live = next;
  }
}

/** `n` items chosen uniformly at random, in random order (partial Fisher-Yates). */
function sample<T>(items: T[], n: number, random: () => number): T[] {
  const a = [...items];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n);
}
