// The world cache on PostgreSQL replicas (src/db/worldCache.ts, src/db/changeLog.ts): sequence
// numbers are not commit order there, so two writers held open in the wrong order (the one with
// the lower number commits last) must both reach the cache; a writer seen in progress whose row is
// pruned before the cache looks again makes it reload; a notification wakes a replica that is not asked anything; and a lost
// notification only delays, since every read catches up from the log itself.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../src/db/client.ts';
import { writeContext } from '../src/db/changes.ts';
import { appendChanges } from '../src/db/changeLog.ts';
import { setInventory } from '../src/db/inventories.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { CANDIDATES_QUERY, candidatesInput } from './conformance/ours.ts';
import { appOn, u, type AppOn } from './helpers.ts';

const HOSTS = [u(1), u(2), u(3), u(4)];

/** Hosts that have room for `vcpu`, as a replica answers. */
async function fitting(side: AppOn, vcpu: number): Promise<string[]> {
  const d = await side.must(CANDIDATES_QUERY, { request: candidatesInput({ groups: [{ resources: { VCPU: vcpu } }] }) });
  return d.allocationCandidates.providerSummaries.map((s: { uuid: string }) => s.uuid).sort();
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
      await appendChanges(wtx, 'postgres');
      logged();
      await gate;
    },
    { timeout: 60_000 },
  );
  return { written, append: () => (step(), appended), commit: () => (release(), committed) };
}

describe('world cache on PostgreSQL replicas', () => {
  let test: TestDatabase;
  let cached: AppOn;
  let direct: AppOn;

  beforeAll(async () => {
    test = await openTestDatabase();
    cached = appOn(test.db, { PLACEMENT_CANDIDATE_MEMO: 'off' });
    process.env.PLACEMENT_WORLD_CACHE = 'off';
    try {
      direct = appOn(await openDatabase(test.url), { PLACEMENT_CANDIDATE_MEMO: 'off' });
    } finally {
      delete process.env.PLACEMENT_WORLD_CACHE;
    }
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

  it('applies both of two writers held open in the wrong order (the lower number commits last)', async () => {
    await bothSee(6, []);
    // First: the later-committing writer also took its transaction id first (it shows as in progress).
    const first = heldWriter(direct.db, HOSTS[0], await generation(direct, HOSTS[0]), 8);
    await first.written;
    await first.append();
    const second = heldWriter(direct.db, HOSTS[1], await generation(direct, HOSTS[1]), 8);
    await second.written;
    await second.append();
    await second.commit();
    await bothSee(6, [HOSTS[1]]);
    await first.commit();
    await bothSee(6, [HOSTS[0], HOSTS[1]].sort());

    // Then: it took its transaction id after the other one, but its number before (it may lie
    // beyond the snapshot's xmax rather than in its list of running transactions).
    const early = heldWriter(direct.db, HOSTS[2], await generation(direct, HOSTS[2]), 8);
    const late = heldWriter(direct.db, HOSTS[3], await generation(direct, HOSTS[3]), 8);
    await early.written;
    await late.written;
    await late.append();
    await early.append();
    await early.commit();
    await bothSee(6, [HOSTS[0], HOSTS[1], HOSTS[2]].sort());
    await late.commit();
    await bothSee(6, [...HOSTS].sort());
  });

  it('catches up when woken by a notification, without being asked', async () => {
    await bothSee(6, [...HOSTS].sort());
    const reads = cached.db.cache!.stats.providerReads;
    await direct.must(`mutation { setInventory(input: {providerUuid: "${HOSTS[0]}", providerGeneration: ${await generation(direct, HOSTS[0])}, inventory: {resourceClass: "VCPU", total: 9}}) { __typename } }`);
    await vi.waitFor(() => expect(cached.db.cache!.stats.providerReads).toBe(reads + 1), { timeout: 30_000 });
    await bothSee(10, []);
    await bothSee(9, [HOSTS[0]]);
  });

  it('reloads when a writer it saw in progress committed and its row was pruned before it looked', async () => {
    await cached.db.feed!.close(); // stays where it is until asked (the last test needs it closed anyway)
    await bothSee(6, [...HOSTS].sort());
    const held = heldWriter(direct.db, HOSTS[0], await generation(direct, HOSTS[0]), 3);
    await held.written;
    await held.append();
    await bothSee(6, [...HOSTS].sort()); // the cache's position now names the writer as in progress
    await held.commit();
    const reloads = cached.db.cache!.stats.reloads;
    process.env.PLACEMENT_CHANGE_LOG_KEEP = '1';
    try {
      for (const host of [HOSTS[2], HOSTS[3]]) {
        await direct.must(`mutation { setInventory(input: {providerUuid: "${host}", providerGeneration: ${await generation(direct, host)}, inventory: {resourceClass: "VCPU", total: 8}}) { __typename } }`);
      }
    } finally {
      delete process.env.PLACEMENT_CHANGE_LOG_KEEP;
    }
    await bothSee(6, [HOSTS[1], HOSTS[2], HOSTS[3]]);
    expect(cached.db.cache!.stats.reloads).toBe(reloads + 1);
  });

  it('still sees every commit when notifications are lost', async () => {
    const received = cached.db.feed!.stats.received;
    await direct.must(`mutation { setInventory(input: {providerUuid: "${HOSTS[1]}", providerGeneration: ${await generation(direct, HOSTS[1])}, inventory: {resourceClass: "VCPU", total: 9}}) { __typename } }`);
    await bothSee(9, [HOSTS[1]]);
    expect(cached.db.feed!.stats.received).toBe(received);
  });
});
