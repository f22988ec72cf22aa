// The one-step claim: search and claim inside one write transaction.
import type { Tx } from '../db/client.ts';
import { LostRace } from '../db/tx.ts';
import { heldClaim, type ClaimSent } from '../db/claimReplay.ts';
import { writeAllocations } from '../db/allocations.ts';
import type { CandidatesRequest } from '../domain/candidates/request.ts';
import { DomainError, fail } from '../domain/errors.ts';
import { candidateView, search, worldSource, type CandidateView, type Service } from './service.ts';

/** How many candidates a one-step claim considers before searching again. */
export const ONE_STEP_CHOICES = 20;

export interface ClaimResult {
  consumerUuid: string;
  allocationRequest: CandidateView;
  replayed: boolean;
}

/** Claims a candidate of `req` for `sent` in `tx`; a replay of a claim already held answers that claim. */
export async function claimCandidate(s: Service, tx: Tx, req: CandidatesRequest, sent: ClaimSent): Promise<ClaimResult> {
  const consumerUuid = sent.consumerUuid.toLowerCase();
  const held = await heldClaim(tx, s.db.kind, req, sent, s.config.candidates);
  if (held.replay) return { consumerUuid, allocationRequest: candidateView(held.replay.world, held.replay.candidate), replayed: true };
  // Searching and claiming in one transaction: a candidate found here fits unless another
  // writer (another replica, on PostgreSQL) claimed the same room meanwhile. Then the capacity
  // check fails before anything is written and the next candidate is tried; a lost generation
  // race, or every candidate gone, re-runs the whole step on fresh data (bounded retries).
  const limited = { ...req, limit: Math.min(req.limit ?? ONE_STEP_CHOICES, ONE_STEP_CHOICES) };
  const choices = await search(s, limited, await worldSource(s, limited, tx), (world, result) => result.candidates.map((c) => candidateView(world, c)));
  if (!choices.length) fail('NO_CANDIDATE', 'No allocation candidate fits the request');
  // Start at a random one so that schedulers asking at once do not all queue on the first.
  const start = Math.floor(Math.random() * choices.length);
  for (let i = 0; i < choices.length; i++) {
    const chosen = choices[(start + i) % choices.length];
    try {
      await writeAllocations(tx, [{ ...sent, allocations: chosen.allocations }]);
      return { consumerUuid, allocationRequest: chosen, replayed: false };
    } catch (err) {
      // A new consumer that exists by now was created meanwhile, perhaps by a copy of this
      // claim sent at the same time: run again, to answer with that claim if it is this one.
      if (err instanceof DomainError && err.code === 'CONCURRENT_UPDATE' && sent.consumerGeneration === null && !held.exists) throw new LostRace();
      if (!(err instanceof DomainError && err.code === 'CAPACITY_EXCEEDED')) throw err;
    }
  }
  throw new LostRace();
}
