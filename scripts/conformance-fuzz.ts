// Differential fuzzing against the reference: random topologies and requests (conformance/
// fuzzCase.ts) run on a live reference over REST and on this server in-process; every difference
// is printed. Usage:
//   npx tsx scripts/conformance-fuzz.ts --seed N --cases M [--start K] [--reference URL] [--verbose]
import { parseArgs } from 'node:util';
import { generateCase } from '../conformance/fuzzCase.ts';
import { checkLimited, type Driver, diffAnswers } from '../conformance/model.ts';
import { Ours } from '../conformance/ours.ts';
import { Reference } from '../conformance/rest.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    cases: { type: 'string', default: '100' },
    start: { type: 'string', default: '0' },
    reference: { type: 'string', default: 'http://127.0.0.1:8778' },
    ours: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const cases = Number(values.cases);
const ref = new Reference(values.reference!);
// `--ours URL` compares two reference servers: a self-test of the harness and of determinism.
const ours: Driver & { close?: () => Promise<void> } = values.ours ? new Reference(values.ours) : await Ours.open();

let requests = 0;
let differences = 0;
let referenceErrors = 0;
let explainedCount = 0;
const statuses = { ok: 0, empty: 0, bad_request: 0 };

for (let i = Number(values.start); i < cases; i++) {
  const c = generateCase(seed, i);
  try {
    await ref.reset();
    await ref.load(c.topology);
  } catch (err) {
    referenceErrors++;
    console.log(`case ${i}: reference could not load the topology: ${(err as Error).message}`);
    continue;
  }
  await ours.reset();
  await ours.load(c.topology);
  for (const req of c.requests) {
    requests++;
    const { limit, ...unlimited } = req;
    let expected: Awaited<ReturnType<typeof ref.candidates>>;
    try {
      expected = await ref.candidates(unlimited);
    } catch (err) {
      referenceErrors++;
      if (values.verbose) console.log(`case ${i}: reference failed on ${JSON.stringify(req)}: ${(err as Error).message}`);
      continue;
    }
    if (expected.status === 'bad_request') statuses.bad_request++;
    else if (expected.candidates.length) statuses.ok++;
    else statuses.empty++;
    const explained: string[] = [];
    const full = await ours.candidates(unlimited);
    const diff = diffAnswers(expected, full, explained);
    explainedCount += explained.length;
    // Our full answer now equals the reference's but for candidates the sharing bug explains, which
    // a limited answer may pick too: the limited one is judged against ours.
    if (limit !== undefined && !diff.length) diff.push(...checkLimited(full, await ours.candidates(req), limit));
    if (diff.length) {
      differences++;
      console.log(`\n### case ${i} (seed ${seed}): ${JSON.stringify(req)}`);
      for (const line of diff) console.log(`  ${line}`);
      if (values.verbose) console.log(`  topology: ${JSON.stringify(c.topology)}`);
    }
  }
}
await ref.reset();
await ours.close?.();
console.log(
  `\nseed=${seed} cases=${cases} requests=${requests} differences=${differences} reference_errors=${referenceErrors} ` +
    `answers(non-empty=${statuses.ok} empty=${statuses.empty} bad_request=${statuses.bad_request}) sharing_bug_candidates=${explainedCount}`,
);
process.exit(differences ? 1 : 0);
