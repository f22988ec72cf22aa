// The explain service: "why does this request find nothing here?" for the GraphQL layer. It reads
// every tree (the world cache's, or the database's), lets the domain judge them (explainCandidates:
// the search's own verdict, with reasons), and names the providers the answer mentions.

import { loadWholeWorld, providerNames } from '../db/candidates.ts';
import { explainCandidates, free, type Reason, type ReasonCount, shortBy } from '../domain/candidates/explain.ts';
import { bestChangeMessage, changeMessage, countMessage, type NameOf, reasonMessage } from '../domain/candidates/explainText.ts';
import type { CandidatesRequest } from '../domain/candidates/request.ts';
import type { World } from '../domain/candidates/world.ts';
import { fail } from '../domain/errors.ts';
import { capacity } from '../domain/inventory.ts';
import { type CandidateView, candidateView, type Service } from './service.ts';

export interface ReasonView {
  kind: Reason['kind'];
  group: string | null;
  providerUuid: string | null;
  providerName: string | null;
  resourceClass: string | null;
  traits: string[] | null;
  aggregates: string[] | null;
  requested: number | null;
  free: number | null;
  capacity: number | null;
  used: number | null;
  total: number | null;
  reserved: number | null;
  allocationRatio: number | null;
  minUnit: number | null;
  maxUnit: number | null;
  stepSize: number | null;
  shortBy: number | null;
  message: string;
}

export interface TreeView {
  rootUuid: string;
  rootName: string;
  fits: boolean;
  reasons: ReasonView[];
  wouldFitIf: ReasonView | null;
  example: CandidateView | null;
}

export interface CountView {
  kind: Reason['kind'];
  group: string | null;
  resourceClass: string | null;
  traits: string[] | null;
  aggregates: string[] | null;
  trees: number;
  largestShortBy: number | null;
  message: string;
}

export interface ExplanationView {
  treesConsidered: number;
  treesFitting: number;
  trees: TreeView[];
  summary: {
    fitting: number;
    reasons: CountView[];
    largestFree: { resourceClass: string; free: number; providerUuid: string; providerName: string }[];
    bestChange: CountView | null;
  };
}

async function wholeWorld(s: Service, req: CandidatesRequest): Promise<World> {
  const cache = s.db.cache;
  if (!cache) return loadWholeWorld(s.db.reader, req, s.db.kind);
  await cache.fresh();
  return cache.everything(req);
}

/** Explains `req` over every tree, or over the trees of `providerUuids`; lists at most `limit` trees. */
export async function explain(s: Service, req: CandidatesRequest, providerUuids: string[] | null, limit: number): Promise<ExplanationView> {
  const world = await wholeWorld(s, req);
  let roots: number[] | undefined;
  if (providerUuids) {
    const byUuid = new Map([...world.providers.values()].map((p) => [p.uuid, p]));
    roots = providerUuids.map((uuid) => byUuid.get(uuid)?.rootId ?? fail('NOT_FOUND', `No resource provider with uuid ${uuid}.`));
  }
  const e = explainCandidates(world, req, s.config.candidates, roots);
  const listed = e.trees.slice(0, limit);

  const mentioned = new Set<number>();
  for (const t of listed) {
    mentioned.add(t.root);
    for (const r of [...t.reasons, ...(t.wouldFitIf ? [t.wouldFitIf] : [])]) if (r.provider !== null) mentioned.add(r.provider);
  }
  for (const f of e.largestFree) mentioned.add(f.provider);
  const names = await providerNames(s.db.reader, [...mentioned]);
  // A provider deleted since the world was read keeps its uuid (from the world) as its name.
  const nameOf: NameOf = (id) => names.get(id)?.name ?? world.providers.get(id)!.uuid;
  const uuidOf = (id: number) => world.providers.get(id)!.uuid;

  const reasonView = (r: Reason, message: string): ReasonView => ({
    kind: r.kind,
    group: r.group,
    providerUuid: r.provider === null ? null : uuidOf(r.provider),
    providerName: r.provider === null ? null : nameOf(r.provider),
    resourceClass: r.resourceClass,
    traits: r.traits,
    aggregates: r.aggregates,
    requested: r.requested,
    free: r.stock && free(r.stock),
    capacity: r.stock && capacity(r.stock),
    used: r.stock?.used ?? null,
    total: r.stock?.total ?? null,
    reserved: r.stock?.reserved ?? null,
    allocationRatio: r.stock?.allocationRatio ?? null,
    minUnit: r.stock?.minUnit ?? null,
    maxUnit: r.stock?.maxUnit ?? null,
    stepSize: r.stock?.stepSize ?? null,
    shortBy: shortBy(r),
    message,
  });
  const countView = (c: ReasonCount, message: string): CountView => ({
    kind: c.reason.kind,
    group: c.reason.group,
    resourceClass: c.reason.resourceClass,
    traits: c.reason.traits,
    aggregates: c.reason.aggregates,
    trees: c.trees,
    largestShortBy: c.largestShortBy,
    message,
  });

  return {
    treesConsidered: e.considered,
    treesFitting: e.fitting,
    trees: listed.map((t) => ({
      rootUuid: uuidOf(t.root),
      rootName: nameOf(t.root),
      fits: t.fits,
      reasons: t.reasons.map((r) => reasonView(r, reasonMessage(r, nameOf))),
      wouldFitIf: t.wouldFitIf && reasonView(t.wouldFitIf, changeMessage(t.wouldFitIf, nameOf)),
      example: t.example && candidateView(world, t.example),
    })),
    summary: {
      fitting: e.fitting,
      reasons: e.reasonCounts.map((c) => countView(c, countMessage(c))),
      largestFree: e.largestFree.map((f) => ({ resourceClass: f.resourceClass, free: f.free, providerUuid: uuidOf(f.provider), providerName: nameOf(f.provider) })),
      bestChange: e.bestChange && countView(e.bestChange, bestChangeMessage(e.bestChange)),
    },
  };
}
