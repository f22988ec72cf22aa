// Candidates answers are memoised per change token (src/db/answerMemo.ts) on both databases: a
// question asked again while nothing was written costs no search, and a write made anywhere, by
// this process or another connection (another replica), is in the next answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANDIDATES_QUERY, candidatesInput } from '../conformance/candidatesQuery.ts';
import { openDatabase } from '../src/db/client.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { type AppOn, appOn, newConsumer, u } from './helpers.ts';

const question = { request: candidatesInput({ groups: [{ resources: { VCPU: 1 } }] }) };
const usedVcpu = async (side: AppOn) => {
  const d = await side.must(CANDIDATES_QUERY, question);
  return d.allocationCandidates.providerSummaries[0].resources.find((r: any) => r.resourceClass === 'VCPU').used;
};

describe('candidates memo', () => {
  let test: TestDatabase;
  let a: AppOn;
  let b: AppOn;

  beforeAll(async () => {
    test = await openTestDatabase();
    a = appOn(test.db);
    const other = await openDatabase(test.url); // another replica (PostgreSQL) or process (SQLite)
    b = appOn(other);
    await a.must(`mutation { createResourceProvider(input: {uuid: "${u(1)}", name: "host"}) { __typename } }`);
    await a.must(`mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { __typename } }`);
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

    const claim = (side: AppOn, consumer: string, amount: number) =>
      side.must(`mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { __typename } }`, {
        i: {
          consumer: newConsumer(consumer, [[u(1), 'VCPU', amount]]),
        },
      });
    await claim(b, u(100), 3);
    expect(await usedVcpu(a)).toBe(3);
    await claim(a, u(101), 2);
    expect(await usedVcpu(a)).toBe(5);
    expect(await usedVcpu(b)).toBe(5);
  });
});
