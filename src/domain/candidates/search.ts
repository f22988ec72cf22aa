// Allocation candidates (SPEC §12) over a loaded World, with the reference's semantics:
// 1. each request group is solved on its own, giving per-group options keyed by the root of the
//    tree they serve (their "anchor"; a sharing provider serves every tree it shares with);
// 2. for each anchor that every group can serve, the groups' options are combined, one per group,
//    subject to group policy, same-subtree and the capacity of the summed amounts;
// 3. the combinations are produced lazily, root by root (depth-first) or round-robin over roots
//    (breadth-first), and generation stops at the configured cap, so wide symmetric trees cannot
//    explode; a limit without randomisation stops even earlier.
import { capacity } from '../inventory.ts';
import type { CandidatesRequest, Group } from './request.ts';
import { fits, WorldIndex, type World, type WorldProvider } from './world.ts';

export type Strategy = 'depth-first' | 'breadth-first';

export interface SearchOptions {
  /** Most candidates generated for one request (the reference's max_allocation_candidates); null: no cap. */
  maxCandidates: number | null;
  strategy: Strategy;
  /** Source of randomness for `randomize`; Math.random by default. */
  random?: () => number;
}

export interface Candidate {
  /** Provider id → resource class → amount. */
  allocations: Map<number, Map<string, number>>;
  /** Group suffix ("" unsuffixed) → providers that served it. */
  mappings: Map<string, number[]>;
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
}

/** One way to satisfy one group, within the tree rooted at `anchor`. */
interface Option {
  anchor: number;
  parts: Part[];
  providers: number[];
  /** A named group: its one provider counts for group_policy=isolate. */
  single: boolean;
}

const EMPTY: CandidatesResult = { candidates: [], summaries: [] };

export function searchCandidates(world: World, req: CandidatesRequest, opts: SearchOptions): CandidatesResult {
  const ix = new WorldIndex(world);
  const anchorRoots = rootsWithTraits(ix, req);
  if (anchorRoots && anchorRoots.size === 0) return EMPTY;
  const anchorOk = (root: number) => !anchorRoots || anchorRoots.has(root);

  const optionsByGroup: Option[][] = [];
  for (const g of req.groups) {
    const options = g.suffix === '' ? spreadOptions(ix, g, anchorOk) : singleOptions(ix, g, anchorOk);
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
  const generators = anchorsServingAll(optionsByGroup).map((lists) => (lists.length === 1 ? single(req, lists[0]) : combine(ix, req, lists)));
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
  for (const c of kept) for (const rp of c.allocations.keys()) trees.add(ix.provider(rp).rootId);
  const summaries = [...world.providers.values()].filter((p) => trees.has(p.rootId));
  return { candidates: kept, summaries };
}

/** Roots allowed by root required/forbidden traits; null when the request sets none. */
function rootsWithTraits(ix: WorldIndex, req: CandidatesRequest): Set<number> | null {
  if (!req.rootRequired.size && !req.rootForbidden.size) return null;
  const roots = new Set<number>();
  for (const p of ix.world.providers.values()) {
    if (p.parentId !== null) continue;
    if ([...req.rootRequired].every((t) => p.traits.has(t)) && ![...req.rootForbidden].some((t) => p.traits.has(t))) roots.add(p.id);
  }
  return roots;
}

/** Providers that have capacity for `amount` of `rc` (in the group's tree, if it names one). */
function providersWith(ix: WorldIndex, rc: string, amount: number, treeRoot: number | null): WorldProvider[] {
  const out: WorldProvider[] = [];
  for (const p of ix.world.providers.values()) {
    if (treeRoot !== null && p.rootId !== treeRoot) continue;
    const s = p.stock.get(rc);
    if (s && fits(s, amount)) out.push(p);
  }
  return out;
}

/** The root of the group's in-tree provider: undefined when the group names none, null when it is unknown. */
function treeRootOf(ix: WorldIndex, g: Group): number | null | undefined {
  if (g.inTree === null) return undefined;
  return ix.byUuid.get(g.inTree)?.rootId ?? null;
}

const satisfiesTraits = (traits: ReadonlySet<string>, g: Group) =>
  g.required.every((any) => [...any].some((t) => traits.has(t))) && ![...g.forbidden].some((t) => traits.has(t));

/**
 * The unsuffixed group: its resources may come from several providers of one tree and from
 * sharing providers anchored to that tree. Aggregate filters accept a provider when it or its
 * tree's root is a member; traits are judged on the union of the chosen providers' traits.
 */
function spreadOptions(ix: WorldIndex, g: Group, anchorOk: (root: number) => boolean): Option[] {
  const treeRoot = treeRootOf(ix, g);
  if (treeRoot === null) return [];
  const members = g.memberOf.length ? ix.inAggregates(g.memberOf) : null;
  if (members && !members.size) return [];
  const banned = ix.inAnyAggregate(g.forbiddenAggregates);

  // Per class, per tree root, the providers that can serve it there.
  const byClass = new Map<string, Map<number, Set<number>>>();
  let trees = null as Set<number> | null;
  for (const [rc, amount] of g.resources) {
    const found = providersWith(ix, rc, amount, treeRoot ?? null);
    if (!found.length) return [];
    let pairs = found.map((p) => ({ rp: p.id, root: p.rootId }));
    if (treeRoot === undefined) {
      for (const p of found) {
        if (!ix.sharing.has(p.id) || (members && !members.has(p.id))) continue;
        for (const anchor of ix.anchors(p.id)) pairs.push({ rp: p.id, root: anchor });
      }
    }
    pairs = pairs.filter(
      ({ rp, root }) => anchorOk(root) && (!members || members.has(rp) || members.has(root)) && !banned.has(rp) && !banned.has(root),
    );
    if (!pairs.length) return [];
    const here = new Set(pairs.map((x) => x.root));
    const before: Set<number> | null = trees;
    trees = before === null ? here : new Set([...before].filter((r) => here.has(r)));
    if (!trees.size) return [];
    const byRoot = new Map<number, Set<number>>();
    for (const { rp, root } of pairs) {
      let rps = byRoot.get(root);
      if (!rps) byRoot.set(root, (rps = new Set()));
      rps.add(rp);
    }
    byClass.set(rc, byRoot);
  }

  const classes = [...g.resources.keys()].sort((a, b) => ix.world.classIds.get(a)! - ix.world.classIds.get(b)!);
  const amounts = classes.map((rc) => g.resources.get(rc)!);
  const forbidden = [...g.forbidden];
  const required = g.required.map((any) => [...any]);
  const options: Option[] = [];
  for (const root of trees!) {
    const choices = classes.map((rc) => [...byClass.get(rc)!.get(root)!]);
    for (const pick of product(choices)) {
      // Hot loop (one pass per combination): plain loops, no intermediate sets.
      const providers: number[] = [];
      for (const id of pick) if (!providers.includes(id)) providers.push(id);
      const traitsOf = providers.map((id) => ix.provider(id).traits);
      if (forbidden.length && traitsOf.some((ts) => forbidden.some((t) => ts.has(t)))) continue;
      if (required.length && !required.every((any) => any.some((t) => traitsOf.some((ts) => ts.has(t))))) continue;
      options.push({ anchor: root, parts: classes.map((rc, i) => ({ rp: pick[i], rc, amount: amounts[i] })), providers, single: false });
    }
  }
  return options;
}

/**
 * A named group: all its resources from one provider that itself has the required traits and
 * aggregates. A sharing provider serves its own tree and every tree it is anchored to.
 */
function singleOptions(ix: WorldIndex, g: Group, anchorOk: (root: number) => boolean): Option[] {
  const treeRoot = treeRootOf(ix, g);
  if (treeRoot === null) return [];
  let candidates: Set<number> | null = null;
  if (g.memberOf.length) {
    candidates = ix.inAggregates(g.memberOf);
    if (!candidates.size) return [];
  }
  const banned = ix.inAnyAggregate(g.forbiddenAggregates);
  const eligible = (p: WorldProvider) => satisfiesTraits(p.traits, g) && !banned.has(p.id) && (!candidates || candidates.has(p.id));

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
    const parts = [...g.resources].map(([rc, amount]) => ({ rp: p.id, rc, amount }));
    const option = (anchor: number): Option => ({ anchor, parts, providers: [p.id], single: true });
    if (anchorOk(p.rootId)) options.push(option(p.rootId));
    if (ix.sharing.has(p.id)) for (const anchor of ix.anchors(p.id)) if (anchor !== p.rootId && anchorOk(anchor)) options.push(option(anchor));
  }
  return options;
}

/** Per anchor served by every group: each group's options there, in request order. */
function anchorsServingAll(optionsByGroup: Option[][]): Option[][][] {
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

/** One group: each option already fits (one amount per provider and class), so it is a candidate as it is. */
function* single(req: CandidatesRequest, options: Option[]): Generator<Candidate> {
  for (const o of options) yield consolidate(req, [o]);
}

/**
 * Every combination of one option per group for one anchor, depth-first, pruning a branch as
 * soon as it breaks isolation or overfills a provider (amounts only grow down a branch).
 */
function* combine(ix: WorldIndex, req: CandidatesRequest, lists: Option[][]): Generator<Candidate> {
  const isolate = req.groupPolicy === 'isolate';
  const picked: Option[] = [];
  const sums = new Map<string, number>();
  const isolated = new Set<number>();

  function* step(level: number): Generator<Candidate> {
    if (level === lists.length) {
      if (sameSubtreeHolds(ix, req, picked)) yield consolidate(req, picked);
      return;
    }
    for (const o of lists[level]) {
      if (isolate && o.single && isolated.has(o.providers[0])) continue;
      let ok = true;
      const touched: string[] = [];
      for (const part of o.parts) {
        const key = `${part.rp}\u0000${part.rc}`;
        const sum = (sums.get(key) ?? 0) + part.amount;
        sums.set(key, sum);
        touched.push(key);
        const s = ix.provider(part.rp).stock.get(part.rc)!;
        if (s.used + sum > capacity(s) || sum > s.maxUnit) ok = false;
      }
      if (ok) {
        if (isolate && o.single) isolated.add(o.providers[0]);
        picked.push(o);
        yield* step(level + 1);
        picked.pop();
        if (isolate && o.single) isolated.delete(o.providers[0]);
      }
      o.parts.forEach((part, i) => sums.set(touched[i], sums.get(touched[i])! - part.amount));
    }
  }
  yield* step(0);
}

/** Same-subtree: one of the providers serving the named groups is an ancestor of (or is) all the others. */
function sameSubtreeHolds(ix: WorldIndex, req: CandidatesRequest, picked: Option[]): boolean {
  for (const suffixes of req.sameSubtree) {
    const rps = new Set<number>();
    req.groups.forEach((g, i) => {
      if (suffixes.has(g.suffix)) for (const rp of picked[i].providers) rps.add(rp);
    });
    if (rps.size <= 1) continue;
    if (![...rps].some((top) => [...rps].every((rp) => ix.isAncestorOrSelf(top, rp)))) return false;
  }
  return true;
}

function consolidate(req: CandidatesRequest, picked: Option[]): Candidate {
  const allocations = new Map<number, Map<string, number>>();
  const mappings = new Map<string, number[]>();
  picked.forEach((o, i) => {
    for (const { rp, rc, amount } of o.parts) {
      let byClass = allocations.get(rp);
      if (!byClass) allocations.set(rp, (byClass = new Map()));
      byClass.set(rc, (byClass.get(rc) ?? 0) + amount);
    }
    const suffix = req.groups[i].suffix;
    mappings.set(suffix, [...new Set([...(mappings.get(suffix) ?? []), ...o.providers])]);
  });
  return { allocations, mappings };
}

/** Identity of a candidate: what it allocates and which providers serve which group. */
function candidateKey(c: Candidate): string {
  const a = [...c.allocations].map(([rp, m]) => `${rp}{${[...m].sort().join()}}`).sort();
  const m = [...c.mappings].map(([s, rps]) => `${s}=${[...rps].sort((x, y) => x - y).join()}`).sort();
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

function* chain<T>(gens: Generator<T>[]): Generator<T> {
  for (const g of gens) yield* g;
}

/** One item from each generator in turn until all are exhausted. */
function* roundRobin<T>(gens: Generator<T>[]): Generator<T> {
  let live = gens;
  while (live.length) {
    const next: Generator<T>[] = [];
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
