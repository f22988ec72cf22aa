// Trees as trees (issue 13 item 4): roots-only pages, a provider's subtree in one list, per-class
// totals over each subtree (checked against sums computed here from what was written), children a
// page at a time, and clear errors for bad page arguments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, u } from './helpers.ts';

let h: Harness;
afterAll(() => h.close());

type Inv = { resourceClass: string; total: number; reserved?: number; allocationRatio?: number };
/** uuid, parent, inventories, allocations (class → amount) of one consumer each. */
const TREES: { uuid: string; parent?: string; name?: string; inventories: Inv[]; used: Record<string, number> }[] = [
  { uuid: u(1), inventories: [{ resourceClass: 'VCPU', total: 8, reserved: 2, allocationRatio: 2 }], used: { VCPU: 3 } },
  {
    uuid: u(2),
    parent: u(1),
    inventories: [
      { resourceClass: 'VCPU', total: 4 },
      { resourceClass: 'MEMORY_MB', total: 1024, allocationRatio: 1.5 },
    ],
    used: { VCPU: 4, MEMORY_MB: 512 },
  },
  // A name with the characters the packed tree read escapes (reads.ts), and more.
  { uuid: u(3), parent: u(1), name: 'a,b;c%2C 100% ü😀\n', inventories: [], used: {} },
  {
    uuid: u(4),
    parent: u(3),
    inventories: [
      { resourceClass: 'DISK_GB', total: 100, reserved: 10 },
      { resourceClass: 'VCPU', total: 2, allocationRatio: 3.5 },
    ],
    used: { DISK_GB: 50 },
  },
  { uuid: u(5), parent: u(4), inventories: [{ resourceClass: 'VCPU', total: 1 }], used: { VCPU: 1 } },
  { uuid: u(6), inventories: [{ resourceClass: 'VCPU', total: 16 }], used: {} },
  { uuid: u(7), inventories: [], used: {} },
];
/** After allocating, u(2)'s VCPU is lowered below its usage: used passes capacity there. */
const LOWERED = { uuid: u(2), resourceClass: 'VCPU', total: 2 };

beforeAll(async () => {
  h = await setup();
  for (const p of TREES) {
    await h.ok(`mutation($i: CreateResourceProviderInput!) { createResourceProvider(input: $i) { resourceProvider { uuid } } }`, {
      i: { name: p.name ?? `rp-${p.uuid}`, uuid: p.uuid, parentUuid: p.parent },
    });
    if (p.inventories.length) {
      await h.ok(`mutation($i: SetInventoriesInput!) { setInventories(input: $i) { resourceProvider { generation } } }`, {
        i: { providerUuid: p.uuid, providerGeneration: 0, inventories: p.inventories },
      });
    }
    if (Object.keys(p.used).length) {
      await h.ok(`mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { consumers { uuid } } }`, {
        i: {
          consumer: {
            consumerUuid: u(1000 + TREES.indexOf(p)),
            consumerGeneration: null,
            projectId: 'p',
            userId: 'u',
            consumerType: 'INSTANCE',
            allocations: [{ providerUuid: p.uuid, resources: Object.entries(p.used).map(([resourceClass, amount]) => ({ resourceClass, amount })) }],
          },
        },
      });
    }
  }
  const gen = (await h.ok(`{ resourceProvider(uuid: "${LOWERED.uuid}") { generation } }`)).resourceProvider.generation;
  await h.ok(`mutation($i: SetInventoryInput!) { setInventory(input: $i) { resourceProvider { generation } } }`, {
    i: { providerUuid: LOWERED.uuid, providerGeneration: gen, inventory: { resourceClass: LOWERED.resourceClass, total: LOWERED.total } },
  });
});

/** The expected totals, summed here over the written inventories (not through the server's code). */
function expectedTotals(top: string) {
  const inSubtree = new Set([top]);
  for (const p of TREES) if (p.parent && inSubtree.has(p.parent)) inSubtree.add(p.uuid);
  const sums: Record<string, { resourceClass: string; capacity: number; used: number; free: number }> = {};
  for (const p of TREES.filter((x) => inSubtree.has(x.uuid))) {
    for (const inv of p.inventories) {
      const total = p.uuid === LOWERED.uuid && inv.resourceClass === LOWERED.resourceClass ? LOWERED.total : inv.total;
      const cap = Math.floor((total - (inv.reserved ?? 0)) * (inv.allocationRatio ?? 1));
      const used = p.used[inv.resourceClass] ?? 0;
      const s = (sums[inv.resourceClass] ??= { resourceClass: inv.resourceClass, capacity: 0, used: 0, free: 0 });
      s.capacity += cap;
      s.used += used;
      s.free += Math.max(0, cap - used);
    }
  }
  return Object.values(sums).sort((a, b) => a.resourceClass.localeCompare(b.resourceClass));
}

const TOTALS = 'resourceClass capacity used free';

describe('trees as trees', () => {
  it('lists roots only, a page at a time, with their count', async () => {
    const roots = [u(1), u(6), u(7)];
    const all = await h.ok(`{ resourceProviders(filter: {rootsOnly: true}) { totalCount edges { node { uuid parent { uuid } } } } }`);
    expect(all.resourceProviders.totalCount).toBe(3);
    expect(all.resourceProviders.edges.map((e: any) => e.node.uuid)).toEqual(roots);
    const first = (await h.ok(`{ resourceProviders(first: 2, filter: {rootsOnly: true}) { totalCount pageInfo { hasNextPage endCursor } edges { node { uuid } } } }`)).resourceProviders;
    expect(first.edges.map((e: any) => e.node.uuid)).toEqual(roots.slice(0, 2));
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (
      await h.ok(`query($c: String) { resourceProviders(first: 2, after: $c, filter: {rootsOnly: true}) { totalCount pageInfo { hasNextPage } edges { node { uuid } } } }`, {
        c: first.pageInfo.endCursor,
      })
    ).resourceProviders;
    expect(rest.edges.map((e: any) => e.node.uuid)).toEqual(roots.slice(2));
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect(rest.totalCount).toBe(3);
    const last = (await h.ok(`{ resourceProviders(last: 1, filter: {rootsOnly: true}) { edges { node { uuid } } } }`)).resourceProviders;
    expect(last.edges.map((e: any) => e.node.uuid)).toEqual([u(7)]);
    // false is no condition; combined with other conditions it still ANDs.
    expect((await h.ok(`{ resourceProviders(filter: {rootsOnly: false}) { totalCount } }`)).resourceProviders.totalCount).toBe(TREES.length);
    expect((await h.ok(`{ resourceProviders(filter: {rootsOnly: true, inTree: "${u(5)}"}) { edges { node { uuid } } } }`)).resourceProviders.edges).toEqual([{ node: { uuid: u(1) } }]);
  });

  it('sums capacity, used and free over every subtree as computed independently', async () => {
    const data = await h.ok(`{ resourceProviders(filter: {rootsOnly: true}) { edges { node { uuid subtreeTotals { ${TOTALS} } subtree { uuid totals { ${TOTALS} } } } } } }`);
    for (const { node } of data.resourceProviders.edges) {
      expect(node.subtreeTotals, node.uuid).toEqual(expectedTotals(node.uuid));
      for (const n of node.subtree) expect(n.totals, n.uuid).toEqual(expectedTotals(n.uuid));
    }
    // A provider below the root: its own subtree only.
    const mid = await h.ok(`{ resourceProvider(uuid: "${u(3)}") { subtreeTotals { ${TOTALS} } } }`);
    expect(mid.resourceProvider.subtreeTotals).toEqual(expectedTotals(u(3)));
    // Overcommitted u(2) (used 4 of capacity 2) adds no free units, and hides none of u(1)'s.
    expect(expectedTotals(u(2)).find((t) => t.resourceClass === 'VCPU')).toEqual({ resourceClass: 'VCPU', capacity: 2, used: 4, free: 0 });
    expect((await h.ok(`{ resourceProvider(uuid: "${u(7)}") { subtreeTotals { ${TOTALS} } } }`)).resourceProvider.subtreeTotals).toEqual([]);
  });

  it('lists a subtree parents first with parent uuid and depth', async () => {
    const d = await h.ok(`{ resourceProvider(uuid: "${u(1)}") { subtree { uuid name generation parentUuid depth provider { uuid traits } } } }`);
    expect(d.resourceProvider.subtree.map((n: any) => [n.uuid, n.parentUuid, n.depth])).toEqual([
      [u(1), null, 0],
      [u(2), u(1), 1],
      [u(3), u(1), 1],
      [u(4), u(3), 2],
      [u(5), u(4), 3],
    ]);
    expect(d.resourceProvider.subtree[1]).toMatchObject({ name: `rp-${u(2)}`, provider: { uuid: u(2), traits: [] } });
    expect(d.resourceProvider.subtree[2].name).toBe(TREES[2].name);
    const below = await h.ok(`{ resourceProvider(uuid: "${u(3)}") { subtree { uuid parentUuid depth } } }`);
    expect(below.resourceProvider.subtree).toEqual([
      { uuid: u(3), parentUuid: u(1), depth: 0 },
      { uuid: u(4), parentUuid: u(3), depth: 1 },
      { uuid: u(5), parentUuid: u(4), depth: 2 },
    ]);
  });

  it('pages children', async () => {
    const q = (args: string) => `{ resourceProviders(filter: {rootsOnly: true}) { edges { node { uuid childrenConnection(${args}) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { uuid } } } } } } }`;
    const page = (d: any, uuid: string) => d.resourceProviders.edges.find((e: any) => e.node.uuid === uuid).node.childrenConnection;
    const first = await h.ok(q('first: 1'));
    expect(page(first, u(1))).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true }, edges: [{ node: { uuid: u(2) } }] });
    expect(page(first, u(6))).toMatchObject({ totalCount: 0, pageInfo: { hasNextPage: false }, edges: [] });
    const next = await h.ok(q(`first: 5, after: "${page(first, u(1)).pageInfo.endCursor}"`));
    expect(page(next, u(1))).toMatchObject({ pageInfo: { hasNextPage: false }, edges: [{ node: { uuid: u(3) } }] });
    const last = await h.ok(q('last: 1'));
    expect(page(last, u(1))).toMatchObject({ pageInfo: { hasPreviousPage: true }, edges: [{ node: { uuid: u(3) } }] });
    const all = await h.ok(`{ resourceProvider(uuid: "${u(1)}") { children { uuid } childrenConnection { edges { node { uuid } } } } }`);
    expect(all.resourceProvider.childrenConnection.edges.map((e: any) => e.node)).toEqual(all.resourceProvider.children);
  });

  it('refuses bad page arguments with BAD_VALUE, never an internal error', async () => {
    const child = (args: string) => `{ resourceProvider(uuid: "${u(1)}") { childrenConnection(${args}) { totalCount edges { node { uuid } } } } }`;
    for (const args of ['first: -1', 'first: 1001', 'last: -5', 'after: "x"', 'after: "99999999999999999999"', 'before: "-1"', 'after: ""']) {
      await h.fails('BAD_VALUE', child(args));
    }
    await h.fails('BAD_VALUE', `{ resourceProviders(first: 1001, filter: {rootsOnly: true}) { totalCount } }`);
    await h.fails('BAD_VALUE', `{ resourceProviders(after: "1e3", filter: {rootsOnly: true}) { totalCount } }`);
    // Out of Int's range or of the wrong type: refused by validation, not by a resolver.
    const res = await h.gql(child('first: 99999999999'));
    expect(res.errors?.[0].extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    const wrong = await h.gql(`{ resourceProviders(filter: {rootsOnly: "yes"}) { totalCount } }`);
    expect(wrong.errors?.[0].extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });
});
