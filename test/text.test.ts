// Text neither database can store (issue 11, item 5): a NUL character or a lone UTF-16 surrogate,
// in a variable or in a literal, anywhere in the input, is BAD_VALUE naming where it is, the same
// on SQLite and PostgreSQL, and nothing is written. Well-formed text (astral characters included)
// is stored as sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, snapshotDb, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await setup();
  await h.ok(`mutation { createResourceProvider(input: {name: "host", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { setInventory(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventory: {resourceClass: "VCPU", total: 8}}) { resourceProvider { uuid } } }`);
});
afterAll(() => h.close());

const NUL = 'a\u0000b';
const LONE_HIGH = 'a\ud800b';
const LONE_LOW = '\udc00';
const claim = (consumer: Record<string, unknown>) => ({
  i: {
    consumer: {
      consumerUuid: u(500),
      consumerGeneration: null,
      projectId: 'p',
      userId: 'u',
      consumerType: 'INSTANCE',
      allocations: [{ providerUuid: u(1), resources: [{ resourceClass: 'VCPU', amount: 1 }] }],
      ...consumer,
    },
  },
});
const SET_ALLOCATIONS = `mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { consumers { uuid } } }`;
const CREATE = `mutation($i: CreateResourceProviderInput!) { createResourceProvider(input: $i) { resourceProvider { name } } }`;

// [what, operation, variables, the place the message must name]
const cases: [string, string, Record<string, unknown>, string][] = [
  ['NUL in a provider name', CREATE, { i: { name: NUL } }, '$i.name'],
  ['lone surrogate in a provider name', CREATE, { i: { name: LONE_HIGH } }, '$i.name'],
  ['lone low surrogate in a provider name', CREATE, { i: { name: LONE_LOW } }, '$i.name'],
  ['NUL in a provider uuid', CREATE, { i: { name: 'x', uuid: `${u(2)}\u0000` } }, '$i.uuid'],
  ['NUL in a projectId', SET_ALLOCATIONS, claim({ projectId: NUL }), '$i.consumer.projectId'],
  ['lone surrogate in a projectId', SET_ALLOCATIONS, claim({ projectId: LONE_HIGH }), '$i.consumer.projectId'],
  ['NUL in a userId', SET_ALLOCATIONS, claim({ userId: NUL }), '$i.consumer.userId'],
  ['NUL in a consumer type', SET_ALLOCATIONS, claim({ consumerType: 'INSTANCE\u0000' }), '$i.consumer.consumerType'],
  [
    'NUL in a resource class',
    SET_ALLOCATIONS,
    claim({ allocations: [{ providerUuid: u(1), resources: [{ resourceClass: 'VC\u0000PU', amount: 1 }] }] }),
    '$i.consumer.allocations[0].resources[0].resourceClass',
  ],
  ['NUL in a class to create', `mutation($n: String!) { createResourceClass(input: {name: $n}) { resourceClass { name } } }`, { n: 'CUSTOM_\u0000' }, '$n'],
  ['NUL in a trait', `mutation($n: String!) { ensureTrait(input: {name: $n}) { created } }`, { n: 'CUSTOM_A\u0000' }, '$n'],
  [
    'NUL in an aggregate',
    `mutation($a: [String!]!) { setProviderAggregates(input: {providerUuid: "${u(1)}", providerGeneration: 1, aggregates: $a}) { resourceProvider { uuid } } }`,
    { a: [u(9), NUL] },
    '$a[1]',
  ],
  ['NUL in a usages filter', `query($p: String!) { usages(projectId: $p) { consumerCount } }`, { p: NUL }, '$p'],
  ['lone surrogate in a provider filter', `query($f: ProviderFilter) { resourceProviders(filter: $f) { totalCount } }`, { f: { name: LONE_HIGH } }, '$f.name'],
  [
    'NUL in a candidates trait',
    `query($t: String!) { allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}], requiredTraits: [$t]}]}) { providerSummaries { uuid } } }`,
    { t: NUL },
    '$t',
  ],
  ['NUL in a cursor', `query($c: String) { traits(after: $c) { totalCount } }`, { c: NUL }, '$c'],
  ['NUL in a global id', `query($id: ID!) { node(id: $id) { id } }`, { id: NUL }, '$id'],
  ['NUL in a key of an input object', CREATE, { i: { name: 'x', 'na\u0000me': 'y' } }, 'key of variable $i'],
  ['NUL in a literal', `mutation { createResourceProvider(input: {name: "a\\u0000b"}) { resourceProvider { name } } }`, {}, 'Argument input.name'],
  ['NUL in a literal list', `{ traits(filter: {names: ["A", "B\\u0000"]}) { totalCount } }`, {}, 'Argument filter.names'],
  ['NUL in a default value', `query($p: String = "\\u0000") { usages(projectId: $p) { consumerCount } }`, {}, 'Default value of $p'],
];

describe('text neither database can store', () => {
  it.each(cases)('refuses %s with BAD_VALUE naming it, changing nothing', async (_, query, variables, where) => {
    const before = await snapshotDb(h);
    const message = await h.fails('BAD_VALUE', query, variables);
    expect(message).toContain(where);
    expect(message).toMatch(/NUL character|lone UTF-16 surrogate/);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('stores well-formed text of any plane as sent', async () => {
    const name = 'x 🙂 \u202e ñ 字 \ud83d\ude00';
    expect((await h.ok(CREATE, { i: { name } })).createResourceProvider.resourceProvider.name).toBe(name);
  });
});
