// Valid arguments for every field of Query and Mutation, over the world `seed` makes, for
// test/hostile.test.ts to spoil one position at a time. Each fills every optional position too,
// so every input field of the schema has a place to be spoiled. Each mutation's arguments are
// valid in shape yet refused late, for reasons that no single spoiled value can all remove (a stale
// generation and too large an amount, a taken name and a loop...): so every hostile write is
// refused, and the database must be left as it was.
import { type Harness, u } from '../helpers.ts';

const gid = (type: string, uuid: string) => Buffer.from(`${type}:${uuid}`).toString('base64');
const HOST = u(1);
const CHILD = u(2);
const CONSUMER = u(600);
const AGGREGATE = u(50);
const NOWHERE = u(999);

/** Providers host (generation 4: no Int of the catalogue) and child (1), a consumer, a custom class and trait. */
export async function seed(h: Harness): Promise<void> {
  await h.ok(`mutation { createResourceProvider(input: {name: "host", uuid: "${HOST}"}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { createResourceProvider(input: {name: "child", uuid: "${CHILD}", parentUuid: "${HOST}"}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { createResourceClass(input: {name: "CUSTOM_USED"}) { resourceClass { name } } ensureTrait(input: {name: "CUSTOM_HAS"}) { created } }`);
  await h.ok(
    `mutation { setInventories(input: {providerUuid: "${HOST}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}, {resourceClass: "CUSTOM_USED", total: 4}]}) { resourceProvider { uuid } } }`,
  );
  await h.ok(`mutation { setProviderTraits(input: {providerUuid: "${HOST}", providerGeneration: 1, traits: ["CUSTOM_HAS"]}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { setProviderAggregates(input: {providerUuid: "${HOST}", providerGeneration: 2, aggregates: ["${AGGREGATE}"]}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { setInventories(input: {providerUuid: "${CHILD}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 4}]}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { setAllocations(input: {consumer: {consumerUuid: "${CONSUMER}", consumerGeneration: null, projectId: "p", userId: "u", consumerType: "INSTANCE",
    allocations: [{providerUuid: "${HOST}", resources: [{resourceClass: "VCPU", amount: 1}, {resourceClass: "CUSTOM_USED", amount: 1}]}]}}) { consumers { uuid } } }`);
}

const amounts = (amount: number) => [{ resourceClass: 'VCPU', amount }];
const filter = {
  name: 'host',
  uuid: HOST,
  memberOf: [[AGGREGATE]],
  notMemberOf: [u(51)],
  requiredTraits: ['CUSTOM_HAS'],
  forbiddenTraits: ['HW_CPU_X86_AVX2'],
  anyTraits: [['CUSTOM_HAS']],
  inTree: HOST,
  resources: amounts(1),
};
const group = (suffix: string) => ({
  suffix,
  resources: amounts(1),
  requiredTraits: ['CUSTOM_HAS'],
  forbiddenTraits: ['HW_CPU_X86_AVX2'],
  anyOfTraits: [['CUSTOM_HAS']],
  memberOf: [[AGGREGATE]],
  forbiddenAggregates: [u(51)],
  inTree: HOST,
});
const candidates = {
  groups: [group(''), group('_A')],
  groupPolicy: 'NONE',
  limit: 5,
  randomize: false,
  rootRequiredTraits: ['CUSTOM_HAS'],
  rootForbiddenTraits: ['HW_CPU_X86_AVX2'],
  sameSubtree: [['_A']],
};
/** Consumer CONSUMER at a stale generation (it is at 1), taking far more than the host has. */
const staleClaim = {
  consumerUuid: CONSUMER,
  consumerGeneration: 99,
  projectId: 'p',
  userId: 'u',
  consumerType: 'INSTANCE',
  allocations: [{ providerUuid: HOST, resources: amounts(100) }],
};
const inventory = { resourceClass: 'VCPU', total: 8, reserved: 0, minUnit: 1, maxUnit: 8, stepSize: 1, allocationRatio: 1.0 };
/** Cursors are opaque (src/graphql/pagination.ts): those of rows 1 and 9999. */
const cursor = (id: number) => Buffer.from(`cursor:${id}`).toString('base64url');
const page = { first: 10, after: cursor(1), last: 10, before: cursor(9999) };

export const baselines: Record<string, Record<string, unknown>> = {
  'Query.allocationCandidates': { request: candidates },
  'Query.explainAllocationCandidates': { request: candidates },
  'Query.changeToken': {},
  'Query.consumer': { uuid: CONSUMER },
  'Query.errorCodes': {},
  'Query.node': { id: gid('ResourceProvider', HOST) },
  'Query.nodes': { ids: [gid('ResourceProvider', HOST), gid('Consumer', CONSUMER)] },
  'Query.resourceClass': { name: 'VCPU' },
  'Query.resourceClasses': {},
  'Query.resourceProvider': { uuid: HOST },
  'Query.resourceProviders': { filter, ...page },
  'Query.trait': { name: 'CUSTOM_HAS' },
  'Query.traits': { filter: { namePrefix: 'CUSTOM_', names: ['CUSTOM_HAS'], associated: true }, ...page },
  'Query.usages': { projectId: 'p', userId: 'u', consumerType: 'INSTANCE' },

  // Stale consumer generation, and no candidate fits 100 VCPU.
  'Mutation.claimAllocationCandidate': {
    input: {
      consumerUuid: CONSUMER,
      consumerGeneration: 99,
      projectId: 'p',
      userId: 'u',
      consumerType: 'INSTANCE',
      request: { ...candidates, groups: [{ ...group(''), resources: amounts(100) }, group('_A')] },
    },
  },
  // An unknown provider at a stale generation.
  'Mutation.clearProviderTraits': { input: { providerUuid: NOWHERE, providerGeneration: 99 } },
  // Taken.
  'Mutation.createResourceClass': { input: { name: 'CUSTOM_USED' } },
  // Name and uuid both taken.
  'Mutation.createResourceProvider': { input: { name: 'host', uuid: HOST, parentUuid: HOST } },
  // Nobody.
  'Mutation.deleteAllocations': { input: { consumerUuid: NOWHERE } },
  // Stale generation, and the inventory is in use.
  'Mutation.deleteInventories': { input: { providerUuid: HOST, providerGeneration: 99 } },
  'Mutation.deleteInventory': { input: { providerUuid: HOST, providerGeneration: 99, resourceClass: 'VCPU' } },
  // In use.
  'Mutation.deleteResourceClass': { input: { name: 'CUSTOM_USED' } },
  // Has a child and allocations.
  'Mutation.deleteResourceProvider': { input: { uuid: HOST } },
  // In use.
  'Mutation.deleteTrait': { input: { name: 'CUSTOM_HAS' } },
  // Already there: a valid name changes nothing, and no bad one is valid.
  'Mutation.ensureResourceClass': { input: { name: 'CUSTOM_USED' } },
  'Mutation.ensureTrait': { input: { name: 'CUSTOM_HAS' } },
  // Stale provider and consumer generations, and too large an amount.
  'Mutation.reshape': { input: { inventories: [{ providerUuid: HOST, providerGeneration: 99, inventories: [inventory] }], allocations: [staleClaim] } },
  'Mutation.setAllocations': { input: { consumer: staleClaim } },
  'Mutation.setAllocationsBatch': { input: { consumers: [staleClaim] } },
  // Stale generations (the host is at 4).
  'Mutation.setInventories': { input: { providerUuid: HOST, providerGeneration: 99, inventories: [inventory] } },
  'Mutation.setInventory': { input: { providerUuid: HOST, providerGeneration: 99, inventory } },
  'Mutation.setProviderAggregates': { input: { providerUuid: HOST, providerGeneration: 99, aggregates: [AGGREGATE] } },
  'Mutation.setProviderTraits': { input: { providerUuid: HOST, providerGeneration: 99, traits: ['CUSTOM_HAS'] } },
  // The child's name is taken, and the host cannot move under its own child.
  'Mutation.updateResourceProvider': { input: { uuid: HOST, name: 'child', parentUuid: CHILD } },
};
