// Many stateless replicas on one PostgreSQL database (issue: PostgreSQL backend). Three server
// processes serve concurrent clients racing for capacity over NUMA trees and a sharing provider,
// while inventories change and consumers move; then one replica is killed with SIGKILL in the
// middle of a claim storm. Afterwards the database must hold no oversubscription, no half-written
// consumer, consistent generations and usages, and every failure must be a clean, classified one.

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, schemaSession, type TestDatabase } from './database.ts';
import { newConsumer, u } from './helpers.ts';
import { post, type Replica, startReplica, stopReplica } from './replicas.ts';

const AGG = 'aaaaaaaa-0000-4000-8000-000000000001';
const TREES = 4;
const root = (t: number) => u(100 * (t + 1));
const numa = (t: number, n: number) => u(100 * (t + 1) + n + 1);
const SHARED = u(900);

let td: TestDatabase;
let replicas: Replica[] = [];
let sql: pg.Client;
const counts: Record<string, number> = {};
const tally = (phase: string, codes: string[]) => {
  for (const c of codes) counts[`${phase}:${c}`] = (counts[`${phase}:${c}`] ?? 0) + 1;
};

beforeAll(async () => {
  td = await openTestDatabase();
  replicas = await Promise.all([0, 1, 2].map(() => startReplica(td.url)));
  sql = await schemaSession(td.url);
  const must = async (query: string, variables?: Record<string, unknown>) => {
    const r = await post(replicas[0].url, query, variables);
    if (r.code !== 'OK') throw new Error(`${query}: ${r.code}`);
    return r.data;
  };
  const create = (uuid: string, name: string, parentUuid?: string) =>
    must(`mutation($i: CreateResourceProviderInput!) { createResourceProvider(input: $i) { resourceProvider { uuid } } }`, { i: { uuid, name, parentUuid } });
  const inventory = (uuid: string, generation: number, inventories: unknown[]) =>
    must(`mutation($i: SetInventoriesInput!) { setInventories(input: $i) { resourceProvider { generation } } }`, { i: { providerUuid: uuid, providerGeneration: generation, inventories } });
  for (let t = 0; t < TREES; t++) {
    await create(root(t), `host${t}`);
    await must(`mutation { setProviderAggregates(input: {providerUuid: "${root(t)}", providerGeneration: 0, aggregates: ["${AGG}"]}) { resourceProvider { uuid } } }`);
    for (const n of [0, 1]) {
      await create(numa(t, n), `host${t}-numa${n}`, root(t));
      await inventory(numa(t, n), 0, [
        { resourceClass: 'VCPU', total: 4 },
        { resourceClass: 'MEMORY_MB', total: 4096 },
      ]);
    }
  }
  await create(SHARED, 'shared-disk');
  await inventory(SHARED, 0, [{ resourceClass: 'DISK_GB', total: 1000 }]);
  await must(`mutation { setProviderTraits(input: {providerUuid: "${SHARED}", providerGeneration: 1, traits: ["MISC_SHARES_VIA_AGGREGATE"]}) { resourceProvider { uuid } } }`);
  await must(`mutation { setProviderAggregates(input: {providerUuid: "${SHARED}", providerGeneration: 2, aggregates: ["${AGG}"]}) { resourceProvider { uuid } } }`);
}, 180_000);

afterAll(async () => {
  let retries = 0;
  for (const r of replicas) retries += await stopReplica(r);
  console.log(JSON.stringify({ replicaTest: counts, serverRetries: retries }));
  await sql?.end();
  await td?.drop();
});

const CLAIM = `mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { consumers { uuid } } }`;
const claim = (consumer: string, allocations: [string, string, number][]) => ({
  i: {
    consumer: newConsumer(consumer, allocations),
  },
});

/** Every (provider, class) is within capacity, and per provider usage equals the allocations. */
async function assertInvariants() {
  const over = await sql.query(`
    SELECT p.uuid, rc.name, i.total, i.reserved, i.allocation_ratio, COALESCE(SUM(a.used), 0) AS used
    FROM inventories i JOIN resource_providers p ON p.id = i.resource_provider_id JOIN resource_classes rc ON rc.id = i.resource_class_id
    LEFT JOIN allocations a ON a.resource_provider_id = i.resource_provider_id AND a.resource_class_id = i.resource_class_id
    GROUP BY p.uuid, rc.name, i.total, i.reserved, i.allocation_ratio
    HAVING COALESCE(SUM(a.used), 0) > FLOOR((i.total - i.reserved) * i.allocation_ratio)`);
  expect(over.rows).toEqual([]);
  const orphans = await sql.query(`SELECT c.uuid FROM consumers c WHERE NOT EXISTS (SELECT 1 FROM allocations a WHERE a.consumer_id = c.id)`);
  expect(orphans.rows).toEqual([]);
}

describe('three replicas on one PostgreSQL database', () => {
  it('72 racing claims over 8 NUMA cells and a sharing pool: exactly what fits succeeds, the rest is CAPACITY_EXCEEDED', async () => {
    // Each claim takes 1 VCPU on one cell (9 claimers per 4-VCPU cell) and 5 GB of the shared pool.
    const results = await Promise.all(
      Array.from({ length: 72 }, (_, i) =>
        post(
          replicas[i % 3].url,
          CLAIM,
          claim(u(10_000 + i), [
            [numa(Math.floor(i / 2) % TREES, i % 2), 'VCPU', 1],
            [SHARED, 'DISK_GB', 5],
          ]),
        ),
      ),
    );
    const codes = results.map((r) => r.code);
    tally('claims', codes);
    expect(codes.filter((c) => c === 'OK')).toHaveLength(32);
    expect(
      codes.filter((c) => c !== 'OK').every((c) => c === 'CAPACITY_EXCEEDED'),
      JSON.stringify(counts),
    ).toBe(true);
    await assertInvariants();
    // Generations count exactly the successful writes: inventory once, then one bump per claim.
    const gens = await sql.query(`SELECT uuid, generation FROM resource_providers`);
    const gen = new Map(gens.rows.map((r) => [r.uuid, r.generation]));
    for (let t = 0; t < TREES; t++) for (const n of [0, 1]) expect(gen.get(numa(t, n))).toBe(1 + 4);
    expect(gen.get(SHARED)).toBe(3 + 32);
    const disk = await sql.query(`SELECT SUM(used)::int AS used FROM allocations a JOIN resource_classes rc ON rc.id = a.resource_class_id WHERE rc.name = 'DISK_GB'`);
    expect(disk.rows[0].used).toBe(32 * 5);
  }, 120_000);

  it('races inventory updates and deletes and multi-consumer moves against claims; every failure is classified', async () => {
    // Free tree 0 (8 consumers) so there is room to fight over again, through all replicas.
    const held = await sql.query(
      `SELECT DISTINCT c.uuid FROM consumers c JOIN allocations a ON a.consumer_id = c.id
      JOIN resource_providers p ON p.id = a.resource_provider_id WHERE p.root_provider_id = (SELECT id FROM resource_providers WHERE uuid = $1)`,
      [root(0)],
    );
    const tree0 = held.rows.map((r) => r.uuid as string);
    expect(tree0).toHaveLength(8);
    const gen = async (uuid: string) => (await sql.query(`SELECT generation FROM resource_providers WHERE uuid = $1`, [uuid])).rows[0].generation as number;
    const work: Promise<[string, string]>[] = [];
    // 4 moves: a tree-0 consumer's allocations go to a new migration consumer on tree 1 (no room there: it is full) or back to tree 0.
    for (const [i, c] of tree0.slice(0, 4).entries())
      work.push(
        post(replicas[i % 3].url, `mutation($i: SetAllocationsBatchInput!) { setAllocationsBatch(input: $i) { consumers { uuid } } }`, {
          i: {
            consumers: [
              { consumerUuid: c, consumerGeneration: 1, projectId: 'p', userId: 'u', consumerType: 'INSTANCE', allocations: [] },
              {
                ...claim(u(20_000 + i), [
                  [numa(0, i % 2), 'VCPU', 1],
                  [SHARED, 'DISK_GB', 5],
                ]).i.consumer,
                consumerType: 'MIGRATION',
              },
            ],
          },
        }).then((r) => ['moves', r.code]),
      );
    // 20 new claims on tree 0 (room: 8 VCPU, minus what the moves keep).
    for (let i = 0; i < 20; i++)
      work.push(
        post(
          replicas[i % 3].url,
          CLAIM,
          claim(u(30_000 + i), [
            [numa(0, i % 2), 'VCPU', 1],
            [SHARED, 'DISK_GB', 5],
          ]),
        ).then((r) => ['claims2', r.code]),
      );
    // Inventory updates with the generation seen before the storm, and deletes of MEMORY_MB (unused) and VCPU (in use).
    for (const n of [0, 1]) {
      const g = await gen(numa(0, n));
      work.push(
        post(replicas[n].url, `mutation($i: SetInventoryInput!) { setInventory(input: $i) { resourceProvider { generation } } }`, {
          i: { providerUuid: numa(0, n), providerGeneration: g, inventory: { resourceClass: 'VCPU', total: 6 } },
        }).then((r) => ['inventory-update', r.code]),
      );
      work.push(
        post(replicas[2].url, `mutation { deleteInventory(input: {providerUuid: "${numa(0, n)}", resourceClass: "MEMORY_MB"}) { resourceProvider { uuid } } }`).then((r) => [
          'inventory-delete',
          r.code,
        ]),
      );
      work.push(
        post(replicas[2].url, `mutation { deleteInventory(input: {providerUuid: "${numa(0, n)}", resourceClass: "VCPU"}) { resourceProvider { uuid } } }`).then((r) => [
          'inventory-delete-in-use',
          r.code,
        ]),
      );
    }
    for (const c of tree0.slice(4)) work.push(post(replicas[1].url, `mutation { deleteAllocations(input: {consumerUuid: "${c}"}) { consumerUuid } }`).then((r) => ['deletes', r.code]));
    const results = await Promise.all(work);
    const allowed: Record<string, string[]> = {
      moves: ['OK', 'CAPACITY_EXCEEDED', 'CONCURRENT_UPDATE'],
      claims2: ['OK', 'CAPACITY_EXCEEDED'],
      'inventory-update': ['OK', 'CONCURRENT_UPDATE'],
      'inventory-delete': ['OK', 'CONCURRENT_UPDATE'],
      'inventory-delete-in-use': ['INVENTORY_IN_USE', 'CONCURRENT_UPDATE', 'OK'],
      deletes: ['OK'],
    };
    for (const [phase, code] of results) {
      tally(phase, [code]);
      expect(allowed[phase], `${phase}: ${code}`).toContain(code);
    }
    // Moves are all-or-nothing: a moved instance is gone exactly when its migration consumer exists.
    for (let i = 0; i < 4; i++) {
      const src = (await sql.query(`SELECT 1 FROM consumers WHERE uuid = $1`, [tree0[i]])).rows.length;
      const dst = (await sql.query(`SELECT 1 FROM consumers WHERE uuid = $1`, [u(20_000 + i)])).rows.length;
      expect(src + dst).toBe(1);
    }
    await assertInvariants();
  }, 120_000);

  it('a replica killed with SIGKILL mid-storm leaves no half-written consumer; the others keep serving', async () => {
    const victim = replicas[0];
    const storm = Array.from({ length: 90 }, (_, i) =>
      post(
        replicas[i % 3].url,
        CLAIM,
        claim(u(40_000 + i), [
          [numa(2 + (i % 2), Math.floor(i / 2) % 2), 'MEMORY_MB', 64],
          [SHARED, 'DISK_GB', 1],
        ]),
      ),
    );
    await new Promise((r) => setTimeout(r, 150));
    victim.process.kill('SIGKILL');
    const codes = (await Promise.all(storm)).map((r) => r.code);
    tally('kill', codes);
    // Requests to the killed replica may fail on the network; everything else is a clean answer.
    expect(
      codes.every((c) => ['OK', 'CAPACITY_EXCEEDED', 'NETWORK'].includes(c)),
      JSON.stringify(codes),
    ).toBe(true);
    expect(codes.filter((c, i) => c === 'NETWORK' && i % 3 !== 0)).toEqual([]);
    // All or nothing: every storm consumer that exists holds both its allocations.
    const partial = await sql.query(`SELECT c.uuid, COUNT(a.id) AS n FROM consumers c JOIN allocations a ON a.consumer_id = c.id
      WHERE c.uuid LIKE '00000000-0000-0000-0000-00000004%' GROUP BY c.uuid HAVING COUNT(a.id) <> 2`);
    expect(partial.rows).toEqual([]);
    const ok = codes.filter((c) => c === 'OK').length;
    const stored = (await sql.query(`SELECT COUNT(*)::int AS n FROM consumers WHERE uuid LIKE '00000000-0000-0000-0000-00000004%'`)).rows[0].n;
    // A claim the victim committed just before dying exists without its client having seen OK.
    expect(stored).toBeGreaterThanOrEqual(ok);
    expect(stored - ok).toBeLessThanOrEqual(codes.filter((c) => c === 'NETWORK').length);
    await assertInvariants();
    for (const r of replicas.slice(1)) expect((await post(r.url, `{ resourceProvider(uuid: "${SHARED}") { generation } }`)).code).toBe('OK');
  }, 120_000);
});
