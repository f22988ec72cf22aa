// One test per error code: the failing write is refused with that code and leaves every table as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, snapshotDb, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await setup();
  await h.ok(`mutation {
    a: createResourceProvider(input: {name: "root", uuid: "${u(1)}"}) { resourceProvider { uuid } }
    b: createResourceProvider(input: {name: "child", uuid: "${u(2)}", parentUuid: "${u(1)}"}) { resourceProvider { uuid } }
  }`);
  await h.ok(`mutation { setInventories(input: {providerUuid: "${u(2)}", providerGeneration: 0,
    inventories: [{resourceClass: "VCPU", total: 4, maxUnit: 4, stepSize: 2}, {resourceClass: "DISK_GB", total: 100}]}) { resourceProvider { generation } } }`);
  await h.ok(`mutation { setAllocations(input: {consumer: {consumerUuid: "${u(100)}", consumerGeneration: null, projectId: "p", userId: "u",
    consumerType: "INSTANCE", allocations: [{providerUuid: "${u(2)}", resources: [{resourceClass: "VCPU", amount: 2}]}]}}) { consumers { uuid } } }`);
  await h.ok(`mutation { ensureResourceClass(input: {name: "CUSTOM_GOLD"}) { created } ensureTrait(input: {name: "CUSTOM_FAST"}) { created } }`);
  await h.ok(`mutation { setInventory(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventory: {resourceClass: "CUSTOM_GOLD", total: 1}}) { resourceProvider { generation } } }`);
  await h.ok(`mutation { setProviderTraits(input: {providerUuid: "${u(1)}", providerGeneration: 1, traits: ["CUSTOM_FAST"]}) { resourceProvider { generation } } }`);
});
afterAll(() => h.close());

const claim = (amount: number, generation: string = 'null', consumer = u(101)) =>
  `mutation { setAllocations(input: {consumer: {consumerUuid: "${consumer}", consumerGeneration: ${generation}, projectId: "p", userId: "u",
    consumerType: "INSTANCE", allocations: [{providerUuid: "${u(2)}", resources: [{resourceClass: "VCPU", amount: ${amount}}]}]}}) { consumers { uuid } } }`;

const cases: [code: string, operation: string][] = [
  ['CONCURRENT_UPDATE', `mutation { setInventories(input: {providerUuid: "${u(2)}", providerGeneration: 0, inventories: []}) { resourceProvider { uuid } } }`],
  ['CONCURRENT_UPDATE', claim(2, '7', u(100))],
  ['DUPLICATE_NAME', `mutation { createResourceProvider(input: {name: "root"}) { resourceProvider { uuid } } }`],
  ['DUPLICATE_NAME', `mutation { createResourceClass(input: {name: "CUSTOM_GOLD"}) { resourceClass { name } } }`],
  ['DUPLICATE_UUID', `mutation { createResourceProvider(input: {name: "other", uuid: "${u(1).toUpperCase()}"}) { resourceProvider { uuid } } }`],
  ['NOT_FOUND', `mutation { deleteResourceProvider(input: {uuid: "${u(9)}"}) { uuid } }`],
  ['NOT_FOUND', `mutation { deleteAllocations(input: {consumerUuid: "${u(999)}"}) { consumerUuid } }`],
  ['NOT_FOUND', `mutation { deleteInventory(input: {providerUuid: "${u(2)}", resourceClass: "MEMORY_MB"}) { resourceProvider { uuid } } }`],
  ['PROVIDER_HAS_CHILDREN', `mutation { deleteResourceProvider(input: {uuid: "${u(1)}"}) { uuid } }`],
  ['PROVIDER_IN_USE', `mutation { deleteResourceProvider(input: {uuid: "${u(2)}"}) { uuid } }`],
  ['INVENTORY_IN_USE', `mutation { deleteInventory(input: {providerUuid: "${u(2)}", resourceClass: "VCPU"}) { resourceProvider { uuid } } }`],
  ['INVENTORY_IN_USE', `mutation { deleteInventories(input: {providerUuid: "${u(2)}"}) { resourceProvider { uuid } } }`],
  ['CAPACITY_EXCEEDED', claim(4)],
  ['CONSTRAINTS_VIOLATED', claim(1)],
  ['CONSTRAINTS_VIOLATED', claim(6)],
  ['INVALID_INVENTORY', `mutation { setInventory(input: {providerUuid: "${u(2)}", providerGeneration: 2, inventory: {resourceClass: "VCPU", total: 4, reserved: 5}}) { resourceProvider { uuid } } }`],
  [
    'INVALID_INVENTORY',
    `mutation { setInventory(input: {providerUuid: "${u(2)}", providerGeneration: 2, inventory: {resourceClass: "VCPU", total: 4, allocationRatio: 0}}) { resourceProvider { uuid } } }`,
  ],
  ['INVALID_INVENTORY', claim(1).replace('"VCPU"', '"MEMORY_MB"')],
  ['INVALID_PARENT', `mutation { updateResourceProvider(input: {uuid: "${u(1)}", parentUuid: "${u(2)}"}) { resourceProvider { uuid } } }`],
  ['INVALID_PARENT', `mutation { createResourceProvider(input: {name: "orphan", parentUuid: "${u(9)}"}) { resourceProvider { uuid } } }`],
  ['BAD_VALUE', `mutation { createResourceProvider(input: {name: "bad", uuid: "not-a-uuid"}) { resourceProvider { uuid } } }`],
  ['BAD_VALUE', `mutation { createResourceProvider(input: {name: ""}) { resourceProvider { uuid } } }`],
  ['BAD_VALUE', `mutation { setProviderTraits(input: {providerUuid: "${u(1)}", providerGeneration: 2, traits: ["CUSTOM_NOPE"]}) { resourceProvider { uuid } } }`],
  ['BAD_VALUE', `mutation { setProviderAggregates(input: {providerUuid: "${u(1)}", providerGeneration: 2, aggregates: ["nope"]}) { resourceProvider { uuid } } }`],
  ['BAD_VALUE', `mutation { createResourceClass(input: {name: "CUSTOM_lower"}) { resourceClass { name } } }`],
  ['BAD_VALUE', claim(0)],
  [
    'DUPLICATE_KEY',
    `mutation { setInventories(input: {providerUuid: "${u(2)}", providerGeneration: 2, inventories: [{resourceClass: "DISK_GB", total: 1}, {resourceClass: "DISK_GB", total: 2}]}) { resourceProvider { uuid } } }`,
  ],
  ['CLASS_IN_USE', `mutation { deleteResourceClass(input: {name: "CUSTOM_GOLD"}) { resourceClass { name } } }`],
  ['TRAIT_IN_USE', `mutation { deleteTrait(input: {name: "CUSTOM_FAST"}) { trait { name } } }`],
  ['STANDARD_READ_ONLY', `mutation { deleteResourceClass(input: {name: "VCPU"}) { resourceClass { name } } }`],
  ['STANDARD_READ_ONLY', `mutation { createResourceClass(input: {name: "FOO"}) { resourceClass { name } } }`],
  ['STANDARD_READ_ONLY', `mutation { deleteTrait(input: {name: "HW_CPU_X86_AVX2"}) { trait { name } } }`],
  ['GRAPHQL_PARSE_FAILED', `mutation { createResourceProvider(`],
  ['GRAPHQL_VALIDATION_FAILED', `{ resourceProvider(uuid: 5) { name } }`],
];

describe('error codes', () => {
  it.each(cases)('%s: %s', async (code, operation) => {
    const before = await snapshotDb(h);
    const message = await h.fails(code, operation);
    expect(message).not.toMatch(/SELECT|INSERT|UPDATE |DELETE FROM|sqlite|prisma|\.ts:|\/work\/|at \w+ \(/i);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('reports a bad variable as BAD_USER_INPUT', async () => {
    await h.fails('BAD_USER_INPUT', `query($u: String!) { resourceProvider(uuid: $u) { name } }`, { u: 5 });
  });
});
