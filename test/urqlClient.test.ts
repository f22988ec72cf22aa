// A real GraphQL client (urql, with its cacheExchange, which adds __typename to every selection)
// takes a candidate from allocationCandidates and claims it by passing the candidate's
// allocations straight back; on CONCURRENT_UPDATE and CAPACITY_EXCEEDED it retries once, with the
// facts the error carries in `extensions`, without reading anything again (issue 14, items 6 and 8).

import { Client, type CombinedError, cacheExchange, fetchExchange, gql } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appOn, type Harness, setup, u } from './helpers.ts';

let h: Harness;
let client: Client;
/** The requests the client sent, by operation name. */
const sent: string[] = [];

beforeAll(async () => {
  h = await setup();
  const { app } = appOn(h.db);
  client = new Client({
    url: 'http://test/graphql',
    exchanges: [cacheExchange, fetchExchange],
    // POST always: a GET needs the CSRF header (src/auth/csrf.ts).
    preferGetMethod: false,
    requestPolicy: 'network-only',
    fetch: async (url, init) => {
      sent.push(JSON.parse(String(init?.body)).operationName);
      return app.fetch(String(url), init ?? {});
    },
  });
  await h.ok(`mutation { createResourceProvider(input: {name: "cn", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { resourceProvider { generation } } }`);
});
afterAll(() => h.close());

const CANDIDATES = gql`
  query Candidates($amount: Int!) {
    allocationCandidates(request: { groups: [{ resources: [{ resourceClass: "VCPU", amount: $amount }] }] }) {
      allocationRequests {
        allocations {
          providerUuid
          resources {
            resourceClass
            amount
          }
        }
      }
    }
  }
`;

const CLAIM = gql`
  mutation Claim($consumer: ConsumerAllocationsInput!) {
    setAllocations(input: { consumer: $consumer }) {
      consumers {
        uuid
        generation
      }
    }
  }
`;

type Allocations = { providerUuid: string; resources: { resourceClass: string; amount: number }[] }[];
const consumer = (uuid: string, generation: number | null, allocations: Allocations) => ({
  consumerUuid: uuid,
  consumerGeneration: generation,
  projectId: 'p',
  userId: 'u',
  consumerType: 'INSTANCE',
  allocations,
});

/** The extensions of the one error a failed operation got. */
const facts = (error: CombinedError | undefined) => error?.graphQLErrors[0]?.extensions as Record<string, unknown> | undefined;

async function firstCandidate(amount: number): Promise<Allocations> {
  const { data, error } = await client.query(CANDIDATES, { amount }).toPromise();
  expect(error).toBeUndefined();
  return data.allocationCandidates.allocationRequests[0].allocations;
}

/**
 * How a client claims: send what it believes, and on CONCURRENT_UPDATE send again once with the
 * generation the error reports (the whole state is being replaced, so nothing needs re-reading).
 */
async function claim(uuid: string, generation: number | null, allocations: Allocations) {
  const first = await client.mutation(CLAIM, { consumer: consumer(uuid, generation, allocations) }).toPromise();
  const f = facts(first.error);
  if (f?.code !== 'CONCURRENT_UPDATE') return first;
  return client.mutation(CLAIM, { consumer: consumer(uuid, f.currentGeneration as number | null, allocations) }).toPromise();
}

describe('urql client', () => {
  it('passes a candidate, __typename and all, straight into setAllocations', async () => {
    const allocations = await firstCandidate(2);
    // urql's cacheExchange asked for __typename: the candidate carries it, as clients hold it.
    expect(allocations[0]).toMatchObject({ __typename: 'CandidateAllocation', providerUuid: u(1) });
    expect((allocations[0].resources[0] as Record<string, unknown>).__typename).toBe('ResourceAmount');
    const { data, error } = await client.mutation(CLAIM, { consumer: consumer(u(100), null, allocations) }).toPromise();
    expect(error).toBeUndefined();
    expect(data.setAllocations.consumers).toEqual([expect.objectContaining({ uuid: u(100), generation: 1 })]);
  });

  it('retries a stale generation once, with currentGeneration from the error', async () => {
    // Another writer changes the consumer after this client read generation 1.
    await h.ok(`mutation { setAllocations(input: {consumer: {consumerUuid: "${u(100)}", consumerGeneration: 1, projectId: "p", userId: "u", consumerType: "INSTANCE",
      allocations: [{providerUuid: "${u(1)}", resources: [{resourceClass: "VCPU", amount: 1}]}]}}) { consumers { generation } } }`);
    const allocations = await firstCandidate(3);
    sent.length = 0;
    const stale = await client.mutation(CLAIM, { consumer: consumer(u(100), 1, allocations) }).toPromise();
    expect(facts(stale.error)).toEqual({ code: 'CONCURRENT_UPDATE', kind: 'consumer', uuid: u(100), expectedGeneration: 1, currentGeneration: 2 });
    sent.length = 0;
    const { data, error } = await claim(u(100), 1, allocations);
    expect(error).toBeUndefined();
    expect(data.setAllocations.consumers[0].generation).toBe(3);
    // One round trip more than a claim that did not race: the failed write and its retry, no read.
    expect(sent).toEqual(['Claim', 'Claim']);
  });

  it('asks for what is free after CAPACITY_EXCEEDED, from the error alone', async () => {
    // 3 of 8 VCPU are held by u(100): ask for 6.
    const want: Allocations = [{ providerUuid: u(1), resources: [{ resourceClass: 'VCPU', amount: 6 }] }];
    const refused = await client.mutation(CLAIM, { consumer: consumer(u(101), null, want) }).toPromise();
    const f = facts(refused.error)!;
    expect(f).toEqual({ code: 'CAPACITY_EXCEEDED', providerUuid: u(1), resourceClass: 'VCPU', requested: 6, free: 5, capacity: 8, used: 3 });
    const fits: Allocations = [{ providerUuid: f.providerUuid as string, resources: [{ resourceClass: f.resourceClass as string, amount: f.free as number }] }];
    const { error } = await client.mutation(CLAIM, { consumer: consumer(u(101), null, fits) }).toPromise();
    expect(error).toBeUndefined();
  });

  it('reads the error codes as an enum, which codegen reaches through Query.errorCodes', async () => {
    const { data } = await client.query(gql`query Codes { errorCodes { code meaning } }`, {}).toPromise();
    expect(data.errorCodes).toContainEqual({ __typename: 'ErrorCodeInfo', code: 'CONCURRENT_UPDATE', meaning: expect.stringMatching(/generation/) });
  });
});
