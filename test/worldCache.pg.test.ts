// The world cache on PostgreSQL replicas (src/db/worldCache.ts, src/db/changeLog.ts): a sequence
// number taken before commit is not commit order there, so the log hands out its numbers under a
// lock; two writers held open show a second writer waiting for the first to commit before it
// takes its number, and both reaching the cache; rows pruned before the cache read them
// make it reload; a notification wakes a replica that is not asked anything; and a lost
// notification only delays, since every read catches up from the log itself.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CANDIDATES_QUERY, candidatesInput } from '../conformance/candidatesQuery.ts';
import { appendChanges } from '../src/db/changeLog.ts';
import { writeContext } from '../src/db/changes.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import { setInventory } from '../src/db/inventories.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { type AppOn, appOn, databaseSettings, u } from './helpers.ts';

const HOSTS = [u(1), u(2), u(3), u(4)];

/** Hosts that have room for `vcpu`, as a replica answers. */
async function fitting(side: AppOn, vcpu: number): Promise<string[]> {
  const d = await side.must(CANDIDATES_QUERY, { request: candidatesInput({ groups: [{ resources: { VCPU: vcpu } }] }) });
  return d.allocationCandidates.providerSummaries.map((s: { uuid: string }) => s.uuid).sort();
}

/** Backends of this schema's writers waiting for the change log's lock. */
async function waitingOnLogLock(db: Database): Promise<number> {
  const [row] = await db.reader.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
  return Number(row.n);
}

async function generation(side: AppOn, uuid: string): Promise<number> {
  return (await side.must(`{ resourceProvider(uuid: "${uuid}") { generation } }`)).resourceProvider.generation;
}

/** Opens a write transaction that sets a host's VCPU total and logs it as writeTransaction does, then waits to commit. */
function heldWriter(db: Database, host: string, gen: number, total: number) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let logged!: () => void;
  const appended = new Promise<void>((r) => (logged = r));
  let wrote!: () => void;
  const written = new Promise<void>((r) => (wrote = r));
  let step!: () => void;
  const mayAppend = new Promise<void>((r) => (step = r));
  const committed = db.writer.$transaction(
    async (tx) => {
      const wtx = writeContext(tx, true);
      await setInventory(wtx, host, gen, { resourceClass: 'VCPU', total });
      wrote();
      await mayAppend;
      await appendChanges(wtx, 'postgres', db.settings.changeLogKeep);
      logged();
      await gate;
    },
    { timeout: 60_000 },
  );
  const append = () => {
    step();
    return appended;
  };
  const commit = () => {
    release();
    return committed;
  };
  return { written, append, commit };
}

describe('world cache on PostgreSQL replicas', () => {
  let test: TestDatabase;
  let cached: AppOn;
  let direct: AppOn;

  beforeAll(async () => {
    test = await openTestDatabase();
    cached = appOn(test.db, { PLACEMENT_CANDIDATE_MEMO: 'off' });
    direct = appOn(await openDatabase(test.url, databaseSettings({ PLACEMENT_WORLD_CACHE: 'off' })), { PLACEMENT_CANDIDATE_MEMO: 'off' });
    expect(cached.db.cache).not.toBeNull();
    for (const host of HOSTS) {
      await direct.must(`mutation { createResourceProvider(input: {uuid: "${host}", name: "h-${host}"}) { __typename } }`);
      await direct.must(`mutation { setInventories(input: {providerUuid: "${host}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 4}]}) { __typename } }`);
    }
  });
  afterAll(async () => {
    await direct?.db.close();
    await test?.drop();
  });

  async function bothSee(vcpu: number, expected: string[]) {
    expect(await fitting(direct, vcpu)).toEqual(expected);
    expect(await fitting(cached, vcpu)).toEqual(expected);
  }

  it('hands out log numbers in commit order: a writer that would take the next number waits for the one before to commit', async () => {
    await bothSee(6, []);
    // Both hold their transactions open; the first has appended its row (and holds the log's lock).
    const first = heldWriter(direct.db, HOSTS[0], await generation(direct, HOSTS[0]), 8);
    const second = heldWriter(direct.db, HOSTS[1], await generation(direct, HOSTS[1]), 8);
    await first.written;
    await second.written;
    await first.append();
    // The second cannot take a number before the first has committed: it waits on the lock.
    const secondAppended = second.append();
    await vi.waitFor(async () => expect(await waitingOnLogLock(direct.db)).toBe(1), { timeout: 10_000 });
    await bothSee(6, []); // neither is committed
    await first.commit();
    await secondAppended;
    await bothSee(6, [HOSTS[0]]);
    await second.commit();
    await bothSee(6, [HOSTS[0], HOSTS[1]].sort());
    const seqs = await direct.db.reader.$queryRawUnsafe<{ seq: bigint; providers: string }[]>('SELECT seq, providers FROM change_log ORDER BY seq DESC LIMIT 2');
    const ids = await direct.db.reader.$queryRawUnsafe<{ id: number; uuid: string }[]>(`SELECT id, uuid FROM resource_providers WHERE uuid IN ('${HOSTS[0]}', '${HOSTS[1]}')`);
    const byUuid = new Map(ids.map((r) => [r.uuid, String(r.id)]));
    // The later number is the later commit.
    expect(seqs.map((r) => r.providers)).toEqual([byUuid.get(HOSTS[1]), byUuid.get(HOSTS[0])]);

    // Writers that committed in any order, with the cache reading between them, all reach it.
    for (const host of [HOSTS[3], HOSTS[2]]) {
      const w = heldWriter(direct.db, host, await generation(direct, host), 8);
      await w.written;
      await w.append();
      await bothSee(6, [HOSTS[0], HOSTS[1], ...(host === HOSTS[2] ? [HOSTS[3]] : [])].sort());
      await w.commit();
    }
    await bothSee(6, [...HOSTS].sort());
  });

  it('catches up when woken by a notification, without being asked', async () => {
    await bothSee(6, [...HOSTS].sort());
    const reads = cached.db.cache!.stats.providerReads;
    await direct.must(
      `mutation { setInventory(input: {providerUuid: "${HOSTS[0]}", providerGeneration: ${await generation(direct, HOSTS[0])}, inventory: {resourceClass: "VCPU", total: 9}}) { __typename } }`,
    );
    await vi.waitFor(() => expect(cached.db.cache!.stats.providerReads).toBe(reads + 1), { timeout: 30_000 });
    await bothSee(10, []);
    await bothSee(9, [HOSTS[0]]);
  });

  it('reloads when rows it had not read were pruned before it looked', async () => {
    await cached.db.feed!.close(); // stays where it is until asked (the last test needs it closed anyway)
    await bothSee(6, [...HOSTS].sort());
    const held = heldWriter(direct.db, HOSTS[0], await generation(direct, HOSTS[0]), 3);
    await held.written;
    await held.append();
    await bothSee(6, [...HOSTS].sort()); // the cache's position is before the writer's row
    await held.commit();
    const reloads = cached.db.cache!.stats.reloads;
    const settings = direct.db.settings;
    direct.db.settings = { ...settings, changeLogKeep: 1 };
    try {
      for (const host of [HOSTS[2], HOSTS[3]]) {
        await direct.must(
          `mutation { setInventory(input: {providerUuid: "${host}", providerGeneration: ${await generation(direct, host)}, inventory: {resourceClass: "VCPU", total: 8}}) { __typename } }`,
        );
      }
    } finally {
      direct.db.settings = settings;
    }
    await bothSee(6, [HOSTS[1], HOSTS[2], HOSTS[3]]);
    expect(cached.db.cache!.stats.reloads).toBe(reloads + 1);
  });

  it('still sees every commit when notifications are lost', async () => {
    const received = cached.db.feed!.stats.received;
    await direct.must(
      `mutation { setInventory(input: {providerUuid: "${HOSTS[1]}", providerGeneration: ${await generation(direct, HOSTS[1])}, inventory: {resourceClass: "VCPU", total: 9}}) { __typename } }`,
    );
    await bothSee(9, [HOSTS[1]]);
    expect(cached.db.feed!.stats.received).toBe(received);
  });
});
