// Recognising a one-step claim sent again (issue 11): a client whose connection dropped cannot tell
// whether its claim happened, so it sends the same claim again. If that consumer already holds the
// claim, the answer is that claim, not a conflict and not a second claim.
//
// "The same claim" is kept exact:
// - the consumer exists at the generation this claim would have given it (the one sent plus one;
//   a new consumer is born at 1): a consumer written again since is not recognised;
// - its project, user and consumer type are the ones sent;
// - what it holds is, allocation for allocation, a candidate of the request: searched over the
//   trees it holds allocations in, with its own allocations not counted as used.

import type { CandidatesRequest } from '../domain/candidates/request.ts';
import { type Candidate, type SearchOptions, searchCandidates } from '../domain/candidates/search.ts';
import type { World } from '../domain/candidates/world.ts';
import { parse, schemas } from '../domain/names.ts';
import { checkNames, type Dialect, readProviders } from './candidates.ts';
import type { Tx } from './client.ts';
import { allocationsOfConsumers, consumersByUuid, providersById } from './reads.ts';

export interface ClaimSent {
  consumerUuid: string;
  consumerGeneration: number | null;
  projectId: string;
  userId: string;
  consumerType: string;
}

/** "provider id:class:amount" for every amount, sorted: two equal claims give equal keys. */
const claimKey = (parts: { rp: number; resourceClass: string; amount: number }[]) =>
  parts
    .map((p) => `${p.rp}:${p.resourceClass}:${p.amount}`)
    .sort()
    .join(',');

export interface HeldClaim {
  /** Whether the consumer existed when this transaction looked. */
  exists: boolean;
  /** The candidate it holds, with the world it was found in (for provider uuids), when `sent` already happened. */
  replay: { world: World; candidate: Candidate } | null;
}

/** Whether `sent` is a claim the consumer already holds; when not (`replay` null), the claim goes ahead as usual. */
export async function heldClaim(tx: Tx, dialect: Dialect, req: CandidatesRequest, sent: ClaimSent, options: SearchOptions): Promise<HeldClaim> {
  const [consumer] = await consumersByUuid(tx, [parse(schemas.uuid, sent.consumerUuid, 'consumer uuid:')]);
  const none = { exists: Boolean(consumer), replay: null };
  if (!consumer || consumer.generation !== (sent.consumerGeneration ?? 0) + 1) return none;
  if (consumer.projectId !== sent.projectId || consumer.userId !== sent.userId || consumer.consumerType !== sent.consumerType) return none;
  const held = await allocationsOfConsumers(tx, [consumer.id]);
  if (!held.length) return none;

  const roots = [...new Set((await providersById(tx, [...new Set(held.map((a) => a.providerId))])).map((p) => p.rootId))];
  const classIds = await checkNames(tx, req);
  const providers = await readProviders(tx, dialect, { column: 'root_provider_id', ids: roots }, classIds);
  const world: World = { providers: new Map(providers.map((p) => [p.id, p])), classIds };
  // As if the claim were not there: its own usage frees again for the search (these rows are this read's own).
  for (const a of held) {
    const stock = world.providers.get(a.providerId)?.stock.get(a.resourceClass);
    if (stock) stock.used -= a.used;
  }

  const key = claimKey(held.map((a) => ({ rp: a.providerId, resourceClass: a.resourceClass, amount: a.used })));
  const { candidates } = searchCandidates(world, { ...req, limit: null, randomize: false }, options);
  const candidate = candidates.find((c) => claimKey(c.allocations.flatMap((a) => a.resources.map((r) => ({ rp: a.rp, ...r })))) === key);
  return { exists: true, replay: candidate ? { world, candidate } : null };
}
