// Concurrent claims through one server never oversubscribe: every claim either fits or fails
// cleanly with CAPACITY_EXCEEDED, and the provider generation counts exactly the successes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => (h = await setup()));
afterAll(() => h.close());

const CLAIM = `mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { consumers { uuid } } }`;

describe('concurrent claims', () => {
  it('lets exactly the claims that fit succeed', async () => {
    await h.ok(`mutation { createResourceProvider(input: {name: "host", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
    await h.ok(`mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 10}]}) { resourceProvider { generation } } }`);
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        h.gql(CLAIM, {
          i: {
            consumer: {
              consumerUuid: u(1000 + i),
              consumerGeneration: null,
              projectId: 'p',
              userId: 'u',
              consumerType: 'INSTANCE',
              allocations: [{ providerUuid: u(1), resources: [{ resourceClass: 'VCPU', amount: 1 }] }],
            },
          },
        }),
      ),
    );
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK');
    expect(codes.filter((c) => c === 'OK')).toHaveLength(10);
    expect(codes.filter((c) => c !== 'OK').every((c) => c === 'CAPACITY_EXCEEDED')).toBe(true);
    const d = await h.ok(`{ resourceProvider(uuid: "${u(1)}") { generation inventories { used capacity } allocations { consumer { uuid } } } }`);
    expect(d.resourceProvider.inventories[0]).toEqual({ used: 10, capacity: 10 });
    expect(d.resourceProvider.allocations).toHaveLength(10);
    expect(d.resourceProvider.generation).toBe(1 + 10);
  });
});
