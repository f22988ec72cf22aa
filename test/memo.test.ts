// Candidates answers are memoised per change token (src/db/answerMemo.ts) on both databases: a
// question asked again while nothing was written costs no search, and a write made anywhere, by
// this process or another connection (another replica), is in the next answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/client.ts';
import { createApp, type App } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { CANDIDATES_QUERY, candidatesInput } from './conformance/ours.ts';
import { u } from './helpers.ts';

interface Side {
  db: Database;
  app: App;
}

async function gql(side: Side, query: string, variables?: Record<string, unknown>) {
  const res = await side.app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data;
}

const question = { request: candidatesInput({ groups: [{ resources: { VCPU: 1 } }] }) };
const usedVcpu = async (side: Side) => {
  const d = await gql(side, CANDIDATES_QUERY, question);
  return d.allocationCandidates.providerSummaries[0].resources.find((r: any) => r.resourceClass === 'VCPU').used;
};

describe('candidates memo', () => {
  let test: TestDatabase;
  let a: Side;
  let b: Side;

  beforeAll(async () => {
    test = await openTestDatabase();
    a = { db: test.db, app: createApp(test.db, configFromEnv({})) };
    const other = await openDatabase(test.url); // another replica (PostgreSQL) or process (SQLite)
    b = { db: other, app: createApp(other, configFromEnv({})) };
    await gql(a, `mutation { createResourceProvider(input: {uuid: "${u(1)}", name: "host"}) { __typename } }`);
    await gql(a, `mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { __typename } }`);
  });
  afterAll(async () => {
    await b?.db.close();
    await test?.drop();
  });

  it('answers a repeated question without searching, and sees writes made through another connection', async () => {
    // Asked again: only the change token (PostgreSQL) or data_version (SQLite) is read. Other test
    // files write to the same PostgreSQL cluster meanwhile, which rightly changes the token: a few tries.
    let cheapest = Infinity;
    for (let i = 0; i < 10 && cheapest > 1; i++) {
      expect(await usedVcpu(a)).toBe(0);
      const before = a.db.stats.statements;
      expect(await usedVcpu(a)).toBe(0);
      cheapest = Math.min(cheapest, a.db.stats.statements - before);
    }
    expect(cheapest).toBe(1);

    const claim = (side: Side, consumer: string, amount: number) =>
      gql(side, `mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { __typename } }`, {
        i: { consumer: { consumerUuid: consumer, consumerGeneration: null, projectId: 'p', userId: 'u', consumerType: 'INSTANCE', allocations: [{ providerUuid: u(1), resources: [{ resourceClass: 'VCPU', amount }] }] } },
      });
    await claim(b, u(100), 3);
    expect(await usedVcpu(a)).toBe(3);
    await claim(a, u(101), 2);
    expect(await usedVcpu(a)).toBe(5);
    expect(await usedVcpu(b)).toBe(5);
  });
});
