// The candidates service: answers "where can this fit?" for the GraphQL layer, the claim pipeline
// and the bench. It picks the world source (the process's world cache when there is one, else the
// database), runs the limited-then-full passes, keeps answers in the memo, and turns the search's
// provider ids into the uuids an answer names. No GraphQL here; no rules either (src/domain).

import type { Config } from '../config.ts';
import { loadWorld } from '../db/candidates.ts';
import { logPosition } from '../db/changeLog.ts';
import type { Database, Tx } from '../db/client.ts';
import { type CandidatesRequest, requestKey } from '../domain/candidates/request.ts';
import { type Candidate, type CandidatesResult, searchCandidates } from '../domain/candidates/search.ts';
import type { World, WorldProvider } from '../domain/candidates/world.ts';
import { capacity } from '../domain/inventory.ts';
import { metrics } from '../observability/metrics.ts';

/** What the service needs of a request's context (the GraphQL context is one). */
export interface Service {
  db: Database;
  config: Pick<Config, 'candidates' | 'candidateMemo'>;
}

export interface CandidateView {
  allocations: { providerUuid: string; resources: { resourceClass: string; amount: number }[] }[];
  mappings: { suffix: string; providerUuids: string[] }[];
}

export interface SummaryView {
  uuid: string;
  parentUuid: string | null;
  rootUuid: string;
  traits: string[];
  resources: { resourceClass: string; capacity: number; used: number }[];
}

export interface Answer {
  allocationRequests: CandidateView[];
  providerSummaries: SummaryView[];
}

/** A world as loaded for a request; `truncated` when only its first trees were (see loadWorld). */
export type LoadedWorld = World & { truncated: boolean };

/** Where a search gets its world: all trees that can matter, or only the first `maxRoots` of them. */
export type WorldSource = (maxRoots?: number) => Promise<LoadedWorld>;

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

/** One candidate as an answer names it (uuids, not ids). */
export function candidateView(world: World, c: Candidate): CandidateView {
  const uuid = (id: number) => world.providers.get(id)!.uuid;
  return {
    allocations: c.allocations.map((a) => ({ providerUuid: uuid(a.rp), resources: a.resources })),
    mappings: c.mappings.map((m) => ({ suffix: m.suffix, providerUuids: m.rps.map(uuid) })),
  };
}

function view(world: World, result: CandidatesResult): Answer {
  return {
    allocationRequests: result.candidates.map((c) => candidateView(world, c)),
    providerSummaries: result.summaries.map((p) => summaryOf(world, p)),
  };
}

/** Larger answers are not kept by the memo: they would hold a lot of memory for a rare question. */
const MEMO_MAX_CANDIDATES = 10_000;

/** Trees loaded per wanted candidate on a first, partial pass; most trees give at least one. */
const ROOTS_PER_CANDIDATE = 2;

/**
 * World sources for requests answered from one state of the database: the world cache brought up to
 * date once, or the database, each request's read made once. `tx`: an open write transaction to
 * read in (its own connection would wait, and it must see what it locked). `start`: where a
 * limited pass over the cache's trees begins (see selectWorld), for callers to whom any trees do.
 */
export async function worldSources(s: Service, tx?: Tx, start?: number): Promise<(req: CandidatesRequest) => WorldSource> {
  const cache = s.db.cache;
  if (cache) {
    await cache.fresh(tx ?? s.db.writer);
    return (req) => async (maxRoots) => cache.world(req, maxRoots, start);
  }
  const loaded = new Map<string, Promise<LoadedWorld>>();
  return (req) => (maxRoots) => {
    const key = `${maxRoots ?? 'all'}\n${requestKey(req)}`;
    let world = loaded.get(key);
    if (!world) loaded.set(key, (world = loadWorld(tx ?? s.db.reader, req, s.db.kind, maxRoots)));
    return world;
  };
}

/** The allocation candidates for `req`, as the GraphQL answer shows them. */
export async function findCandidates(s: Service, req: CandidatesRequest): Promise<Answer> {
  const found = await memoised(s, req);
  metrics.candidatesReturned.inc(found.allocationRequests.length);
  return found;
}

async function memoised(s: Service, req: CandidatesRequest): Promise<Answer> {
  const source = (await worldSources(s))(req);
  const answer = () => search(s, req, source, view);
  // The same question about an unchanged database has the same answer (randomised ones aside).
  // Without a cache on PostgreSQL, the token is the change log's position: one statement. (SQLite
  // numbers its log MAX + 1, so a log emptied by hand would give old numbers again.)
  if (req.randomize || !s.config.candidateMemo) return answer();
  const token = s.db.cache?.changeToken ?? (s.db.kind === 'postgres' ? `log:${await logPosition(s.db.reader)}` : null);
  if (token === null) return answer();
  return s.db.memo.get(token, requestKey(req), answer, (a) => a.allocationRequests.length <= MEMO_MAX_CANDIDATES);
}

/**
 * Searches `req` in the world `source` gives, seen through `adjust` (the claim pipeline adds the
 * usage of the claims it has already placed), and hands the result to `finish` with the world
 * searched, at once: a world the cache shares stays as it is meanwhile.
 */
export async function search<T>(
  s: Service,
  req: CandidatesRequest,
  source: WorldSource,
  finish: (world: World, result: CandidatesResult) => T,
  adjust: (world: LoadedWorld) => LoadedWorld = (w) => w,
): Promise<T> {
  // A limited, non-random request needs only `limit` candidates, and which ones is arbitrary (as in
  // the reference): search the first trees that can matter, and everything only if they fall short.
  if (req.limit !== null && !req.randomize) {
    const world = adjust(await source(req.limit * ROOTS_PER_CANDIDATE));
    const result = generated(searchCandidates(world, req, s.config.candidates));
    if (!world.truncated || result.candidates.length >= req.limit) return finish(world, result);
  }
  const world = adjust(await source());
  return finish(world, generated(searchCandidates(world, req, s.config.candidates)));
}

function generated(result: CandidatesResult): CandidatesResult {
  metrics.candidatesGenerated.inc(result.candidates.length);
  return result;
}
