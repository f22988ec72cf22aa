// The explanation against the search, on the fuzzer's random cases (conformance/fuzzCase.ts): for
// every request, the trees explained as fitting are exactly the trees the candidates are built
// around, and every other tree carries a reason (conformance/explainCheck.ts). In-process, on a
// fresh SQLite file (or TEST_DB=postgres with TEST_POSTGRES_URL). Usage:
//   npm run explain:fuzz -- --seed N --cases M
import { parseArgs } from 'node:util';
import { CANDIDATES_QUERY, candidatesInput } from '../conformance/candidatesQuery.ts';
import { checkExplanation, EXPLAIN_QUERY } from '../conformance/explainCheck.ts';
import { generateCase } from '../conformance/fuzzCase.ts';
import { Ours } from '../conformance/ours.ts';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, cases: { type: 'string', default: '100' } } });
const seed = Number(values.seed);
const cases = Number(values.cases);
const ours = await Ours.open();
const totals = { cases: 0, requests: 0, badRequests: 0, trees: 0, fitting: 0, excluded: 0, problems: 0 };

for (let i = 0; i < cases; i++) {
  const c = generateCase(seed, i);
  await ours.reset();
  await ours.load(c.topology);
  totals.cases++;
  for (const request of c.requests) {
    const input = candidatesInput(request, false);
    const [explained, searched] = await Promise.all([ours.gql(EXPLAIN_QUERY, { request: input, limit: 1000 }), ours.gql(CANDIDATES_QUERY, { request: input })]);
    totals.requests++;
    const code = (r: any) => r.errors?.[0]?.extensions?.code ?? null;
    if (code(explained) !== code(searched)) {
      totals.problems++;
      console.log(`case ${i}: explain answered ${code(explained)}, the search ${code(searched)}: ${JSON.stringify(request)}`);
      continue;
    }
    if (code(searched)) {
      totals.badRequests++;
      continue;
    }
    const r = checkExplanation(c.topology, request, explained.data.explainAllocationCandidates, searched.data.allocationCandidates.allocationRequests);
    totals.trees += r.fitting + r.excluded;
    totals.fitting += r.fitting;
    totals.excluded += r.excluded;
    totals.problems += r.problems.length;
    for (const p of r.problems) console.log(`case ${i}: ${p}`);
  }
}
await ours.close();
console.log(JSON.stringify({ seed, ...totals }));
process.exit(totals.problems ? 1 : 0);
