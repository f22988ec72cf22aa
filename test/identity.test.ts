// Identity for clients (issue 14, item 7): inputs that name a provider or consumer take its global
// id as well as its uuid (a global id of the other type is BAD_VALUE, located by argumentPath);
// delete payloads give the deleted node's global id; cursors are opaque and a forged one is
// BAD_VALUE. Also the facts BAD_VALUE carries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, u } from './helpers.ts';

let h: Harness;
let R: string; // global id of provider u(1)
const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');

beforeAll(async () => {
  h = await setup();
  R = (await h.ok(`mutation { createResourceProvider(input: {name: "r", uuid: "${u(1)}"}) { resourceProvider { id } } }`)).createResourceProvider.resourceProvider.id;
});
afterAll(() => h.close());

const allocate = (consumer: string, provider: string, generation: number | null) =>
  `mutation { setAllocations(input: {consumer: {consumerUuid: "${consumer}", consumerGeneration: ${generation}, projectId: "p", userId: "u", consumerType: "INSTANCE",
    allocations: [{providerUuid: "${provider}", resources: [{resourceClass: "VCPU", amount: 1}]}]}}) { consumers { id uuid generation } } }`;

describe('global ids in inputs', () => {
  it('name providers and consumers wherever a uuid does', async () => {
    const child = await h.ok(`mutation { createResourceProvider(input: {name: "c", uuid: "${u(2)}", parentUuid: "${R}"}) { resourceProvider { id parent { uuid } } } }`);
    expect(child.createResourceProvider.resourceProvider.parent.uuid).toBe(u(1));
    await h.ok(`mutation { setInventories(input: {providerUuid: "${R}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { resourceProvider { generation } } }`);
    await h.ok(`mutation { setProviderTraits(input: {providerUuid: "${R}", providerGeneration: 1, traits: ["HW_CPU_X86_AVX2"]}) { resourceProvider { traits } } }`);
    expect((await h.ok(`{ resourceProvider(uuid: "${R}") { uuid } }`)).resourceProvider.uuid).toBe(u(1));
    expect((await h.ok(`{ resourceProviders(filter: {inTree: "${R}"}) { totalCount } }`)).resourceProviders.totalCount).toBe(2);
    expect((await h.ok(`{ resourceProviders(filter: {uuid: "${R}"}) { totalCount } }`)).resourceProviders.totalCount).toBe(1);
    const candidates = await h.ok(
      `{ allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}], inTree: "${R}"}]}) { allocationRequests { allocations { providerUuid } } } }`,
    );
    expect(candidates.allocationCandidates.allocationRequests).toHaveLength(1);

    const written = (await h.ok(allocate(u(100), R, null))).setAllocations.consumers[0];
    const C = written.id;
    expect((await h.ok(allocate(C, R, 1))).setAllocations.consumers[0]).toEqual({ id: C, uuid: u(100), generation: 2 });
    expect((await h.ok(`{ consumer(uuid: "${C}") { uuid } }`)).consumer.uuid).toBe(u(100));
  });

  it('refuse a global id of the other type, saying where', async () => {
    const C = b64(`Consumer:${u(100)}`);
    const res = await h.gql(`mutation { setInventories(input: {providerUuid: "${C}", providerGeneration: 0, inventories: []}) { resourceProvider { uuid } } }`);
    expect(res.errors?.[0].extensions).toEqual({ code: 'BAD_VALUE', argumentPath: 'input.providerUuid' });
    const batch = await h.gql(`mutation { setAllocationsBatch(input: {consumers: [{consumerUuid: "${R}", consumerGeneration: null, projectId: "p", userId: "u",
      consumerType: "INSTANCE", allocations: []}]}) { consumers { uuid } } }`);
    expect(batch.errors?.[0].extensions).toEqual({ code: 'BAD_VALUE', argumentPath: 'input.consumers[0].consumerUuid' });
    const inTree = await h.gql(`{ allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}], inTree: "${C}"}]}) { allocationRequests { mappings { suffix } } } }`);
    expect(inTree.errors?.[0].extensions).toEqual({ code: 'BAD_VALUE', argumentPath: 'request.groups[0].inTree' });
  });

  it('refuse forged ids as a malformed uuid, never as an internal error', async () => {
    for (const forged of [b64('Nothing:1'), b64('ResourceProvider:x'), b64(`ResourceProvider:${u(1)}\u0000`), 'QQ'.repeat(5000), b64('Consumer:')]) {
      for (const q of [allocate(u(100), forged, 2), `mutation { deleteResourceProvider(input: {uuid: "${forged}"}) { uuid } }`]) {
        const res = await h.gql(q);
        expect(
          res.errors?.map((e) => e.extensions?.code),
          q.slice(0, 80),
        ).toEqual(['BAD_VALUE']);
      }
      // A lookup by something that names nothing finds nothing, as with any unknown uuid.
      expect(await h.ok(`{ resourceProvider(uuid: "${forged}") { uuid } }`)).toEqual({ resourceProvider: null });
    }
  });
});

describe('delete payloads', () => {
  it('give the global id of what they deleted', async () => {
    const C = b64(`Consumer:${u(100)}`);
    expect((await h.ok(`mutation { deleteAllocations(input: {consumerUuid: "${C}"}) { consumerUuid deletedId } }`)).deleteAllocations).toEqual({ consumerUuid: u(100), deletedId: C });
    const child = b64(`ResourceProvider:${u(2)}`);
    expect((await h.ok(`mutation { deleteResourceProvider(input: {uuid: "${child}"}) { uuid deletedId } }`)).deleteResourceProvider).toEqual({ uuid: u(2), deletedId: child });
  });
});

describe('cursors', () => {
  it('are opaque, and page as before', async () => {
    for (let i = 3; i < 6; i++) await h.ok(`mutation { createResourceProvider(input: {name: "p${i}", uuid: "${u(i)}"}) { resourceProvider { uuid } } }`);
    const page = (args: string) => h.ok(`{ resourceProviders(${args}) { pageInfo { endCursor hasNextPage } edges { cursor node { uuid } } } }`);
    const first = (await page('first: 2')).resourceProviders;
    expect(first.pageInfo.endCursor).not.toMatch(/^\d+$/);
    expect(first.edges.map((e: any) => e.node.uuid)).toEqual([u(1), u(3)]);
    const next = (await page(`first: 2, after: "${first.pageInfo.endCursor}"`)).resourceProviders;
    expect(next.edges.map((e: any) => e.node.uuid)).toEqual([u(4), u(5)]);
    const back = (await page(`last: 1, before: "${next.edges[0].cursor}"`)).resourceProviders;
    expect(back.edges.map((e: any) => e.node.uuid)).toEqual([u(3)]);
  });

  it('a forged one is BAD_VALUE naming the argument', async () => {
    for (const forged of [
      '5',
      b64url('cursor:x'),
      b64url('cursor:1e3'),
      b64url('cursor:-1'),
      b64url('cursor:99999999999999999999'),
      `${b64('cursor:1')}=`,
      b64url('cursor:01'),
      '%%%',
      'A'.repeat(100_000),
    ]) {
      for (const field of ['resourceProviders', 'traits']) {
        const res = await h.gql(`query($c: String) { ${field}(after: $c) { totalCount } }`, { c: forged });
        expect(res.errors?.[0].extensions, `${field} ${forged.slice(0, 30)}`).toEqual({ code: 'BAD_VALUE', argumentPath: 'after' });
      }
    }
  });
});

describe('BAD_VALUE facts', () => {
  it('name the value refused', async () => {
    const res = await h.gql(`mutation { setProviderAggregates(input: {providerUuid: "${u(1)}", providerGeneration: 4, aggregates: ["nope"]}) { resourceProvider { uuid } } }`);
    expect(res.errors?.[0].extensions).toEqual({ code: 'BAD_VALUE', field: 'aggregate uuid' });
  });
});
