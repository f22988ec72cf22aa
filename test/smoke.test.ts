import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => (h = await setup()));
afterAll(() => h.close());

describe('smoke', () => {
  it('creates a tree and reads it', async () => {
    await h.ok(`mutation { createResourceProvider(input: {name: "cn1", uuid: "${u(1)}"}) { resourceProvider { uuid generation root { uuid } } } }`);
    await h.ok(`mutation { createResourceProvider(input: {name: "numa0", uuid: "${u(2)}", parentUuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
    await h.ok(`mutation { setInventories(input: {providerUuid: "${u(2)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { resourceProvider { generation } } }`);
    await h.ok(
      `mutation { setAllocations(input: {consumer: {consumerUuid: "${u(100)}", consumerGeneration: null, projectId: "p", userId: "u", consumerType: "INSTANCE", allocations: [{providerUuid: "${u(2)}", resources: [{resourceClass: "VCPU", amount: 2}]}]}}) { consumers { uuid generation } } }`,
    );
    const d = await h.ok(`{ resourceProvider(uuid: "${u(1)}") { name children { name generation inventories { resourceClass total capacity used } parent { name } } descendants { name } } }`);
    expect(d).toMatchInlineSnapshot(`
      {
        "resourceProvider": {
          "children": [
            {
              "generation": 2,
              "inventories": [
                {
                  "capacity": 8,
                  "resourceClass": "VCPU",
                  "total": 8,
                  "used": 2,
                },
              ],
              "name": "numa0",
              "parent": {
                "name": "cn1",
              },
            },
          ],
          "descendants": [
            {
              "name": "numa0",
            },
          ],
          "name": "cn1",
        },
      }
    `);
  });
});
