// The trees a request can use are chosen twice: in SQL by the database's root walk
// (src/db/candidates.ts loadWorld) and in memory by the world cache (selectWorld, through
// sharingReach and fits). Over a world of sharing providers with and without room, reaching trees
// through a root's or a child's aggregate or through none, both must choose the same providers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkNames, loadWorld, readProviders } from '../src/db/candidates.ts';
import { type CandidatesInput, normaliseCandidatesRequest } from '../src/domain/candidates/request.ts';
import { indexTrees, selectWorld } from '../src/domain/candidates/trees.ts';
import type { WorldProvider } from '../src/domain/candidates/world.ts';
import { testingPostgres } from './database.ts';
import { type Harness, setup, u } from './helpers.ts';

const AGG = { A: u(901), B: u(902), C: u(903), D: u(904) };
const SHARES = 'MISC_SHARES_VIA_AGGREGATE';

/** uuid number, parent, inventories (class → total and unit rules), traits, aggregates. */
const PROVIDERS: [number, number | null, Record<string, { total: number; minUnit?: number }>, string[], string[]][] = [
  [1, null, {}, [], []],
  [2, 1, { VCPU: { total: 4 } }, [], []], // a child with room
  [3, null, {}, [], [AGG.A]], // no inventory, reached through A
  [4, null, { VCPU: { total: 2 } }, [], [AGG.B]],
  [5, null, {}, [], []], // reached only through its child's aggregate C
  [6, 5, {}, [], [AGG.C]],
  [7, null, {}, [], [AGG.D]],
  [8, null, {}, [], []], // reached by nothing
  [10, null, { DISK_GB: { total: 100 } }, [SHARES], [AGG.A, AGG.B]],
  [11, null, { DISK_GB: { total: 5 } }, [SHARES], [AGG.C]],
  [12, null, { DISK_GB: { total: 100 } }, [SHARES], []], // shares through no aggregate
  [13, null, { DISK_GB: { total: 100, minUnit: 50 } }, [SHARES], [AGG.D]],
];

const REQUESTS: { input: CandidatesInput; maxRoots?: number }[] = [
  { input: { groups: [{ resources: [{ resourceClass: 'DISK_GB', amount: 10 }] }] } },
  { input: { groups: [{ resources: [{ resourceClass: 'DISK_GB', amount: 50 }] }] } },
  { input: { groups: [{ resources: [{ resourceClass: 'DISK_GB', amount: 5 }] }] } },
  { input: { groups: [{ resources: [{ resourceClass: 'DISK_GB', amount: 101 }] }] } },
  { input: { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1 }] }] } },
  {
    input: {
      groups: [
        {
          resources: [
            { resourceClass: 'VCPU', amount: 1 },
            { resourceClass: 'DISK_GB', amount: 10 },
          ],
        },
      ],
    },
  },
  { input: { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1 }] }, { suffix: 'S', resources: [{ resourceClass: 'DISK_GB', amount: 60 }] }], groupPolicy: 'none' } },
  { input: { groups: [{ resources: [{ resourceClass: 'DISK_GB', amount: 10 }] }] }, maxRoots: 1 },
  {
    input: {
      groups: [
        {
          resources: [
            { resourceClass: 'VCPU', amount: 1 },
            { resourceClass: 'DISK_GB', amount: 5 },
          ],
        },
      ],
    },
    maxRoots: 2,
  },
];

let h: Harness;
beforeAll(async () => {
  h = await setup();
  for (const [n, parent, inventories, traits, aggregates] of PROVIDERS) {
    const uuid = u(n);
    await h.ok(`mutation($i: CreateResourceProviderInput!) { createResourceProvider(input: $i) { resourceProvider { uuid } } }`, {
      i: { uuid, name: `rp${n}`, parentUuid: parent === null ? null : u(parent) },
    });
    let g = 0;
    const inv = Object.entries(inventories).map(([resourceClass, i]) => ({ resourceClass, ...i }));
    if (inv.length)
      await h.ok(`mutation($i: SetInventoriesInput!) { setInventories(input: $i) { resourceProvider { uuid } } }`, { i: { providerUuid: uuid, providerGeneration: g++, inventories: inv } });
    if (traits.length)
      await h.ok(`mutation($i: SetProviderTraitsInput!) { setProviderTraits(input: $i) { resourceProvider { uuid } } }`, { i: { providerUuid: uuid, providerGeneration: g++, traits } });
    if (aggregates.length)
      await h.ok(`mutation($i: SetProviderAggregatesInput!) { setProviderAggregates(input: $i) { resourceProvider { uuid } } }`, { i: { providerUuid: uuid, providerGeneration: g++, aggregates } });
  }
});
afterAll(() => h.close());

describe('the trees a request can use, in SQL and in memory', () => {
  it('are the same providers for every request', async () => {
    const dialect = testingPostgres() ? 'postgres' : 'sqlite';
    const chosen: string[][] = [];
    for (const { input, maxRoots } of REQUESTS) {
      const req = normaliseCandidatesRequest(input);
      const classIds = await checkNames(h.db.reader, req);
      const all = new Map<number, WorldProvider>((await readProviders(h.db.reader, dialect, null, classIds)).map((p) => [p.id, p]));
      const inMemory = selectWorld(all, indexTrees(all), req, classIds, maxRoots);
      const bySql = await loadWorld(h.db.reader, req, dialect, maxRoots);
      const uuids = (w: { providers: ReadonlyMap<number, WorldProvider> }) => [...w.providers.values()].map((p) => p.uuid).sort();
      expect(uuids(inMemory), JSON.stringify(input)).toEqual(uuids(bySql));
      expect(inMemory.truncated, JSON.stringify(input)).toBe(bySql.truncated);
      chosen.push(uuids(bySql));
    }
    // The table exercises the rule: some trees are reached only through sharing, some by nothing.
    expect(chosen[0]).toContain(u(3));
    expect(chosen[2]).toContain(u(5));
    expect(chosen[0]).not.toContain(u(8));
    expect(chosen[1]).toContain(u(7));
    expect(chosen[3]).toEqual([]);
  });
});
