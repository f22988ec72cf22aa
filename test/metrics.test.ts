// Prometheus metrics (issue 14, item 1): /metrics is served only with METRICS_TOKEN (or without
// authentication at all), and the counters an operator watches move when claims, conflicts and
// server-side retries happen. Metrics are per process, so each check compares before and after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { LostRace, writeTransaction } from '../src/db/tx.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { graphql, u } from './helpers.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
let test: TestDatabase;
let app: App;

beforeAll(async () => {
  test = await openTestDatabase();
  app = createApp(test.db, configFromEnv({ METRICS_TOKEN: TOKEN }));
  await gql(`mutation { createResourceProvider(input: {uuid: "${u(1)}", name: "host"}) { __typename } }`);
  await gql(`mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { __typename } }`);
});
afterAll(() => test.drop());

async function gql(query: string, variables?: Record<string, unknown>, operationName?: string) {
  return graphql(app, { query, variables, operationName });
}

const scrape = async (a: App = app, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => a.fetch('http://test/metrics', { headers });

/** The value of one series in the exposition text (0 when absent). */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `) ? Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)) : false));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
const metrics = async () => (await scrape()).text();

const CLAIM = `mutation Claim($i: ClaimAllocationCandidateInput!) { claimAllocationCandidate(input: $i) { consumer { uuid } } }`;
const claimInput = (consumer: string, amount = 1) => ({
  i: { request: { groups: [{ resources: [{ resourceClass: 'VCPU', amount }] }] }, consumerUuid: consumer, consumerGeneration: null, projectId: 'p', userId: 'u', consumerType: 'INSTANCE' },
});

describe('/metrics access', () => {
  it('refuses a scrape without the token, or with another one', async () => {
    expect((await scrape(app, {})).status).toBe(401);
    expect((await scrape(app, { authorization: 'Bearer not-the-metrics-token-at-all' })).status).toBe(401);
  });

  it('serves the Prometheus text format with the token', async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of ['placement_claims_total', 'placement_write_retries_total', 'placement_db_pool_waiting', 'placement_change_log_lag', 'process_cpu_seconds_total']) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('is off (404) when authentication is on and no token is set; open only without authentication', async () => {
    expect(configFromEnv({ AUTH: 'jwt', JWT_SECRET: 's'.repeat(32) }).metrics).toBe('off');
    expect(configFromEnv({ AUTH: 'jwt', JWT_SECRET: 's'.repeat(32), METRICS_TOKEN: TOKEN }).metrics).toEqual({ token: TOKEN });
    expect(configFromEnv({}).metrics).toBe('open');
    expect(() => configFromEnv({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    const off = createApp(test.db, { ...configFromEnv({}), metrics: 'off' });
    expect((await scrape(off)).status).toBe(404);
    expect((await scrape(off, {})).status).toBe(404);
    const open = createApp(test.db, configFromEnv({}));
    expect((await scrape(open, {})).status).toBe(200);
  });
});

describe('counters', () => {
  it('counts requests by operation name, and claims that succeed and fail by code', async () => {
    const before = await metrics();
    expect((await gql(CLAIM, claimInput(u(100)), 'Claim')).errors).toBeUndefined();
    // Another claim for the same consumer with a stale generation (not a replay: another request): the client's conflict.
    expect((await gql(CLAIM, claimInput(u(100), 2), 'Claim')).errors?.[0]?.extensions?.code).toBe('CONCURRENT_UPDATE');
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(delta('graphql_envelop_request_duration_count', { operationName: 'Claim' })).toBe(2);
    expect(delta('placement_claims_total', { kind: 'claim', result: 'ok' })).toBe(1);
    expect(delta('placement_claims_total', { kind: 'claim', result: 'CONCURRENT_UPDATE' })).toBe(1);
    expect(delta('placement_generation_conflicts_total')).toBe(1);
    expect(delta('placement_graphql_errors_total', { code: 'CONCURRENT_UPDATE' })).toBe(1);
    expect(delta('placement_pipeline_batch_size_count', { kind: 'claim' })).toBeGreaterThanOrEqual(1);
    expect(delta('placement_candidates_generated_total')).toBeGreaterThanOrEqual(1);
  });

  it('counts a generation conflict on a plain write', async () => {
    const before = await metrics();
    const res = await gql(`mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 9}]}) { __typename } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('CONCURRENT_UPDATE');
    expect(value(await metrics(), 'placement_generation_conflicts_total') - value(before, 'placement_generation_conflicts_total')).toBe(1);
  });

  it('counts server-side write retries', async () => {
    const before = await metrics();
    let attempts = 0;
    await writeTransaction(test.db, async () => {
      if (attempts++ === 0) throw new LostRace();
    });
    expect(attempts).toBe(2);
    const after = await metrics();
    expect(value(after, 'placement_write_retries_total', { reason: 'lost_race' }) - value(before, 'placement_write_retries_total', { reason: 'lost_race' })).toBe(1);
  });

  it('counts candidates returned, memo hits and world-cache catch-ups', async () => {
    const query = `query Candidates { allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}]}]}) { allocationRequests { allocations { providerUuid } } } }`;
    const before = await metrics();
    await gql(query);
    await gql(query);
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(delta('placement_candidates_returned_total')).toBe(2);
    expect(delta('placement_candidate_memo_total', { result: 'hit' })).toBe(1);
    if (test.db.cache) {
      expect(['unchanged', 'applied', 'reload'].reduce((n, result) => n + delta('placement_world_cache_catchups_total', { result }), 0)).toBeGreaterThanOrEqual(2);
      // Caught up just now: nothing committed since.
      expect(value(after, 'placement_change_log_lag', { reader: 'world_cache' })).toBe(0);
    }
  });

  it('labels a bounded number of operation names', async () => {
    for (let i = 0; i < 210; i++) await gql(`query Name${i} { __typename }`);
    const names = new Set([...(await metrics()).matchAll(/^graphql_envelop_request_duration_count\{operationName="([^"]*)"/gm)].map((m) => m[1]));
    expect(names.size).toBeLessThanOrEqual(201);
    expect(names).toContain('other');
  });
});
