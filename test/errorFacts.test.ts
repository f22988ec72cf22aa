// Errors a program can use (issue 14, item 6): facts in `extensions` beside `code`, and the
// ErrorCode enum reachable from a root field, where client code generators find it.

import { getNamedType, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../src/domain/errors.ts';
import { schema } from '../src/graphql/schema.ts';
import { type Harness, setup, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await setup();
  await h.ok(`mutation { createResourceProvider(input: {name: "r", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  await h.ok(
    `mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 4, allocationRatio: 2.0}]}) { resourceProvider { generation } } }`,
  );
});
afterAll(() => h.close());

const extensions = async (query: string) => (await h.gql(query)).errors?.map((e) => e.extensions);
const consumer = (uuid: string, generation: number | null, amount: number) =>
  `{consumerUuid: "${uuid}", consumerGeneration: ${generation}, projectId: "p", userId: "u", consumerType: "INSTANCE",
    allocations: [{providerUuid: "${u(1)}", resources: [{resourceClass: "VCPU", amount: ${amount}}]}]}`;

describe('error facts', () => {
  it('CONCURRENT_UPDATE gives the generation to retry with, for providers and consumers', async () => {
    expect(await extensions(`mutation { setProviderTraits(input: {providerUuid: "${u(1)}", providerGeneration: 0, traits: []}) { resourceProvider { uuid } } }`)).toEqual([
      { code: 'CONCURRENT_UPDATE', kind: 'provider', uuid: u(1), expectedGeneration: 0, currentGeneration: 1 },
    ]);
    // A generation for a consumer that does not exist: current is null, "send null to create it".
    expect(await extensions(`mutation { setAllocations(input: {consumer: ${consumer(u(100), 3, 1)}}) { consumers { uuid } } }`)).toEqual([
      { code: 'CONCURRENT_UPDATE', kind: 'consumer', uuid: u(100), expectedGeneration: 3, currentGeneration: null },
    ]);
  });

  it('CAPACITY_EXCEEDED gives what was asked and what is free, summed over the whole write', async () => {
    await h.ok(`mutation { setAllocations(input: {consumer: ${consumer(u(100), null, 3)}}) { consumers { uuid } } }`);
    expect(await extensions(`mutation { setAllocationsBatch(input: {consumers: [${consumer(u(101), null, 3)}, ${consumer(u(102), null, 3)}]}) { consumers { uuid } } }`)).toEqual([
      { code: 'CAPACITY_EXCEEDED', providerUuid: u(1), resourceClass: 'VCPU', requested: 6, free: 5, capacity: 8, used: 3 },
    ]);
  });

  it('BAD_VALUE says which value', async () => {
    expect(await extensions(`mutation { createResourceProvider(input: {name: "", uuid: "${u(5)}"}) { resourceProvider { uuid } } }`)).toEqual([{ code: 'BAD_VALUE', field: 'name' }]);
  });
});

describe('ErrorCode in the schema', () => {
  it('is reachable from Query through errorCodes, which lists every code with its meaning', async () => {
    const info = getNamedType(schema.getQueryType()!.getFields().errorCodes.type);
    expect(isObjectType(info) && getNamedType(info.getFields().code.type).name).toBe('ErrorCode');
    const { errorCodes: listed } = await h.ok('{ errorCodes { code meaning } }');
    expect(listed).toEqual(Object.entries(errorCodes).map(([code, meaning]) => ({ code, meaning })));
  });
});
