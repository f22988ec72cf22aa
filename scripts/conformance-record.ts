// Records the reference's answers for every conformance scenario as JSON fixtures, so that
// `npm test` can compare this server with the reference without running it. Usage:
//   npx tsx scripts/conformance-record.ts [--reference URL] [--only SUBSTRING]
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Fixture } from '../conformance/model.ts';
import { Reference } from '../conformance/rest.ts';
import { allScenarios } from '../conformance/scenarios.ts';

const { values } = parseArgs({ options: { reference: { type: 'string', default: 'http://127.0.0.1:8778' }, only: { type: 'string' } } });
const ref = new Reference(values.reference!);
const dir = new URL('../test/conformance/fixtures/', import.meta.url);
mkdirSync(dir, { recursive: true });

const names = new Set<string>();
for (const s of allScenarios) {
  if (names.has(s.name)) throw new Error(`two scenarios are named ${s.name}`);
  names.add(s.name);
}

const tally = { scenarios: 0, requests: 0, nonEmpty: 0, empty: 0, badRequest: 0 };
for (const scenario of allScenarios.filter((s) => !values.only || s.name.includes(values.only))) {
  await ref.reset();
  await ref.load(scenario.topology);
  const fixture: Fixture = { scenario: scenario.name, answers: {} };
  for (const { name, request } of scenario.requests) {
    const { limit, ...unlimited } = request;
    const full = await ref.candidates(unlimited);
    fixture.answers[name] = limit === undefined ? full : { limit, full, limited: await ref.candidates(request) };
    tally.requests++;
    if (full.status === 'bad_request') tally.badRequest++;
    else if (full.candidates.length) tally.nonEmpty++;
    else tally.empty++;
  }
  writeFileSync(new URL(`${scenario.name}.json`, dir), `${JSON.stringify(fixture, null, 1)}\n`);
  tally.scenarios++;
}
await ref.reset();
console.log(JSON.stringify(tally));
