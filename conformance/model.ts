// The neutral language of the conformance suite: a topology, a candidates request, and a
// normalised answer, so that the reference (REST) and this server (GraphQL) can be driven with
// the same scenario and their answers compared as sets.
// This folder is shared: the tests (test/) and the recorder, fuzzer and benchmarks (scripts/) import it.

export interface InventorySpec {
  total: number;
  reserved?: number;
  minUnit?: number;
  maxUnit?: number;
  stepSize?: number;
  allocationRatio?: number;
}

export interface ProviderSpec {
  uuid: string;
  name: string;
  /** Parent uuid; parents must be listed before their children. */
  parent?: string;
  /** Resource class → total, or the full inventory record. */
  inventories?: Record<string, number | InventorySpec>;
  traits?: string[];
  aggregates?: string[];
}

export interface ConsumerSpec {
  uuid: string;
  /** Provider uuid → resource class → amount. */
  allocations: Record<string, Record<string, number>>;
}

export interface Topology {
  providers: ProviderSpec[];
  consumers?: ConsumerSpec[];
}

export interface GroupSpec {
  /** "" (or absent) for the unsuffixed group; otherwise [a-zA-Z0-9_-]{1,64}. */
  suffix?: string;
  resources?: Record<string, number>;
  required?: string[];
  forbidden?: string[];
  /** Each inner list: at least one of these traits (1.39 `in:`). */
  anyOf?: string[][];
  /** Each inner list: member of at least one of these aggregates; all lists must hold. */
  memberOf?: string[][];
  /** Member of none of these aggregates. */
  forbiddenAggregates?: string[];
  inTree?: string;
}

export interface CandidateRequest {
  groups: GroupSpec[];
  groupPolicy?: 'none' | 'isolate';
  sameSubtree?: string[][];
  rootRequired?: string[];
  rootForbidden?: string[];
  limit?: number;
}

export interface Scenario {
  name: string;
  /** Which reference test or fixture the situation comes from, or "own". */
  source: string;
  topology: Topology;
  requests: { name: string; request: CandidateRequest }[];
}

export interface SummarySpec {
  resources: Record<string, { capacity: number; used: number }>;
  traits: string[];
  parent: string | null;
  root: string;
}

/** A normalised answer: candidates as canonical strings, summaries keyed by uuid. */
export type Answer = { status: 'ok'; candidates: string[]; summaries: Record<string, SummarySpec> } | { status: 'bad_request'; message?: string };

/** One candidate as a canonical string: providers, classes and mapping keys all sorted. */
export function canonicalCandidate(allocations: Record<string, Record<string, number>>, mappings: Record<string, string[]>): string {
  const a = Object.keys(allocations)
    .sort()
    .map(
      (rp) =>
        `${rp}{${Object.keys(allocations[rp])
          .sort()
          .map((rc) => `${rc}:${allocations[rp][rc]}`)
          .join(',')}}`,
    );
  const m = Object.keys(mappings)
    .sort()
    .map((s) => `${s}=[${[...mappings[s]].sort().join(',')}]`);
  return `${a.join(' ')} | ${m.join(' ')}`;
}

export function normaliseSummary(s: SummarySpec): SummarySpec {
  const resources: SummarySpec['resources'] = {};
  for (const rc of Object.keys(s.resources).sort()) resources[rc] = { capacity: s.resources[rc].capacity, used: s.resources[rc].used };
  return { resources, traits: [...s.traits].sort(), parent: s.parent, root: s.root };
}

/** Builds an Answer from lists, sorting candidates so that order never matters. */
export function okAnswer(candidates: string[], summaries: Record<string, SummarySpec>): Answer {
  const sorted: Record<string, SummarySpec> = {};
  for (const uuid of Object.keys(summaries).sort()) sorted[uuid] = normaliseSummary(summaries[uuid]);
  return { status: 'ok', candidates: [...candidates].sort(), summaries: sorted };
}

/** The uuids of the providers a candidate string allocates from. */
export function candidateProviders(candidate: string): string[] {
  return [...candidate.split(' | ')[0].matchAll(/([0-9a-f-]{36})\{/g)].map((m) => m[1]);
}

/**
 * What a limited answer must look like given the unlimited one: the reference returns an
 * arbitrary `limit` of its candidates, with the summaries of the trees those candidates touch.
 * Returns a list of differences (empty when `limited` is a valid limited answer).
 */
export function checkLimited(full: Answer, limited: Answer, limit: number): string[] {
  if (full.status !== 'ok' || limited.status !== 'ok') return full.status === limited.status ? [] : [`status ${limited.status} != ${full.status}`];
  const problems: string[] = [];
  const expectedCount = Math.min(limit, full.candidates.length);
  if (limited.candidates.length !== expectedCount) problems.push(`count ${limited.candidates.length} != ${expectedCount}`);
  const all = new Set(full.candidates);
  for (const c of limited.candidates) if (!all.has(c)) problems.push(`unexpected candidate ${c}`);
  const roots = new Set(limited.candidates.flatMap(candidateProviders).map((uuid) => full.summaries[uuid]?.root));
  const expected = Object.fromEntries(Object.entries(full.summaries).filter(([, s]) => roots.has(s.root)));
  if (JSON.stringify(expected) !== JSON.stringify(limited.summaries)) problems.push('summaries differ from those of the trees used');
  return problems;
}

/**
 * Reference bug we deliberately do not copy (see docs/candidates.md): when the unsuffixed group is
 * served entirely by sharing providers, the reference de-duplicates that group's options across
 * the trees the sharing providers are anchored to, keeping one arbitrary tree, so combinations
 * with named groups on the other trees are lost. We return them. Such a candidate is recognised by
 * its unsuffixed mapping naming only sharing providers.
 */
export function explainedBySharingBug(candidate: string, summaries: Record<string, SummarySpec>): boolean {
  const groups = (candidate.split(' | ')[1] ?? '').split(' ').filter(Boolean);
  const unsuffixed = groups.find((g) => g.startsWith('=['));
  if (!unsuffixed || groups.length < 2) return false;
  const uuids = unsuffixed.slice(2, -1).split(',').filter(Boolean);
  return uuids.length > 0 && uuids.every((u) => summaries[u]?.traits.includes('MISC_SHARES_VIA_AGGREGATE'));
}

/**
 * Differences between two answers, for people to read; empty when equal as sets. Candidates that
 * only the sharing bug above explains are reported through `explained` instead of as differences.
 */
export function diffAnswers(expected: Answer, actual: Answer, explained: string[] = []): string[] {
  if (expected.status !== actual.status) return [`status: expected ${expected.status}, got ${actual.status}`];
  if (expected.status !== 'ok' || actual.status !== 'ok') return [];
  const out: string[] = [];
  const a = new Set(actual.candidates);
  const e = new Set(expected.candidates);
  for (const c of expected.candidates) if (!a.has(c)) out.push(`missing candidate ${c}`);
  const extraRoots = new Set<string>();
  for (const c of actual.candidates) {
    if (e.has(c)) continue;
    if (explainedBySharingBug(c, actual.summaries)) {
      explained.push(c);
      for (const u of candidateProviders(c)) extraRoots.add(actual.summaries[u]?.root);
    } else out.push(`extra candidate ${c}`);
  }
  const expectedRoots = new Set(Object.values(expected.summaries).map((s) => s.root));
  const uuids = new Set([...Object.keys(expected.summaries), ...Object.keys(actual.summaries)]);
  for (const uuid of uuids) {
    const x = expected.summaries[uuid];
    const y = actual.summaries[uuid];
    if (!x && y && extraRoots.has(y.root) && !expectedRoots.has(y.root)) continue;
    if (JSON.stringify(x ?? null) !== JSON.stringify(y ?? null)) out.push(`summary ${uuid}: expected ${JSON.stringify(x ?? null)}, got ${JSON.stringify(y ?? null)}`);
  }
  return out;
}

/** Every CUSTOM_ resource class and trait a topology uses, to create before loading it. */
export function customNames(t: Topology): { classes: string[]; traits: string[] } {
  const classes = new Set<string>();
  const traits = new Set<string>();
  for (const p of t.providers) {
    for (const rc of Object.keys(p.inventories ?? {})) if (rc.startsWith('CUSTOM_')) classes.add(rc);
    for (const tr of p.traits ?? []) if (tr.startsWith('CUSTOM_')) traits.add(tr);
  }
  return { classes: [...classes].sort(), traits: [...traits].sort() };
}

export const inventoryOf = (v: number | InventorySpec): InventorySpec => (typeof v === 'number' ? { total: v } : v);

/** Anything that can hold a topology and answer candidate requests: the reference or us. */
export interface Driver {
  /** Empties the server of providers and allocations (custom classes and traits may stay). */
  reset(): Promise<void>;
  load(t: Topology): Promise<void>;
  candidates(r: CandidateRequest): Promise<Answer>;
}

/** A recorded fixture: one answer per request; limited requests also keep the unlimited answer. */
export interface Fixture {
  scenario: string;
  answers: Record<string, Answer | { limit: number; full: Answer; limited: Answer }>;
}
