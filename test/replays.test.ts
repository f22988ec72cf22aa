// A one-step claim is safe to retry (issue 11, item 3): the same claim sent again after it happened
// answers the claim held, marked as a replay, and writes nothing; anything that is not exactly that
// claim keeps today's answer (a generation conflict).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, snapshotDb, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await setup();
  const HOST = u(1);
  const SHARED = u(9);
  const AGG = u(90);
  await h.ok(`mutation {
    host: createResourceProvider(input: {name: "host", uuid: "${HOST}"}) { resourceProvider { uuid } }
    hostAgg: setProviderAggregates(input: {providerUuid: "${HOST}", providerGeneration: 0, aggregates: ["${AGG}"]}) { resourceProvider { uuid } }
    n0: createResourceProvider(input: {name: "numa0", uuid: "${u(2)}", parentUuid: "${HOST}"}) { resourceProvider { uuid } }
    n1: createResourceProvider(input: {name: "numa1", uuid: "${u(3)}", parentUuid: "${HOST}"}) { resourceProvider { uuid } }
    i0: setInventories(input: {providerUuid: "${u(2)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 16}]}) { resourceProvider { uuid } }
    i1: setInventories(input: {providerUuid: "${u(3)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 16}]}) { resourceProvider { uuid } }
    t: ensureTrait(input: {name: "CUSTOM_FAST"}) { created }
    t1: setProviderTraits(input: {providerUuid: "${u(3)}", providerGeneration: 1, traits: ["CUSTOM_FAST"]}) { resourceProvider { uuid } }
    s: createResourceProvider(input: {name: "shared", uuid: "${SHARED}"}) { resourceProvider { uuid } }
    si: setInventories(input: {providerUuid: "${SHARED}", providerGeneration: 0, inventories: [{resourceClass: "DISK_GB", total: 1000}]}) { resourceProvider { uuid } }
    st: setProviderTraits(input: {providerUuid: "${SHARED}", providerGeneration: 1, traits: ["MISC_SHARES_VIA_AGGREGATE"]}) { resourceProvider { uuid } }
    sa: setProviderAggregates(input: {providerUuid: "${SHARED}", providerGeneration: 2, aggregates: ["${AGG}"]}) { resourceProvider { uuid } }
    pc: ensureResourceClass(input: {name: "CUSTOM_PCI"}) { created }
    p: createResourceProvider(input: {name: "pci", uuid: "${u(5)}"}) { resourceProvider { uuid } }
    pi: setInventories(input: {providerUuid: "${u(5)}", providerGeneration: 0, inventories: [{resourceClass: "CUSTOM_PCI", total: 1}]}) { resourceProvider { uuid } }
  }`);
});
afterAll(() => h.close());

const CLAIM = `mutation($i: ClaimAllocationCandidateInput!) { claimAllocationCandidate(input: $i) {
  replayed consumer { uuid generation projectId allocations { provider { uuid } resources { resourceClass amount } } }
  allocationRequest { allocations { providerUuid resources { resourceClass amount } } mappings { suffix providerUuids } }
} }`;

interface Claim {
  consumer: string;
  generation?: number | null;
  request: unknown;
  projectId?: string;
}
const input = (c: Claim) => ({
  i: { request: c.request, consumerUuid: c.consumer, consumerGeneration: c.generation ?? null, projectId: c.projectId ?? 'p', userId: 'u', consumerType: 'INSTANCE' },
});
const claim = async (c: Claim) => (await h.ok(CLAIM, input(c))).claimAllocationCandidate;
const vcpu = (amount: number, extra: Record<string, unknown> = {}) => ({ groups: [{ resources: [{ resourceClass: 'VCPU', amount }], ...extra }] });

describe('claimAllocationCandidate sent again', () => {
  it('answers the claim held, marked as a replay, and writes nothing', async () => {
    const request = {
      groups: [
        {
          resources: [
            { resourceClass: 'VCPU', amount: 3 },
            { resourceClass: 'DISK_GB', amount: 100 },
          ],
        },
      ],
    };
    const first = await claim({ consumer: u(100), request });
    expect(first.replayed).toBe(false);
    expect(first.consumer.generation).toBe(1);
    const before = await snapshotDb(h);
    const again = await claim({ consumer: u(100), request });
    expect(again.replayed).toBe(true);
    expect(again.consumer).toEqual(first.consumer);
    expect(again.allocationRequest.allocations).toEqual(first.allocationRequest.allocations);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('recognises the claim even when the room it took is all there was', async () => {
    // The one PCI device: a second claim like it could not fit, the replay still answers.
    const request = { groups: [{ resources: [{ resourceClass: 'CUSTOM_PCI', amount: 1 }] }] };
    const first = await claim({ consumer: u(101), request });
    expect(first.allocationRequest.allocations[0].providerUuid).toBe(u(5));
    const again = await claim({ consumer: u(101), request });
    expect(again).toEqual({ ...first, replayed: true });
    await h.ok(`mutation { deleteAllocations(input: {consumerUuid: "${u(101)}"}) { consumerUuid } }`);
  });

  it('replays a claim that replaced what the consumer held, sent with the generation it had', async () => {
    await claim({ consumer: u(102), request: vcpu(1) });
    const replaced = await claim({ consumer: u(102), generation: 1, request: vcpu(2) });
    expect(replaced).toMatchObject({ replayed: false, consumer: { generation: 2 } });
    expect(await claim({ consumer: u(102), generation: 1, request: vcpu(2) })).toEqual({ ...replaced, replayed: true });
    // The first claim (generation null) was overwritten since: no longer recognised.
    await h.fails('CONCURRENT_UPDATE', CLAIM, input({ consumer: u(102), request: vcpu(1) }));
  });

  it('replays named groups and sharing providers, with a valid mapping', async () => {
    const request = {
      groups: [
        { resources: [{ resourceClass: 'DISK_GB', amount: 10 }] },
        { suffix: '_A', resources: [{ resourceClass: 'VCPU', amount: 1 }] },
        { suffix: '_B', resources: [{ resourceClass: 'VCPU', amount: 1 }] },
      ],
      groupPolicy: 'ISOLATE',
    };
    const first = await claim({ consumer: u(103), request });
    const again = await claim({ consumer: u(103), request });
    expect(again.replayed).toBe(true);
    // The same allocations; their order follows the mapping, which the database does not keep.
    const byProvider = (allocations: { providerUuid: string }[]) => [...allocations].sort((x, y) => x.providerUuid.localeCompare(y.providerUuid));
    expect(byProvider(again.allocationRequest.allocations)).toEqual(byProvider(first.allocationRequest.allocations));
    const cells = new Set(again.allocationRequest.mappings.filter((m: any) => m.suffix).map((m: any) => m.providerUuids[0]));
    expect(cells).toEqual(new Set([u(2), u(3)]));
  });

  it('keeps the conflict for anything that is not the same claim', async () => {
    const request = vcpu(1, { forbiddenTraits: ['CUSTOM_FAST'] });
    await claim({ consumer: u(104), request });
    const before = await snapshotDb(h);
    // Another amount, another project, another generation: not this claim.
    await h.fails('CONCURRENT_UPDATE', CLAIM, input({ consumer: u(104), request: vcpu(2, { forbiddenTraits: ['CUSTOM_FAST'] }) }));
    await h.fails('CONCURRENT_UPDATE', CLAIM, input({ consumer: u(104), request, projectId: 'q' }));
    await h.fails('CONCURRENT_UPDATE', CLAIM, input({ consumer: u(104), generation: 3, request }));
    // Held allocations with the right amount on a provider the request could not use.
    await h.fails('CONCURRENT_UPDATE', CLAIM, input({ consumer: u(104), request: vcpu(1, { requiredTraits: ['CUSTOM_FAST'] }) }));
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('does not take a claim held by setAllocations on a provider the request excludes', async () => {
    await h.ok(`mutation { setAllocations(input: {consumer: {consumerUuid: "${u(105)}", consumerGeneration: null, projectId: "p", userId: "u",
      consumerType: "INSTANCE", allocations: [{providerUuid: "${u(2)}", resources: [{resourceClass: "VCPU", amount: 1}]}]}}) { consumers { uuid } } }`);
    await h.fails('CONCURRENT_UPDATE', CLAIM, input({ consumer: u(105), request: vcpu(1, { requiredTraits: ['CUSTOM_FAST'] }) }));
    expect((await claim({ consumer: u(105), request: vcpu(1) })).replayed).toBe(true);
  });

  it('copies of one claim sent at once make one claim: the others are its replays', async () => {
    const answers = await Promise.all([0, 1, 2, 3, 4].map(() => claim({ consumer: u(106), request: vcpu(1) })));
    expect(answers.map((a) => a.replayed).sort()).toEqual([false, true, true, true, true]);
    for (const a of answers) expect(a.allocationRequest.allocations).toEqual(answers[0].allocationRequest.allocations);
    const held = await h.ok(`{ consumer(uuid: "${u(106)}") { generation allocations { resources { amount } } } }`);
    expect(held.consumer).toEqual({ generation: 1, allocations: [{ resources: [{ amount: 1 }] }] });
  });
});
