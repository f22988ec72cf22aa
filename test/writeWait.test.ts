// A write whose transaction cannot start in time (issue 11, item 6): while another transaction
// holds the only writer (SQLite) or the only pooled connection (PostgreSQL, pool of 1), a mutation
// waits PLACEMENT_DB_CONNECT_TIMEOUT_MS, then answers UNAVAILABLE (Prisma's P2028 on SQLite, not an
// internal error) and has written nothing; once the holder is done, writes go through again. A
// one-step claim waits longer (issue 12, item 3): its writer tries again while the database answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimPipeline } from '../src/candidates/pipeline.ts';
import { type Harness, setup, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  // Long enough that a loaded machine's scheduling does not decide the outcome, short enough to wait for.
  h = await setup({ PLACEMENT_DB_CONNECT_TIMEOUT_MS: '1000', PLACEMENT_DB_POOL_SIZE: '1' });
});
afterAll(async () => {
  await h?.close();
});

const create = (n: number) => `mutation { createResourceProvider(input: {name: "rp${n}", uuid: "${u(n)}"}) { resourceProvider { uuid } } }`;

/** A transaction holding the only writer (SQLite) or the only pooled connection (PostgreSQL) until `release`. */
async function holdWriter() {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const holding = new Promise<void>((resolve) => (started = resolve));
  const holder = h.db.writer.$transaction(
    async () => {
      started();
      await held;
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
  await holding;
  return { release, holder };
}

describe('a write that cannot start in time', () => {
  it('answers UNAVAILABLE, writes nothing, and the next write goes through', async () => {
    const { release, holder } = await holdWriter();
    // Without a bounded wait the write would queue behind the holder: let it go after a while
    // rather than hang (the write then succeeds, and the assertion below says so).
    const safety = setTimeout(release, 5_000);
    const answer = await h.gql(create(1));
    clearTimeout(safety);
    release();
    await holder;
    expect(
      answer.errors?.map((e) => e.extensions?.code),
      JSON.stringify(answer),
    ).toEqual(['UNAVAILABLE']);
    expect(answer.errors![0].message).not.toMatch(/prisma|transaction|P20/i);

    await h.ok(create(2));
    const rows = await h.ok(`{ a: resourceProvider(uuid: "${u(1)}") { uuid } b: resourceProvider(uuid: "${u(2)}") { uuid } }`);
    expect(rows).toEqual({ a: null, b: { uuid: u(2) } });
  });

  it('keeps a one-step claim queued while the writer cannot start, and claims once it can', async () => {
    await h.ok(`mutation {
      c: createResourceProvider(input: {name: "host", uuid: "${u(9)}"}) { resourceProvider { uuid } }
      i: setInventories(input: {providerUuid: "${u(9)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 4}]}) { resourceProvider { uuid } }
    }`);
    const { release, holder } = await holdWriter();
    const stats = claimPipeline(h.db).stats;
    const retriesBefore = stats.startRetries;
    const claim = h.gql(`mutation { claimAllocationCandidate(input: {request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}]}]},
      consumerUuid: "${u(100)}", projectId: "p", userId: "u", consumerType: "INSTANCE"}) { consumer { generation } } }`);
    // The writer's first transaction could not start; the claim is still waiting, not answered.
    for (let i = 0; i < 500 && stats.startRetries === retriesBefore; i++) await new Promise((r) => setTimeout(r, 10));
    release();
    await holder;
    const answer = await claim;
    expect(stats.startRetries).toBeGreaterThan(retriesBefore);
    expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    expect(answer.data.claimAllocationCandidate.consumer.generation).toBe(1);
  });
});
