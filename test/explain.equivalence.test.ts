// explainAllocationCandidates cannot drift from allocationCandidates: over every conformance
// scenario and a run of the fuzzer's random cases, the trees explained as fitting are exactly the
// trees the candidates are built around, each fitting tree's example is one of the candidates, and
// every other tree carries at least one reason (conformance/explainCheck.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANDIDATES_QUERY, candidatesInput } from '../conformance/candidatesQuery.ts';
import { checkExplanation, EXPLAIN_QUERY } from '../conformance/explainCheck.ts';
import { generateCase } from '../conformance/fuzzCase.ts';
import type { CandidateRequest, Topology } from '../conformance/model.ts';
import { Ours } from '../conformance/ours.ts';
import { allScenarios } from '../conformance/scenarios.ts';

/** The fuzz run of the suite; `npm run explain:fuzz -- --seed N --cases M` runs more. */
const FUZZ_SEED = 15;
const FUZZ_CASES = 40;

let ours: Ours;
beforeAll(async () => {
  ours = await Ours.open();
});
afterAll(() => ours.close());

/** Explains and searches `request` (no limit) on what is loaded; the problems found, or the shared error code. */
async function check(topology: Topology, request: CandidateRequest) {
  const input = candidatesInput(request, false);
  const [explained, searched] = await Promise.all([ours.gql(EXPLAIN_QUERY, { request: input, limit: 1000 }), ours.gql(CANDIDATES_QUERY, { request: input })]);
  const code = (r: any) => r.errors?.[0]?.extensions?.code ?? null;
  // A bad request is bad for both, with the same code.
  expect(code(explained)).toBe(code(searched));
  if (code(searched)) return { problems: [], fitting: 0, excluded: 0, bad: 1 };
  return { ...checkExplanation(topology, request, explained.data.explainAllocationCandidates, searched.data.allocationCandidates.allocationRequests), bad: 0 };
}

const totals = { requests: 0, fitting: 0, excluded: 0, bad: 0 };

describe.each(allScenarios.map((s) => [s.name, s] as const))('conformance scenario %s', (_, scenario) => {
  beforeAll(async () => {
    await ours.reset();
    await ours.load(scenario.topology);
  });
  it('explains every request as the search answers it', async () => {
    for (const { name, request } of scenario.requests) {
      const r = await check(scenario.topology, request);
      expect(r.problems, name).toEqual([]);
      totals.requests++;
      totals.fitting += r.fitting;
      totals.excluded += r.excluded;
      totals.bad += r.bad;
    }
  });
});

describe(`fuzzer seed ${FUZZ_SEED}, ${FUZZ_CASES} cases`, () => {
  it.each(Array.from({ length: FUZZ_CASES }, (_, i) => i))('case %i', async (index) => {
    const c = generateCase(FUZZ_SEED, index);
    await ours.reset();
    await ours.load(c.topology);
    for (const request of c.requests) {
      const r = await check(c.topology, request);
      expect(r.problems, JSON.stringify(request)).toEqual([]);
      totals.fitting += r.fitting;
      totals.excluded += r.excluded;
    }
  });
});

describe('the run as a whole', () => {
  it('judged trees both ways', () => {
    // A proof that only ever saw fitting (or only excluded) trees would prove little.
    expect(totals.requests).toBeGreaterThan(100);
    expect(totals.fitting).toBeGreaterThan(100);
    expect(totals.excluded).toBeGreaterThan(100);
  });
});
