// The in-memory world the candidate search reads (src/db/worldCache.ts) must answer exactly as
// reading the database would, after every kind of write, on both databases: two apps share one
// database (two replicas on PostgreSQL, two connections to one file on SQLite), one with the cache,
// one without; writes alternate between them, and after each step both are asked the same
// questions. Then: a log pruned past the cache's position makes it reload, an unchanged world costs
// one statement per question, and a claim makes the next read re-read only the providers it touched. PostgreSQL specifics: test/worldCache.pg.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANDIDATES_QUERY, candidatesInput, toAnswer } from '../conformance/candidatesQuery.ts';
import type { CandidateRequest } from '../conformance/model.ts';
import { openDatabase } from '../src/db/client.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { type AppOn, appOn, databaseSettings, graphql, u } from './helpers.ts';

const AGG_A = u(900);
const POOL = u(50);
const cn = (i: number) => u(i * 10);
const numa = (i: number, k: number) => u(i * 10 + 1 + k);

const QUESTIONS: CandidateRequest[] = [
  { groups: [{ resources: { VCPU: 1, MEMORY_MB: 256, DISK_GB: 10 } }] },
  {
    groups: [
      { resources: { DISK_GB: 10 }, memberOf: [[AGG_A]] },
      { suffix: '_C', resources: { VCPU: 2 } },
    ],
    groupPolicy: 'none',
  },
  {
    groups: [
      { suffix: '_A', resources: { VCPU: 1 } },
      { suffix: '_B', resources: { VCPU: 1 } },
    ],
    groupPolicy: 'isolate',
  },
  { groups: [{ resources: { VCPU: 1 }, required: ['HW_CPU_X86_AVX2'] }] },
  { groups: [{ resources: { VCPU: 1 } }], limit: 1 },
  { groups: [{ resources: { VCPU: 1 }, required: ['CUSTOM_LATE'] }] },
];

async function ask(side: AppOn, q: CandidateRequest) {
  const body = await graphql(side.app, { query: CANDIDATES_QUERY, variables: { request: candidatesInput(q) } });
  return body.errors ? { error: body.errors[0].extensions?.code } : toAnswer(body.data.allocationCandidates);
}

const generation = async (side: AppOn, uuid: string) => (await side.must(`{ resourceProvider(uuid: "${uuid}") { generation } }`)).resourceProvider.generation;

const allocate = (side: AppOn, consumer: string, consumerGeneration: number | null, allocations: Record<string, Record<string, number>>) =>
  side.must(`mutation($input: SetAllocationsInput!) { setAllocations(input: $input) { consumers { uuid } } }`, {
    input: {
      consumer: {
        consumerUuid: consumer,
        consumerGeneration,
        projectId: 'p',
        userId: 'u',
        consumerType: 'INSTANCE',
        allocations: Object.entries(allocations).map(([providerUuid, r]) => ({
          providerUuid,
          resources: Object.entries(r).map(([resourceClass, amount]) => ({ resourceClass, amount })),
        })),
      },
    },
  });

async function createProvider(side: AppOn, uuid: string, parentUuid: string | null, inventories: Record<string, number>, traits: string[] = [], aggregates: string[] = []) {
  await side.must(`mutation($i: CreateResourceProviderInput!) { createResourceProvider(input: $i) { resourceProvider { uuid } } }`, { i: { uuid, name: `rp-${uuid}`, parentUuid } });
  let g = 0;
  const inv = Object.entries(inventories).map(([resourceClass, total]) => ({ resourceClass, total }));
  if (inv.length)
    await side.must(`mutation($i: SetInventoriesInput!) { setInventories(input: $i) { resourceProvider { generation } } }`, { i: { providerUuid: uuid, providerGeneration: g++, inventories: inv } });
  if (traits.length)
    await side.must(`mutation($i: SetProviderTraitsInput!) { setProviderTraits(input: $i) { resourceProvider { generation } } }`, { i: { providerUuid: uuid, providerGeneration: g++, traits } });
  if (aggregates.length)
    await side.must(`mutation($i: SetProviderAggregatesInput!) { setProviderAggregates(input: $i) { resourceProvider { generation } } }`, {
      i: { providerUuid: uuid, providerGeneration: g++, aggregates },
    });
}

describe('world cache', () => {
  let test: TestDatabase;
  let cached: AppOn;
  let direct: AppOn;

  beforeAll(async () => {
    test = await openTestDatabase();
    cached = appOn(test.db);
    direct = appOn(await openDatabase(test.url, databaseSettings({ PLACEMENT_WORLD_CACHE: 'off' })));
    expect(cached.db.cache).not.toBeNull();
    expect(direct.db.cache).toBeNull();
  });
  afterAll(async () => {
    await direct?.db.close();
    await test?.drop();
  });

  /** Both sides answer every question alike (and at least one question has candidates). */
  async function agree(step: string) {
    let any = 0;
    for (const q of QUESTIONS) {
      const [a, b] = [await ask(cached, q), await ask(direct, q)];
      expect(a, `${step}: ${JSON.stringify(q)}`).toEqual(b);
      if ('candidates' in a && a.candidates.length) any++;
    }
    expect(any, step).toBeGreaterThan(0);
  }

  it('answers as the database does after every kind of write, made on either side', async () => {
    // Each write below goes through the next side in turn: the cached one's own writes and the
    // other's, which it learns from the change log only.
    let turn = 0;
    const side = () => (turn++ % 2 ? direct : cached);
    for (let i = 1; i <= 3; i++) {
      await createProvider(side(), cn(i), null, { DISK_GB: 100 }, i === 1 ? ['HW_CPU_X86_AVX2'] : [], i < 3 ? [AGG_A] : []);
      for (let k = 0; k < 2; k++) await createProvider(side(), numa(i, k), cn(i), { VCPU: 4, MEMORY_MB: 2048 });
    }
    await createProvider(side(), POOL, null, { DISK_GB: 1000 }, ['MISC_SHARES_VIA_AGGREGATE'], [AGG_A]);
    await agree('loaded');

    await allocate(side(), u(700), null, { [numa(1, 0)]: { VCPU: 3, MEMORY_MB: 1024 }, [POOL]: { DISK_GB: 500 } });
    await agree('claimed');
    // Moved: numa(1,0) and the pool keep their generations but lose the usage.
    await allocate(side(), u(700), 1, { [numa(2, 1)]: { VCPU: 4, MEMORY_MB: 2048 } });
    await agree('moved');
    await side().must(`mutation { deleteAllocations(input: {consumerUuid: "${u(700)}"}) { __typename } }`);
    await allocate(side(), u(701), null, { [numa(3, 0)]: { VCPU: 4 } });
    await side().must(`mutation { deleteAllocations(input: {consumerUuid: "${u(701)}"}) { __typename } }`);
    await agree('deleted allocations');

    await side().must(`mutation($i: SetInventoryInput!) { setInventory(input: $i) { __typename } }`, {
      i: { providerUuid: numa(3, 1), providerGeneration: await generation(direct, numa(3, 1)), inventory: { resourceClass: 'VCPU', total: 1 } },
    });
    await agree('inventory changed');
    await side().must(`mutation($i: SetProviderTraitsInput!) { setProviderTraits(input: $i) { __typename } }`, {
      i: { providerUuid: cn(2), providerGeneration: await generation(direct, cn(2)), traits: ['HW_CPU_X86_AVX2'] },
    });
    await side().must(`mutation($i: SetProviderAggregatesInput!) { setProviderAggregates(input: $i) { __typename } }`, {
      i: { providerUuid: POOL, providerGeneration: await generation(direct, POOL), aggregates: [] },
    });
    await agree('traits and aggregates changed');

    // A subtree moves to another tree, a provider goes, another comes.
    await side().must(`mutation { updateResourceProvider(input: {uuid: "${numa(1, 1)}", parentUuid: "${cn(3)}"}) { __typename } }`);
    await agree('reparented');
    await side().must(`mutation { deleteResourceProvider(input: {uuid: "${numa(2, 0)}"}) { __typename } }`);
    await createProvider(cached, cn(4), null, { VCPU: 8, MEMORY_MB: 4096, DISK_GB: 50 });
    await agree('deleted and created');

    // A trait first seen after the cache was filled.
    await side().must(`mutation { ensureTrait(input: {name: "CUSTOM_LATE"}) { created } }`);
    await side().must(`mutation($i: SetProviderTraitsInput!) { setProviderTraits(input: $i) { __typename } }`, {
      i: { providerUuid: numa(3, 0), providerGeneration: await generation(direct, numa(3, 0)), traits: ['CUSTOM_LATE'] },
    });
    await agree('new trait');
  });

  it('learns a write made through another connection from the change log, without reloading', async () => {
    await agree('before');
    const [reloads, reads] = [cached.db.cache!.stats.reloads, cached.db.cache!.stats.providerReads];
    await allocate(direct, u(800), null, { [cn(4)]: { VCPU: 8 } });
    await agree('foreign write');
    expect(cached.db.cache!.stats.reloads).toBe(reloads);
    expect(cached.db.cache!.stats.providerReads).toBe(reads + 1);
    const vcpu = (await ask(cached, { groups: [{ resources: { MEMORY_MB: 1 } }] })) as any;
    expect(JSON.stringify(vcpu)).toContain('"used":8');
  });

  it('reloads when the log was pruned past what it had', async () => {
    await agree('before');
    // Not woken by notifications (PostgreSQL): it stays where it is until asked.
    await cached.db.feed?.close();
    const reloads = cached.db.cache!.stats.reloads;
    const settings = direct.db.settings;
    direct.db.settings = { ...settings, changeLogKeep: 1 }; // every write prunes all but the newest row
    try {
      for (const [i, host] of [cn(1), cn(2), cn(3)].entries()) {
        await direct.must(`mutation($i: SetInventoryInput!) { setInventory(input: $i) { __typename } }`, {
          i: { providerUuid: host, providerGeneration: await generation(direct, host), inventory: { resourceClass: 'DISK_GB', total: 20 + i } },
        });
      }
    } finally {
      direct.db.settings = settings;
    }
    await agree('pruned');
    expect(cached.db.cache!.stats.reloads).toBe(reloads + 1);
  });

  it('costs one statement per question while nothing changes, and re-reads only what a claim touched', async () => {
    // No notifications from the other side may start a catch-up while statements are counted.
    await cached.db.feed?.close();
    const q = QUESTIONS[0];
    await ask(cached, q);
    const stats = cached.db.stats;
    let before = stats.statements;
    for (let i = 0; i < 5; i++) await ask(cached, q);
    // The freshness check, nothing else (the memo answers): SQLite's PRAGMA data_version, PostgreSQL's log read.
    expect(stats.statements - before).toBe(5);

    const cache = cached.db.cache!;
    const [reloads, reads] = [cache.stats.reloads, cache.stats.providerReads];
    await allocate(cached, u(801), null, { [numa(3, 0)]: { VCPU: 1 }, [cn(3)]: { DISK_GB: 1 } });
    before = stats.statements;
    const after = (await ask(cached, q)) as any;
    expect(cache.stats.reloads).toBe(reloads);
    expect(cache.stats.providerReads).toBe(reads + 2);
    // SQLite: data_version, the log, then providers and inventories of the two; PostgreSQL: the log, then those two.
    expect(stats.statements - before).toBe(cached.db.kind === 'sqlite' ? 4 : 3);
    expect(JSON.stringify(after)).toEqual(JSON.stringify(await ask(direct, q)));
  });
});
