// Capacities and sums past GraphQL Int (issue 11, item 4). An inventory of 2147483647 units at a
// ratio of 2 has a capacity of 4294967294, and two allocations of 2147483647 use as much: every
// read of them answers exactly (SafeInt), on both databases. A capacity that would pass 2^53 - 1 is
// refused when written, so nothing the API accepts can make a later read fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, newConsumer, setup, snapshotDb, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await setup();
  await h.ok(`mutation { createResourceProvider(input: {name: "big", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { createResourceProvider(input: {name: "edge", uuid: "${u(2)}"}) { resourceProvider { uuid } } }`);
});
afterAll(() => h.close());

const MAX_INT = 2147483647;
const SET_INVENTORY = `mutation($i: SetInventoryInput!) { setInventory(input: $i) { resourceProvider { generation inventories { capacity used } } } }`;
const generation = async (uuid: string) => (await h.ok(`{ resourceProvider(uuid: "${uuid}") { generation } }`)).resourceProvider.generation;
const setInventory = async (uuid: string, inventory: Record<string, unknown>) =>
  h.gql(SET_INVENTORY, { i: { providerUuid: uuid, providerGeneration: await generation(uuid), inventory: { resourceClass: 'VCPU', ...inventory } } });
const claim = (n: number, amount: number) =>
  h.ok(`mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { consumers { uuid } } }`, {
    i: {
      consumer: newConsumer(u(100 + n), [[u(1), 'VCPU', amount]], 'proj', 'user'),
    },
  });

/** Refused with INVALID_INVENTORY naming the capacity, and nothing changed. */
async function refused(inventory: Record<string, unknown>) {
  const before = await snapshotDb(h);
  const res = await setInventory(u(2), inventory);
  expect(
    res.errors?.map((e) => e.extensions?.code),
    JSON.stringify(res),
  ).toEqual(['INVALID_INVENTORY']);
  expect(res.errors![0].message).toMatch(/capacity .* exceeds 9007199254740991/);
  expect(await snapshotDb(h)).toEqual(before);
}

describe('capacities and sums past Int', () => {
  it('answers a capacity of 4294967294 when written and on every later read', async () => {
    const written = await setInventory(u(1), { total: MAX_INT, allocationRatio: 2.0 });
    expect(written.errors).toBeUndefined();
    expect(written.data.setInventory.resourceProvider.inventories).toEqual([{ capacity: 4294967294, used: 0 }]);
    const read = await h.ok(`{ resourceProvider(uuid: "${u(1)}") { inventories { capacity used } usages { used } } }`);
    expect(read.resourceProvider).toEqual({ inventories: [{ capacity: 4294967294, used: 0 }], usages: [{ used: 0 }] });
  });

  it('sums two allocations of 2147483647 exactly in inventories, usages, summaries and project totals', async () => {
    // A ratio of 3 leaves room for one more claim, so the provider still appears in candidates.
    expect((await setInventory(u(1), { total: MAX_INT, allocationRatio: 3.0 })).errors).toBeUndefined();
    await claim(1, MAX_INT);
    await claim(2, MAX_INT);
    const read = await h.ok(`{
      resourceProvider(uuid: "${u(1)}") { inventories { capacity used } usages { used } }
      usages(projectId: "proj") { resources { resourceClass amount } }
      allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: ${MAX_INT}}]}]}) {
        allocationRequests { allocations { resources { amount } } }
        providerSummaries { uuid resources { resourceClass capacity used } }
      }
    }`);
    expect(read.resourceProvider).toEqual({ inventories: [{ capacity: 6442450941, used: 4294967294 }], usages: [{ used: 4294967294 }] });
    expect(read.usages).toEqual([{ resources: [{ resourceClass: 'VCPU', amount: 4294967294 }] }]);
    expect(read.allocationCandidates.allocationRequests).toEqual([{ allocations: [{ resources: [{ amount: MAX_INT }] }] }]);
    expect(read.allocationCandidates.providerSummaries).toEqual([{ uuid: u(1), resources: [{ resourceClass: 'VCPU', capacity: 6442450941, used: 4294967294 }] }]);
  });

  it('accepts a capacity of exactly 2^53 - 1 and refuses one more', async () => {
    // The largest total: 2147483647 × 2^22 = 2^53 - 2^22 fits; × (2^22 + 1) does not.
    expect((await setInventory(u(2), { total: MAX_INT, allocationRatio: 2 ** 22 })).data.setInventory.resourceProvider.inventories).toEqual([{ capacity: MAX_INT * 2 ** 22, used: 0 }]);
    await refused({ total: MAX_INT, allocationRatio: 2 ** 22 + 1 });
    expect((await setInventory(u(2), { total: 1, allocationRatio: Number.MAX_SAFE_INTEGER })).data.setInventory.resourceProvider.inventories).toEqual([{ capacity: Number.MAX_SAFE_INTEGER, used: 0 }]);
    await refused({ total: 1, allocationRatio: Number.MAX_SAFE_INTEGER + 1 });
    expect((await h.ok(`{ resourceProvider(uuid: "${u(2)}") { inventories { capacity } } }`)).resourceProvider.inventories).toEqual([{ capacity: Number.MAX_SAFE_INTEGER }]);
  });

  it('takes the reference largest ratio only where the capacity stays countable', async () => {
    const largestRatio = 3.4028234663852886e38;
    await refused({ total: 1, allocationRatio: largestRatio });
    await refused({ total: MAX_INT, reserved: 1, allocationRatio: 1e30 });
    expect((await setInventory(u(2), { total: 5, reserved: 5, allocationRatio: largestRatio })).data.setInventory.resourceProvider.inventories).toEqual([{ capacity: 0, used: 0 }]);
    // Past the reference's bound the ratio itself is refused, as before.
    const res = await setInventory(u(2), { total: 1, allocationRatio: 3.5e38 });
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_INVENTORY']);
  });

  it('refuses such a capacity in every write that sets inventory', async () => {
    const before = await snapshotDb(h);
    const inventories = [{ resourceClass: 'VCPU', total: 2, allocationRatio: 1e30 }];
    await h.fails('INVALID_INVENTORY', `mutation($i: SetInventoriesInput!) { setInventories(input: $i) { resourceProvider { uuid } } }`, {
      i: { providerUuid: u(2), providerGeneration: await generation(u(2)), inventories },
    });
    await h.fails('INVALID_INVENTORY', `mutation($i: ReshapeInput!) { reshape(input: $i) { consumers { uuid } } }`, {
      i: { inventories: [{ providerUuid: u(2), providerGeneration: await generation(u(2)), inventories }], allocations: [] },
    });
    expect(await snapshotDb(h)).toEqual(before);
  });
});
