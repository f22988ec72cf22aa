// Conformance with the reference (OpenStack Placement 8.0.0): every scenario of the library is
// loaded into a fresh database here and each request's answer is compared, as a set, with the
// reference's answer recorded by `npm run conformance:record`.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLimited, diffAnswers, type Fixture } from '../conformance/model.ts';
import { Ours } from '../conformance/ours.ts';
import { allScenarios } from '../conformance/scenarios.ts';

const fixture = (name: string): Fixture => JSON.parse(readFileSync(new URL(`./conformance/fixtures/${name}.json`, import.meta.url), 'utf8'));

let ours: Ours;
beforeAll(async () => {
  ours = await Ours.open();
});
afterAll(() => ours.close());

it('has a recorded fixture for every request of at least 60 scenarios', () => {
  expect(allScenarios.length).toBeGreaterThanOrEqual(60);
  expect(new Set(allScenarios.map((s) => s.name)).size).toBe(allScenarios.length);
  for (const s of allScenarios) expect(Object.keys(fixture(s.name).answers).sort(), s.name).toEqual(s.requests.map((r) => r.name).sort());
});

describe.each(allScenarios.map((s) => [s.name, s] as const))('%s', (_, scenario) => {
  beforeAll(async () => {
    await ours.reset();
    await ours.load(scenario.topology);
  });
  it.each(scenario.requests.map((r) => [r.name, r] as const))('%s', async (name, { request }) => {
    const recorded = fixture(scenario.name).answers[name];
    if ('limit' in recorded && 'full' in recorded) {
      const { limit: _limit, ...unlimited } = request;
      expect(diffAnswers(recorded.full, await ours.candidates(unlimited))).toEqual([]);
      expect(checkLimited(recorded.full, await ours.candidates(request), recorded.limit)).toEqual([]);
    } else {
      expect(diffAnswers(recorded, await ours.candidates(request))).toEqual([]);
    }
  });
});
