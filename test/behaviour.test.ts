// Behaviour ported from the reference's functional tests (resource providers, aggregates, traits,
// resource classes, inventories, allocations, usages, consumer types, reshaper): the same
// situations with the same outcomes, observed on OpenStack Placement 8.0.0 at microversion 1.39.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, snapshotDb, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => (h = await setup()));
afterAll(() => h.close());

const create = (name: string, uuid: string, parentUuid?: string) =>
  h.ok(`mutation($i: CreateResourceProviderInput!) { createResourceProvider(input: $i) { resourceProvider { uuid generation } } }`, {
    i: { name, uuid, parentUuid },
  });
const provider = async (uuid: string) =>
  (
    await h.ok(`{ resourceProvider(uuid: "${uuid}") { name generation parent { uuid } root { uuid } children { uuid } descendants { uuid }
    inventories { resourceClass total reserved minUnit maxUnit stepSize allocationRatio capacity used } usages { resourceClass used } traits aggregates } }`)
  ).resourceProvider;
const setInventories = (uuid: string, generation: number, inventories: unknown[]) =>
  h.ok(`mutation($i: SetInventoriesInput!) { setInventories(input: $i) { resourceProvider { generation } } }`, {
    i: { providerUuid: uuid, providerGeneration: generation, inventories },
  });
const SET_ALLOCATIONS = `mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { consumers { uuid generation consumerType } } }`;
const consumer = (uuid: string, generation: number | null, allocations: { providerUuid: string; resources: { resourceClass: string; amount: number }[] }[], extra = {}) => ({
  consumerUuid: uuid,
  consumerGeneration: generation,
  projectId: 'proj',
  userId: 'user',
  consumerType: 'INSTANCE',
  allocations,
  ...extra,
});
const vcpu = (providerUuid: string, amount: number) => ({ providerUuid, resources: [{ resourceClass: 'VCPU', amount }] });
const providerUuids = async (filter: unknown) =>
  (await h.ok(`query($f: ProviderFilter) { resourceProviders(filter: $f) { totalCount edges { node { uuid } } } }`, { f: filter })).resourceProviders.edges.map((e: any) => e.node.uuid);

describe('resource providers and trees', () => {
  it('creates roots and children; root and parent follow', async () => {
    await create('cn-a', u(1));
    await create('numa-a0', u(2), u(1));
    await create('pf-a0', u(3), u(2));
    await create('cn-b', u(4));
    const rp = await provider(u(3));
    expect(rp).toMatchObject({ generation: 0, parent: { uuid: u(2) }, root: { uuid: u(1) } });
    expect((await provider(u(1))).descendants.map((d: any) => d.uuid)).toEqual([u(2), u(3)]);
  });

  it('renames without bumping the generation', async () => {
    await h.ok(`mutation { updateResourceProvider(input: {uuid: "${u(4)}", name: "cn-b2"}) { resourceProvider { name generation } } }`);
    expect(await provider(u(4))).toMatchObject({ name: 'cn-b2', generation: 0 });
  });

  it('moves a subtree to another tree and back out as a root (1.37)', async () => {
    await h.ok(`mutation { updateResourceProvider(input: {uuid: "${u(2)}", parentUuid: "${u(4)}"}) { resourceProvider { uuid } } }`);
    expect(await provider(u(3))).toMatchObject({ root: { uuid: u(4) }, parent: { uuid: u(2) }, generation: 0 });
    expect((await provider(u(1))).children).toEqual([]);
    await h.ok(`mutation { updateResourceProvider(input: {uuid: "${u(2)}", parentUuid: null}) { resourceProvider { uuid } } }`);
    expect(await provider(u(2))).toMatchObject({ parent: null, root: { uuid: u(2) } });
    expect(await provider(u(3))).toMatchObject({ root: { uuid: u(2) } });
    await h.ok(`mutation { updateResourceProvider(input: {uuid: "${u(2)}", parentUuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
    expect(await provider(u(3))).toMatchObject({ root: { uuid: u(1) } });
  });

  it('refuses a move under its own descendant', async () => {
    await h.fails('INVALID_PARENT', `mutation { updateResourceProvider(input: {uuid: "${u(1)}", parentUuid: "${u(3)}"}) { resourceProvider { uuid } } }`);
    await h.fails('INVALID_PARENT', `mutation { updateResourceProvider(input: {uuid: "${u(1)}", parentUuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  });

  it('gives a random uuid when none is given and normalises upper case', async () => {
    const d = await h.ok(`mutation { a: createResourceProvider(input: {name: "anon"}) { resourceProvider { uuid } }
      b: createResourceProvider(input: {name: "upper", uuid: "ABCDEF01-2345-6789-ABCD-EF0123456789"}) { resourceProvider { uuid } } }`);
    expect(d.a.resourceProvider.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(d.b.resourceProvider.uuid).toBe('abcdef01-2345-6789-abcd-ef0123456789');
  });

  it('resolves global ids through node(id:)', async () => {
    const { resourceProvider } = await h.ok(`{ resourceProvider(uuid: "${u(1)}") { id } }`);
    const d = await h.ok(`query($id: ID!) { node(id: $id) { ... on ResourceProvider { uuid name } } }`, { id: resourceProvider.id });
    expect(d.node).toEqual({ uuid: u(1), name: 'cn-a' });
  });

  it('deletes a leaf with its inventory, traits and aggregates', async () => {
    await create('leaf', u(50));
    await setInventories(u(50), 0, [{ resourceClass: 'DISK_GB', total: 10 }]);
    await h.ok(`mutation { setProviderTraits(input: {providerUuid: "${u(50)}", providerGeneration: 1, traits: ["STORAGE_DISK_SSD"]}) { resourceProvider { uuid } } }`);
    await h.ok(`mutation { setProviderAggregates(input: {providerUuid: "${u(50)}", providerGeneration: 2, aggregates: ["${u(7000)}"]}) { resourceProvider { uuid } } }`);
    await h.ok(`mutation { deleteResourceProvider(input: {uuid: "${u(50)}"}) { uuid } }`);
    expect((await h.ok(`{ resourceProvider(uuid: "${u(50)}") { uuid } }`)).resourceProvider).toBeNull();
    expect(await providerUuids({ memberOf: [[u(7000)]] })).toEqual([]);
  });
});

describe('provider list filters', () => {
  beforeAll(async () => {
    for (const [n, aggs, traits] of [
      [10, [u(9001)], ['HW_CPU_X86_AVX2']],
      [11, [u(9001), u(9002)], ['HW_CPU_X86_AVX2', 'STORAGE_DISK_SSD']],
      [12, [u(9003)], ['STORAGE_DISK_HDD']],
    ] as const) {
      await create(`f${n}`, u(n));
      await setInventories(u(n), 0, [{ resourceClass: 'VCPU', total: 8, maxUnit: 4 }]);
      await h.ok(`mutation($t: [String!]!) { setProviderTraits(input: {providerUuid: "${u(n)}", providerGeneration: 1, traits: $t}) { resourceProvider { uuid } } }`, { t: traits });
      await h.ok(`mutation($a: [String!]!) { setProviderAggregates(input: {providerUuid: "${u(n)}", providerGeneration: 2, aggregates: $a}) { resourceProvider { uuid } } }`, { a: aggs });
    }
  });

  it('filters by aggregates: any-of sets, all of the sets, forbidden', async () => {
    expect(await providerUuids({ memberOf: [[u(9001), u(9003)]] })).toEqual([u(10), u(11), u(12)]);
    expect(await providerUuids({ memberOf: [[u(9001)], [u(9002)]] })).toEqual([u(11)]);
    expect(await providerUuids({ memberOf: [[u(9001)]], notMemberOf: [u(9002)] })).toEqual([u(10)]);
  });

  it('filters by traits: required, forbidden, any-of; required and forbidden at once match nothing', async () => {
    expect(await providerUuids({ requiredTraits: ['HW_CPU_X86_AVX2'] })).toEqual([u(10), u(11)]);
    expect(await providerUuids({ requiredTraits: ['HW_CPU_X86_AVX2'], forbiddenTraits: ['STORAGE_DISK_SSD'] })).toEqual([u(10)]);
    expect(await providerUuids({ anyTraits: [['STORAGE_DISK_SSD', 'STORAGE_DISK_HDD']] })).toEqual([u(11), u(12)]);
    expect(await providerUuids({ requiredTraits: ['HW_CPU_X86_AVX2'], forbiddenTraits: ['HW_CPU_X86_AVX2'] })).toEqual([]);
  });

  it('filters by name, uuid, tree and capacity', async () => {
    expect(await providerUuids({ name: 'f12' })).toEqual([u(12)]);
    expect(await providerUuids({ uuid: u(11) })).toEqual([u(11)]);
    expect(await providerUuids({ inTree: u(3) })).toEqual([u(1), u(2), u(3)]);
    expect(await providerUuids({ inTree: u(8888) })).toEqual([]);
    expect(await providerUuids({ resources: [{ resourceClass: 'VCPU', amount: 4 }], memberOf: [[u(9001), u(9003)]] })).toEqual([u(10), u(11), u(12)]);
    expect(await providerUuids({ resources: [{ resourceClass: 'VCPU', amount: 5 }] })).toEqual([]); // above max_unit
    await h.ok(SET_ALLOCATIONS, { i: { consumer: consumer(u(300), null, [vcpu(u(10), 4)]) } });
    await h.ok(SET_ALLOCATIONS, { i: { consumer: consumer(u(301), null, [vcpu(u(10), 4)]) } });
    expect(await providerUuids({ resources: [{ resourceClass: 'VCPU', amount: 1 }], memberOf: [[u(9001)]] })).toEqual([u(11)]);
  });

  it('rejects unknown traits and classes and malformed aggregates', async () => {
    await h.fails('BAD_VALUE', `{ resourceProviders(filter: {requiredTraits: ["CUSTOM_MISSING"]}) { totalCount } }`);
    await h.fails('BAD_VALUE', `{ resourceProviders(filter: {resources: [{resourceClass: "CUSTOM_MISSING", amount: 1}]}) { totalCount } }`);
    await h.fails('BAD_VALUE', `{ resourceProviders(filter: {memberOf: [["foo"]]}) { totalCount } }`);
    await h.fails('DUPLICATE_KEY', `{ resourceProviders(filter: {resources: [{resourceClass: "VCPU", amount: 1}, {resourceClass: "VCPU", amount: 2}]}) { totalCount } }`);
  });

  it('pages with cursors and counts the total', async () => {
    const first = (await h.ok(`{ resourceProviders(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { uuid } } } }`)).resourceProviders;
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await h.ok(`query($c: String) { resourceProviders(first: 1000, after: $c) { edges { node { uuid } } } }`, { c: first.pageInfo.endCursor })).resourceProviders;
    expect(first.edges.length + rest.edges.length).toBe(first.totalCount);
    await h.fails('BAD_VALUE', `{ resourceProviders(after: "x") { totalCount } }`);
  });
});

describe('traits and resource classes', () => {
  it('lists traits by prefix, by name set and by association', async () => {
    const names = async (filter: unknown) =>
      (await h.ok(`query($f: TraitFilter) { traits(filter: $f, first: 1000) { edges { node { name } } } }`, { f: filter })).traits.edges.map((e: any) => e.node.name);
    expect((await names({ namePrefix: 'STORAGE_DISK_' })).sort()).toEqual(['STORAGE_DISK_HDD', 'STORAGE_DISK_SSD']);
    expect(await names({ names: ['HW_CPU_X86_AVX2', 'CUSTOM_NOT_THERE'] })).toEqual(['HW_CPU_X86_AVX2']);
    expect((await names({ associated: true })).sort()).toEqual(['HW_CPU_X86_AVX2', 'STORAGE_DISK_HDD', 'STORAGE_DISK_SSD']);
    expect(await names({ associated: false })).not.toContain('HW_CPU_X86_AVX2');
  });

  it('ensures custom traits idempotently and deletes them when unused', async () => {
    expect((await h.ok(`mutation { ensureTrait(input: {name: "CUSTOM_X"}) { created trait { name standard } } }`)).ensureTrait).toEqual({
      created: true,
      trait: { name: 'CUSTOM_X', standard: false },
    });
    expect((await h.ok(`mutation { ensureTrait(input: {name: "CUSTOM_X"}) { created } }`)).ensureTrait.created).toBe(false);
    expect((await h.ok(`mutation { ensureTrait(input: {name: "HW_CPU_X86_AVX2"}) { created } }`)).ensureTrait.created).toBe(false);
    await h.ok(`mutation { deleteTrait(input: {name: "CUSTOM_X"}) { trait { name } } }`);
    expect((await h.ok(`{ trait(name: "CUSTOM_X") { name } }`)).trait).toBeNull();
  });

  it('lists standard classes in id order, then custom ones', async () => {
    await h.ok(`mutation { createResourceClass(input: {name: "CUSTOM_B"}) { resourceClass { name } } }`);
    await h.ok(`mutation { createResourceClass(input: {name: "CUSTOM_A"}) { resourceClass { name } } }`);
    const names = (await h.ok(`{ resourceClasses { name standard } }`)).resourceClasses;
    expect(names.slice(0, 3).map((c: any) => c.name)).toEqual(['VCPU', 'MEMORY_MB', 'DISK_GB']);
    expect(names.slice(-2)).toEqual([
      { name: 'CUSTOM_B', standard: false },
      { name: 'CUSTOM_A', standard: false },
    ]);
    expect((await h.ok(`mutation { ensureResourceClass(input: {name: "CUSTOM_A"}) { created } }`)).ensureResourceClass.created).toBe(false);
    await h.ok(`mutation { deleteResourceClass(input: {name: "CUSTOM_A"}) { resourceClass { name } } }`);
    expect((await h.ok(`{ resourceClass(name: "CUSTOM_A") { name } }`)).resourceClass).toBeNull();
  });
});

describe('inventories', () => {
  it('applies defaults, computes capacity and allows reserved == total', async () => {
    await create('inv', u(60));
    await setInventories(u(60), 0, [
      { resourceClass: 'VCPU', total: 10, reserved: 2, allocationRatio: 1.5 },
      { resourceClass: 'DISK_GB', total: 5, reserved: 5 },
    ]);
    const rp = await provider(u(60));
    expect(rp.generation).toBe(1);
    expect(rp.inventories).toEqual([
      { resourceClass: 'VCPU', total: 10, reserved: 2, minUnit: 1, maxUnit: 2147483647, stepSize: 1, allocationRatio: 1.5, capacity: 12, used: 0 },
      { resourceClass: 'DISK_GB', total: 5, reserved: 5, minUnit: 1, maxUnit: 2147483647, stepSize: 1, allocationRatio: 1, capacity: 0, used: 0 },
    ]);
    expect(rp.usages).toEqual([
      { resourceClass: 'VCPU', used: 0 },
      { resourceClass: 'DISK_GB', used: 0 },
    ]);
  });

  it('replaces the whole set, removing classes left out', async () => {
    await setInventories(u(60), 1, [{ resourceClass: 'MEMORY_MB', total: 1024 }]);
    expect((await provider(u(60))).inventories.map((i: any) => i.resourceClass)).toEqual(['MEMORY_MB']);
  });

  it('allows lowering total below usage; the provider then takes no new claims', async () => {
    await h.ok(SET_ALLOCATIONS, { i: { consumer: consumer(u(310), null, [{ providerUuid: u(60), resources: [{ resourceClass: 'MEMORY_MB', amount: 1000 }] }]) } });
    const { generation } = await provider(u(60));
    await setInventories(u(60), generation, [{ resourceClass: 'MEMORY_MB', total: 500 }]);
    expect((await provider(u(60))).inventories[0]).toMatchObject({ capacity: 500, used: 1000 });
    await h.fails('CAPACITY_EXCEEDED', SET_ALLOCATIONS, { i: { consumer: consumer(u(311), null, [{ providerUuid: u(60), resources: [{ resourceClass: 'MEMORY_MB', amount: 1 }] }]) } });
  });

  it('refuses values out of range', async () => {
    const { generation } = await provider(u(60));
    for (const bad of [{ total: 0 }, { total: 1, reserved: -1 }, { total: 1, minUnit: 0 }, { total: 1, stepSize: 0 }, { total: 1, allocationRatio: -1 }]) {
      await h.fails('INVALID_INVENTORY', `mutation($i: SetInventoriesInput!) { setInventories(input: $i) { resourceProvider { uuid } } }`, {
        i: { providerUuid: u(60), providerGeneration: generation, inventories: [{ resourceClass: 'MEMORY_MB', ...bad }] },
      });
    }
  });

  it('accepts min_unit above max_unit, as the reference does; nothing can then be claimed', async () => {
    await create('odd-units', u(61));
    await setInventories(u(61), 0, [{ resourceClass: 'VCPU', total: 8, minUnit: 3, maxUnit: 2 }]);
    expect((await provider(u(61))).inventories[0]).toMatchObject({ minUnit: 3, maxUnit: 2, capacity: 8 });
    for (const amount of [2, 3]) {
      await h.fails('CONSTRAINTS_VIOLATED', SET_ALLOCATIONS, { i: { consumer: consumer(u(312), null, [{ providerUuid: u(61), resources: [{ resourceClass: 'VCPU', amount }] }]) } });
    }
  });
});

describe('allocations and consumers', () => {
  beforeAll(async () => {
    await create('host-1', u(70));
    await create('host-2', u(71));
    await setInventories(u(70), 0, [{ resourceClass: 'VCPU', total: 4 }]);
    await setInventories(u(71), 0, [{ resourceClass: 'VCPU', total: 4 }]);
  });

  it('creates a consumer at generation 1 and bumps the providers written to', async () => {
    const d = await h.ok(SET_ALLOCATIONS, { i: { consumer: consumer(u(400), null, [vcpu(u(70), 2)]) } });
    expect(d.setAllocations.consumers).toEqual([{ uuid: u(400), generation: 1, consumerType: 'INSTANCE' }]);
    expect((await provider(u(70))).generation).toBe(2);
  });

  it('refuses a null generation for an existing consumer and a number for a new one', async () => {
    await h.fails('CONCURRENT_UPDATE', SET_ALLOCATIONS, { i: { consumer: consumer(u(400), null, [vcpu(u(70), 1)]) } });
    await h.fails('CONCURRENT_UPDATE', SET_ALLOCATIONS, { i: { consumer: consumer(u(401), 1, [vcpu(u(70), 1)]) } });
  });

  it('moves a consumer: only the new provider is bumped; type, project and user may change', async () => {
    const d = await h.ok(SET_ALLOCATIONS, { i: { consumer: consumer(u(400), 1, [vcpu(u(71), 2)], { consumerType: 'MIGRATION', projectId: 'proj2' }) } });
    expect(d.setAllocations.consumers[0]).toMatchObject({ generation: 2, consumerType: 'MIGRATION' });
    expect((await provider(u(70))).generation).toBe(2);
    expect((await provider(u(71))).generation).toBe(2);
    const c = (await h.ok(`{ consumer(uuid: "${u(400)}") { projectId userId consumerType allocations { provider { uuid } resources { resourceClass amount } } } }`)).consumer;
    expect(c).toEqual({ projectId: 'proj2', userId: 'user', consumerType: 'MIGRATION', allocations: [{ provider: { uuid: u(71) }, resources: [{ resourceClass: 'VCPU', amount: 2 }] }] });
  });

  it('removes a consumer emptied of allocations, bumping the providers it held', async () => {
    await h.ok(SET_ALLOCATIONS, { i: { consumer: consumer(u(400), 2, []) } });
    expect((await h.ok(`{ consumer(uuid: "${u(400)}") { uuid } }`)).consumer).toBeNull();
    expect((await provider(u(71))).generation).toBe(3);
    // Writing nothing for a consumer that does not exist is accepted and creates nothing.
    await h.ok(SET_ALLOCATIONS, { i: { consumer: consumer(u(400), null, []) } });
    expect((await h.ok(`{ consumer(uuid: "${u(400)}") { uuid } }`)).consumer).toBeNull();
  });

  it('moves an instance to a migration consumer on a full host in one batch', async () => {
    await h.ok(SET_ALLOCATIONS, { i: { consumer: consumer(u(410), null, [vcpu(u(70), 4)]) } });
    // Claiming the full host for the migration record alone fails...
    await h.fails('CAPACITY_EXCEEDED', SET_ALLOCATIONS, { i: { consumer: consumer(u(411), null, [vcpu(u(70), 4)], { consumerType: 'MIGRATION' }) } });
    // ...but moving the allocation from the instance to the migration in one write succeeds.
    const d = await h.ok(`mutation($i: SetAllocationsBatchInput!) { setAllocationsBatch(input: $i) { consumers { uuid } } }`, {
      i: { consumers: [consumer(u(410), 1, []), consumer(u(411), null, [vcpu(u(70), 4)], { consumerType: 'MIGRATION' })] },
    });
    expect(d.setAllocationsBatch.consumers).toEqual([{ uuid: u(411) }]);
    expect((await provider(u(70))).usages).toEqual([{ resourceClass: 'VCPU', used: 4 }]);
  });

  it('fails a whole batch when one consumer fails, changing nothing', async () => {
    const before = await snapshotDb(h);
    await h.fails('CAPACITY_EXCEEDED', `mutation($i: SetAllocationsBatchInput!) { setAllocationsBatch(input: $i) { consumers { uuid } } }`, {
      i: { consumers: [consumer(u(420), null, [vcpu(u(71), 1)]), consumer(u(421), null, [vcpu(u(70), 1)])] },
    });
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('deletes a consumer allocations (provider generation unchanged) and reports NOT_FOUND the second time', async () => {
    const { generation } = await provider(u(70));
    await h.ok(`mutation { deleteAllocations(input: {consumerUuid: "${u(411)}"}) { consumerUuid } }`);
    expect((await provider(u(70))).generation).toBe(generation);
    await h.fails('NOT_FOUND', `mutation { deleteAllocations(input: {consumerUuid: "${u(411)}"}) { consumerUuid } }`);
    expect((await provider(u(70))).usages).toEqual([{ resourceClass: 'VCPU', used: 0 }]);
  });
});

describe('usages', () => {
  it('sums a project by consumer type with consumer counts; "all" and "unknown" selectors', async () => {
    await create('usage-host', u(80));
    await setInventories(u(80), 0, [
      { resourceClass: 'VCPU', total: 100 },
      { resourceClass: 'DISK_GB', total: 100 },
    ]);
    const claim = (c: number, type: string, user: string, amount: number) =>
      h.ok(SET_ALLOCATIONS, {
        i: {
          consumer: consumer(
            u(c),
            null,
            [
              {
                providerUuid: u(80),
                resources: [
                  { resourceClass: 'VCPU', amount },
                  { resourceClass: 'DISK_GB', amount: 10 },
                ],
              },
            ],
            { projectId: 'usage-p', userId: user, consumerType: type },
          ),
        },
      });
    await claim(500, 'INSTANCE', 'alice', 2);
    await claim(501, 'INSTANCE', 'bob', 3);
    await claim(502, 'MIGRATION', 'alice', 1);
    const usages = async (args: string) => (await h.ok(`{ usages(${args}) { consumerType consumerCount resources { resourceClass amount } } }`)).usages;
    expect(await usages('projectId: "usage-p"')).toEqual([
      {
        consumerType: 'INSTANCE',
        consumerCount: 2,
        resources: [
          { resourceClass: 'DISK_GB', amount: 20 },
          { resourceClass: 'VCPU', amount: 5 },
        ],
      },
      {
        consumerType: 'MIGRATION',
        consumerCount: 1,
        resources: [
          { resourceClass: 'DISK_GB', amount: 10 },
          { resourceClass: 'VCPU', amount: 1 },
        ],
      },
    ]);
    expect(await usages('projectId: "usage-p", userId: "alice", consumerType: "all"')).toEqual([
      {
        consumerType: 'all',
        consumerCount: 2,
        resources: [
          { resourceClass: 'DISK_GB', amount: 20 },
          { resourceClass: 'VCPU', amount: 3 },
        ],
      },
    ]);
    expect(await usages('projectId: "usage-p", consumerType: "MIGRATION"')).toHaveLength(1);
    expect(await usages('projectId: "usage-p", consumerType: "unknown"')).toEqual([]);
    expect(await usages('projectId: "nobody"')).toEqual([]);
    await h.fails('BAD_VALUE', `{ usages(projectId: "usage-p", consumerType: "bad type") { consumerType } }`);
  });
});

describe('reshape', () => {
  it('moves VGPU inventory from a compute node to child GPUs with the claims, atomically', async () => {
    await create('gpu-host', u(90));
    await setInventories(u(90), 0, [
      { resourceClass: 'VCPU', total: 8 },
      { resourceClass: 'VGPU', total: 4 },
    ]);
    await h.ok(SET_ALLOCATIONS, {
      i: {
        consumer: consumer(u(600), null, [
          {
            providerUuid: u(90),
            resources: [
              { resourceClass: 'VCPU', amount: 2 },
              { resourceClass: 'VGPU', amount: 2 },
            ],
          },
        ]),
      },
    });
    await create('gpu-0', u(91), u(90));
    await create('gpu-1', u(92), u(90));
    const host = await provider(u(90));
    const RESHAPE = `mutation($i: ReshapeInput!) { reshape(input: $i) { resourceProviders { uuid } consumers { uuid generation } } }`;
    const input = (hostGeneration: number) => ({
      inventories: [
        { providerUuid: u(90), providerGeneration: hostGeneration, inventories: [{ resourceClass: 'VCPU', total: 8 }] },
        { providerUuid: u(91), providerGeneration: 0, inventories: [{ resourceClass: 'VGPU', total: 2 }] },
        { providerUuid: u(92), providerGeneration: 0, inventories: [{ resourceClass: 'VGPU', total: 2 }] },
      ],
      allocations: [
        consumer(u(600), 1, [
          { providerUuid: u(90), resources: [{ resourceClass: 'VCPU', amount: 2 }] },
          { providerUuid: u(91), resources: [{ resourceClass: 'VGPU', amount: 2 }] },
        ]),
      ],
    });
    const before = await snapshotDb(h);
    await h.fails('CONCURRENT_UPDATE', RESHAPE, { i: input(host.generation - 1) });
    // Dropping VGPU from the host without moving the claim leaves it in use: refused, nothing written.
    const stuck = input(host.generation);
    stuck.allocations = [];
    await h.fails('INVENTORY_IN_USE', RESHAPE, { i: stuck });
    expect(await snapshotDb(h)).toEqual(before);

    const d = await h.ok(RESHAPE, { i: input(host.generation) });
    expect(d.reshape.consumers).toEqual([{ uuid: u(600), generation: 2 }]);
    expect((await provider(u(90))).inventories.map((i: any) => [i.resourceClass, i.used])).toEqual([['VCPU', 2]]);
    expect((await provider(u(91))).inventories.map((i: any) => [i.resourceClass, i.used])).toEqual([['VGPU', 2]]);
  });
});
