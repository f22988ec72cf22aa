// Request logs (issue 14, item 3): each request's line names its operation, duration, error codes
// and SQL statement count, at the level an operator expects: answers (a bad value) at info,
// conflicts at warn, and every server-side write retry is a warn line of its own.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type App, createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { LostRace, writeTransaction } from '../src/db/tx.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { graphql, u } from './helpers.ts';

let test: TestDatabase;
let app: App;
beforeAll(async () => {
  test = await openTestDatabase();
  app = createApp(test.db, configFromEnv({}), { logRequests: true });
});
afterAll(() => test.drop());
afterEach(() => vi.restoreAllMocks());

/** The JSON lines logged while `work` runs. */
async function logged(work: () => Promise<unknown>): Promise<Record<string, any>[]> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  await work();
  vi.restoreAllMocks();
  return lines.map((l) => JSON.parse(l));
}

const post = async (query: string, operationName?: string) => graphql(app, { query, operationName }, { 'x-request-id': 'log-1' });
const requestLine = (lines: Record<string, any>[]) => lines.filter((l) => l.msg === 'request');

describe('request log', () => {
  it('names the operation, its duration and its statements', async () => {
    await post(`mutation { createResourceProvider(input: {uuid: "${u(1)}", name: "host"}) { __typename } }`);
    const lines = await logged(() => post(`query Hosts { resourceProviders { edges { node { uuid traits } } } } query Other { traits { totalCount } }`, 'Hosts'));
    const [line] = requestLine(lines);
    expect(line).toMatchObject({ level: 'info', requestId: 'log-1', method: 'POST', path: '/graphql', status: 200, operationName: 'Hosts' });
    expect(line.ms).toBeTypeOf('number');
    expect(line.statements).toBeGreaterThanOrEqual(2);
    expect(line.errors).toBeUndefined();
  });

  it("carries the error codes: a client's bad value at info, a generation conflict at warn", async () => {
    const bad = requestLine(await logged(() => post(`mutation Bad { createResourceProvider(input: {uuid: "not-a-uuid", name: "x"}) { __typename } }`)));
    expect(bad[0]).toMatchObject({ level: 'info', operationName: 'Bad', errors: ['BAD_VALUE'] });
    const stale = `mutation Stale { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 7, inventories: [{resourceClass: "VCPU", total: 1}]}) { __typename } }`;
    const conflict = requestLine(await logged(() => post(stale)));
    expect(conflict[0]).toMatchObject({ level: 'warn', operationName: 'Stale', errors: ['CONCURRENT_UPDATE'] });
  });

  it('logs every server-side write retry at warn', async () => {
    let attempts = 0;
    const lines = await logged(() =>
      writeTransaction(test.db, async () => {
        if (attempts++ < 2) throw new LostRace();
      }),
    );
    const retries = lines.filter((l) => l.msg.startsWith('write transaction lost a race'));
    expect(retries.map((l) => [l.level, l.reason, l.attempt])).toEqual([
      ['warn', 'lost_race', 1],
      ['warn', 'lost_race', 2],
    ]);
  });
});
