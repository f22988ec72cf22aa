// Payloads are fresh when several mutations share one document (issue 11, item 2). Every mutation
// kind runs after earlier ones in the same document, each payload selecting the relations earlier
// payloads already loaded; each payload must equal the payload of the same mutation sent alone
// (a request of its own, so no cache of an earlier write can leak into it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema.ts';
import { type Harness, setup, u } from './helpers.ts';

let together: Harness;
let alone: Harness;
beforeAll(async () => {
  together = await setup();
  alone = await setup();
});
afterAll(async () => {
  await together?.close();
  await alone?.close();
});

const R = u(1);
const C = u(2);
const D = u(3);
const [X, Y, Z] = [u(11), u(12), u(13)];
const AGG = u(90);

const PROVIDER = `fragment P on ResourceProvider {
  uuid name generation
  parent { uuid generation children { uuid generation } }
  root { uuid generation }
  children { uuid generation traits }
  descendants { uuid generation }
  subtreeTotals { resourceClass capacity used free }
  subtree { uuid generation parentUuid depth totals { resourceClass used } provider { uuid generation } }
  inventories { resourceClass total reserved minUnit maxUnit stepSize allocationRatio capacity used }
  usages { resourceClass used }
  traits aggregates
  allocations { consumer { uuid generation allocations { provider { uuid generation } resources { resourceClass amount } } } resources { resourceClass amount } }
}`;
const CONSUMER = `fragment C on Consumer {
  uuid generation projectId userId consumerType
  allocations { provider { uuid generation inventories { resourceClass used } traits } resources { resourceClass amount } }
}`;

const consumer = (uuid: string, generation: number | null, allocations: [string, string, number][]) =>
  `{consumerUuid: "${uuid}", consumerGeneration: ${generation}, projectId: "p", userId: "u", consumerType: "INSTANCE",
    allocations: [${allocations.map(([p, rc, n]) => `{providerUuid: "${p}", resources: [{resourceClass: "${rc}", amount: ${n}}]}`).join(', ')}]}`;

/** Every mutation kind, in an order where each one follows writes to what its payload shows. */
const STEPS: [alias: string, field: string][] = [
  ['rc', `createResourceClass(input: {name: "CUSTOM_A"}) { resourceClass { name standard } }`],
  ['erc', `ensureResourceClass(input: {name: "CUSTOM_B"}) { resourceClass { name } created }`],
  ['et', `ensureTrait(input: {name: "CUSTOM_T"}) { trait { name standard } created }`],
  ['r', `createResourceProvider(input: {name: "r", uuid: "${R}"}) { resourceProvider { ...P } }`],
  ['c', `createResourceProvider(input: {name: "c", uuid: "${C}", parentUuid: "${R}"}) { resourceProvider { ...P } }`],
  [
    'inv',
    `setInventories(input: {providerUuid: "${C}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}, {resourceClass: "CUSTOM_A", total: 4}]}) { resourceProvider { ...P } }`,
  ],
  ['inv1', `setInventory(input: {providerUuid: "${C}", providerGeneration: 1, inventory: {resourceClass: "MEMORY_MB", total: 2048}}) { resourceProvider { ...P } }`],
  ['tr', `setProviderTraits(input: {providerUuid: "${C}", providerGeneration: 2, traits: ["CUSTOM_T"]}) { resourceProvider { ...P } }`],
  ['ag', `setProviderAggregates(input: {providerUuid: "${C}", providerGeneration: 3, aggregates: ["${AGG}"]}) { resourceProvider { ...P } }`],
  ['a', `setAllocations(input: {consumer: ${consumer(X, null, [[C, 'VCPU', 2]])}}) { consumers { ...C } }`],
  [
    'cl',
    `claimAllocationCandidate(input: {consumerUuid: "${Y}", projectId: "p", userId: "u", consumerType: "INSTANCE",
      request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}, {resourceClass: "CUSTOM_A", amount: 1}]}]}}) {
      consumer { ...C } allocationRequest { allocations { providerUuid resources { resourceClass amount } } } replayed }`,
  ],
  ['b', `setAllocationsBatch(input: {consumers: [${consumer(X, 1, [[C, 'VCPU', 3]])}, ${consumer(Z, null, [[C, 'MEMORY_MB', 512]])}]}) { consumers { ...C } }`],
  [
    'rs',
    `reshape(input: {
      inventories: [{providerUuid: "${C}", providerGeneration: 7, inventories: [{resourceClass: "VCPU", total: 8}, {resourceClass: "CUSTOM_A", total: 4}, {resourceClass: "MEMORY_MB", total: 2048}, {resourceClass: "DISK_GB", total: 100}]}],
      allocations: [{consumerUuid: "${Y}", consumerGeneration: 1, projectId: "p", userId: "u", consumerType: "INSTANCE",
        allocations: [{providerUuid: "${C}", resources: [{resourceClass: "VCPU", amount: 1}, {resourceClass: "CUSTOM_A", amount: 1}, {resourceClass: "DISK_GB", amount: 10}]}]}]
    }) { resourceProviders { ...P } consumers { ...C } }`,
  ],
  ['up', `updateResourceProvider(input: {uuid: "${C}", name: "c-renamed"}) { resourceProvider { ...P } }`],
  ['da', `deleteAllocations(input: {consumerUuid: "${Z}"}) { consumerUuid }`],
  ['ct', `clearProviderTraits(input: {providerUuid: "${C}"}) { resourceProvider { ...P } }`],
  ['di', `deleteInventory(input: {providerUuid: "${C}", resourceClass: "MEMORY_MB"}) { resourceProvider { ...P } }`],
  ['d', `createResourceProvider(input: {name: "d", uuid: "${D}", parentUuid: "${R}"}) { resourceProvider { ...P } }`],
  ['dinv', `setInventories(input: {providerUuid: "${D}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 1}]}) { resourceProvider { ...P } }`],
  ['dall', `deleteInventories(input: {providerUuid: "${D}"}) { resourceProvider { ...P } }`],
  ['dd', `deleteResourceProvider(input: {uuid: "${D}"}) { uuid }`],
  ['dt', `deleteTrait(input: {name: "CUSTOM_T"}) { trait { name } }`],
  ['drc', `deleteResourceClass(input: {name: "CUSTOM_B"}) { resourceClass { name } }`],
  ['fin', `setProviderAggregates(input: {providerUuid: "${R}", providerGeneration: 0, aggregates: ["${AGG}"]}) { resourceProvider { ...P } }`],
];

/** One mutation document of these steps, with the fragments they use. */
function document(steps: typeof STEPS): string {
  const body = steps.map(([alias, field]) => `${alias}: ${field}`).join('\n');
  return [`mutation { ${body} }`, body.includes('...P ') ? PROVIDER : '', body.includes('...C ') ? CONSUMER : ''].join('\n');
}

describe('several mutations in one document', () => {
  it('covers every mutation of the schema', () => {
    const tested = new Set(STEPS.map(([, field]) => field.slice(0, field.indexOf('('))));
    expect([...tested].sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).sort());
  });

  it('gives every payload the state its own write left, as if sent alone', async () => {
    const one = await together.ok(document(STEPS));
    for (const step of STEPS) {
      const [alias] = step;
      const single = await alone.ok(document([step]));
      expect(one[alias], alias).toEqual(single[alias]);
      // Sent alone, the payload is what a read right after it shows.
      const { resourceProvider, resourceProviders, consumer, consumers } = single[alias];
      for (const p of [resourceProvider, ...(resourceProviders ?? [])].filter(Boolean)) {
        expect(p, alias).toEqual((await alone.ok(`{ resourceProvider(uuid: "${p.uuid}") { ...P } } ${PROVIDER}`)).resourceProvider);
      }
      for (const c of [consumer, ...(consumers ?? [])].filter(Boolean)) {
        expect(c, alias).toEqual((await alone.ok(`{ consumer(uuid: "${c.uuid}") { ...C } } ${CONSUMER}`)).consumer);
      }
    }
    // The issue's example: the inventory and the generations each write left.
    expect(one.inv.resourceProvider.generation).toBe(1);
    expect(one.inv.resourceProvider.inventories.map((i: any) => i.resourceClass)).toEqual(['VCPU', 'CUSTOM_A']);
    expect(one.tr.resourceProvider).toMatchObject({ generation: 3, traits: ['CUSTOM_T'] });
    expect(one.c.resourceProvider.parent.children).toEqual([{ uuid: C, generation: 0 }]);
    expect(one.cl.consumer.allocations[0].provider.inventories).toEqual([
      { resourceClass: 'VCPU', used: 3 },
      { resourceClass: 'MEMORY_MB', used: 0 },
      { resourceClass: 'CUSTOM_A', used: 1 },
    ]);
    expect(one.fin.resourceProvider.children).toEqual([{ uuid: C, generation: 11, traits: [] }]);
    // And the last payload is what a fresh read shows.
    const fresh = await together.ok(`{ resourceProvider(uuid: "${R}") { ...P } } ${PROVIDER}`);
    expect(one.fin.resourceProvider).toEqual(fresh.resourceProvider);
  });
});
