// Server settings read from the environment, validated once at start.
import { z } from 'zod';
import type { SearchOptions } from './domain/candidates/search.ts';

const env = z.object({
  /** Most allocation candidates generated per request (the reference's max_allocation_candidates); -1: no cap. */
  PLACEMENT_MAX_CANDIDATES: z.coerce.number().int().min(-1).default(100_000),
  /** Order in which viable roots are visited when generating candidates. */
  PLACEMENT_CANDIDATE_STRATEGY: z.enum(['depth-first', 'breadth-first']).default('breadth-first'),
});

export interface Config {
  candidates: SearchOptions;
}

export function configFromEnv(source: Record<string, string | undefined> = process.env): Config {
  const e = env.parse(source);
  return {
    candidates: {
      maxCandidates: e.PLACEMENT_MAX_CANDIDATES === -1 ? null : e.PLACEMENT_MAX_CANDIDATES,
      strategy: e.PLACEMENT_CANDIDATE_STRATEGY,
    },
  };
}
