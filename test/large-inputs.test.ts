// Large inputs (issue 11, item 12: found by the generated hostile inputs). The lists of one
// operation hold at most LIMIT_LIST_ITEMS items together, refused with LIMIT_EXCEEDED past it;
// within it, filters of thousands of conditions answer (no SQLite "expression tree too large", no
// PostgreSQL planner running into the statement timeout) with the same meaning as small ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  // Candidate searches read SQL, not the SQLite world cache, as they do on PostgreSQL.
  h = await setup({ LIMIT_LIST_ITEMS: '5000', PLACEMENT_WORLD_CACHE: 'off' });
  await h.ok(`mutation { createResourceProvider(input: {name: "a", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { createResourceProvider(input: {name: "b", uuid: "${u(2)}"}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { ensureTrait(input: {name: "CUSTOM_X"}) { created } }`);
  await h.ok(`mutation { setProviderTraits(input: {providerUuid: "${u(1)}", providerGeneration: 0, traits: ["CUSTOM_X", "HW_CPU_X86_AVX2"]}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { setProviderAggregates(input: {providerUuid: "${u(1)}", providerGeneration: 1, aggregates: ["${u(50)}", "${u(51)}"]}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { setProviderAggregates(input: {providerUuid: "${u(2)}", providerGeneration: 0, aggregates: ["${u(51)}"]}) { resourceProvider { uuid } } }`);
});
afterAll(() => h.close());

const LIST = `query($f: ProviderFilter) { resourceProviders(filter: $f) { edges { node { uuid } } } }`;
const matching = async (f: unknown) => (await h.ok(LIST, { f })).resourceProviders.edges.map((e: any) => e.node.uuid);

describe('large inputs', () => {
  it('takes 5000 list items in one operation and refuses 5001 with LIMIT_EXCEEDED', async () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `CUSTOM_N${i}`);
    expect((await h.ok(`query($n: [String!]) { traits(filter: {names: $n}) { totalCount } }`, { n: names(5000) })).traits.totalCount).toBe(0);
    const message = await h.fails('LIMIT_EXCEEDED', `query($n: [String!]) { traits(filter: {names: $n}) { totalCount } }`, { n: names(5001) });
    expect(message).toMatch(/List items limit of 5000/);
    // Nested lists and literals count too.
    await h.fails('LIMIT_EXCEEDED', `query($m: [[String!]!]) { resourceProviders(filter: {memberOf: $m}) { totalCount } }`, { m: Array.from({ length: 2501 }, () => [u(50)]) });
    await h.fails(
      'LIMIT_EXCEEDED',
      `{ traits(filter: {names: [${names(5001)
        .map((n) => `"${n}"`)
        .join(', ')}]}) { totalCount } }`,
    );
  });

  it('answers filters of thousands of any-of sets, with their meaning', async () => {
    // Every set must be matched: a's aggregates cover 50 and 51, b's only 51.
    const sets = (n: number, set: string[]) => Array.from({ length: n }, () => set);
    expect(await matching({ memberOf: sets(2000, [u(51)]) })).toEqual([u(1), u(2)]);
    expect(await matching({ memberOf: [...sets(1000, [u(51)]), ...sets(1000, [u(50), u(9)])] })).toEqual([u(1)]);
    expect(await matching({ memberOf: Array.from({ length: 2000 }, (_, i) => [u(1000 + i)]) })).toEqual([]);
    expect(await matching({ requiredTraits: Array.from({ length: 2500 }, (_, i) => (i % 2 ? 'CUSTOM_X' : 'HW_CPU_X86_AVX2')) })).toEqual([u(1)]);
    expect(await matching({ anyTraits: [...sets(1000, ['CUSTOM_X', 'HW_CPU_X86_SSE']), ...sets(1000, ['HW_CPU_X86_AVX2'])] })).toEqual([u(1)]);
    expect(await matching({ anyTraits: sets(2000, ['HW_CPU_X86_SSE']) })).toEqual([]);
  });

  it('answers candidate requests of thousands of groups', async () => {
    const groups = Array.from({ length: 2000 }, (_, i) => ({ suffix: `G${i}`, resources: [{ resourceClass: 'VCPU', amount: i + 1 }] }));
    const res = await h.ok(`query($r: AllocationCandidatesInput!) { allocationCandidates(request: $r) { allocationRequests { mappings { suffix } } } }`, {
      r: { groups, groupPolicy: 'NONE' },
    });
    expect(res.allocationCandidates.allocationRequests).toEqual([]);
  });
});
