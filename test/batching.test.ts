// N+1-freedom: the SQL statements one dashboard query costs do not grow with the number of
// providers, nor, for the dashboard drawn as trees, with the number of trees: every relation is
// loaded through a per-request DataLoader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => (h = await setup()));
afterAll(() => h.close());

const PER_TREE = 10;
let next = 1;

/** A tree: a root with three children, each with two grandchildren (10 providers). */
async function addTree(t: number) {
  const make = async (parent?: string) => {
    const uuid = u(next++);
    await h.ok(`mutation($i: CreateResourceProviderInput!) { createResourceProvider(input: $i) { resourceProvider { uuid } } }`, {
      i: { name: `rp-${uuid}`, uuid, parentUuid: parent },
    });
    await h.ok(`mutation($i: SetInventoriesInput!) { setInventories(input: $i) { resourceProvider { generation } } }`, {
      i: {
        providerUuid: uuid,
        providerGeneration: 0,
        inventories: [
          { resourceClass: 'VCPU', total: 16 },
          { resourceClass: 'MEMORY_MB', total: 4096 },
        ],
      },
    });
    await h.ok(`mutation($i: SetProviderTraitsInput!) { setProviderTraits(input: $i) { resourceProvider { generation } } }`, {
      i: { providerUuid: uuid, providerGeneration: 1, traits: ['HW_CPU_X86_AVX2'] },
    });
    await h.ok(`mutation($i: SetProviderAggregatesInput!) { setProviderAggregates(input: $i) { resourceProvider { generation } } }`, {
      i: { providerUuid: uuid, providerGeneration: 2, aggregates: [u(900000 + t)] },
    });
    await h.ok(`mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { consumers { uuid } } }`, {
      i: {
        consumer: {
          consumerUuid: u(500000 + next),
          consumerGeneration: null,
          projectId: 'p',
          userId: 'u',
          consumerType: 'INSTANCE',
          allocations: [{ providerUuid: uuid, resources: [{ resourceClass: 'VCPU', amount: 1 }] }],
        },
      },
    });
    return uuid;
  };
  const root = await make();
  for (let c = 0; c < 3; c++) {
    const child = await make(root);
    for (let g = 0; g < 2; g++) await make(child);
  }
}

const DASHBOARD = `{
  resourceProviders(first: 1000) {
    totalCount
    edges { node {
      uuid name generation
      parent { uuid } root { uuid name }
      children { uuid name }
      descendants { uuid }
      inventories { resourceClass total capacity used }
      usages { resourceClass used }
      traits aggregates
      allocations { consumer { uuid projectId allocations { resources { amount } } } resources { resourceClass amount } }
    } }
  }
}`;

/** The dashboard as trees: roots only, each drawn whole with its bars (issue 13 item 4). */
const TREE_DASHBOARD = `{
  resourceProviders(filter: {rootsOnly: true}) {
    totalCount
    edges { node {
      uuid name
      subtreeTotals { resourceClass capacity used free }
      subtree { uuid name parentUuid depth totals { resourceClass capacity used free } provider { traits inventories { resourceClass used } } }
      childrenConnection(first: 2) { totalCount pageInfo { hasNextPage } edges { node { uuid subtreeTotals { resourceClass free } } } }
    } }
  }
}`;

async function statementsFor(query: string) {
  const before = h.db.stats.statements;
  const data = await h.ok(query);
  return { statements: h.db.stats.statements - before, data };
}

describe('batching', () => {
  it('costs the same number of SQL statements for 20 and for 200 providers, flat and as 2 or 20 trees', async () => {
    for (let t = 0; t < 2; t++) await addTree(t);
    const small = await statementsFor(DASHBOARD);
    expect(small.data.resourceProviders.totalCount).toBe(2 * PER_TREE);
    const smallTrees = await statementsFor(TREE_DASHBOARD);
    expect(smallTrees.data.resourceProviders.totalCount).toBe(2);

    for (let t = 2; t < 20; t++) await addTree(t);
    const large = await statementsFor(DASHBOARD);
    expect(large.data.resourceProviders.totalCount).toBe(20 * PER_TREE);
    const nodes = large.data.resourceProviders.edges.map((e: any) => e.node);
    expect(nodes.every((n: any) => n.inventories.length === 2 && n.traits[0] === 'HW_CPU_X86_AVX2' && n.allocations.length === 1)).toBe(true);
    expect(nodes.filter((n: any) => n.parent === null)).toHaveLength(20);
    expect(nodes.filter((n: any) => n.parent === null).every((n: any) => n.descendants.length === PER_TREE - 1)).toBe(true);

    expect(large.statements).toBe(small.statements);
    // One statement per relation level, not per provider.
    expect(large.statements).toBeLessThan(20);

    const largeTrees = await statementsFor(TREE_DASHBOARD);
    const roots = largeTrees.data.resourceProviders.edges.map((e: any) => e.node);
    expect(roots).toHaveLength(20);
    for (const root of roots) {
      expect(root.subtree).toHaveLength(PER_TREE);
      // Each provider: VCPU 16 with 1 used, MEMORY_MB 4096 unused.
      expect(root.subtreeTotals).toEqual([
        { resourceClass: 'MEMORY_MB', capacity: 4096 * PER_TREE, used: 0, free: 4096 * PER_TREE },
        { resourceClass: 'VCPU', capacity: 16 * PER_TREE, used: PER_TREE, free: 15 * PER_TREE },
      ]);
      expect(root.childrenConnection).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
      expect(root.childrenConnection.edges[0].node.subtreeTotals).toEqual([
        { resourceClass: 'MEMORY_MB', free: 4096 * 3 },
        { resourceClass: 'VCPU', free: 15 * 3 },
      ]);
    }
    expect(largeTrees.statements).toBe(smallTrees.statements);
    expect(largeTrees.statements).toBeLessThan(12);
  });
});
