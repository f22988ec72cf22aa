// A claim that loses its room to another writer between the search and the lock (issue 12, item 3):
// only that claim runs again; the others of its batch are written and answered at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimPipeline } from '../src/candidates/pipeline.ts';
import { type Harness, setup, u } from './helpers.ts';
import { otherWriter } from './otherWriter.ts';

const [A, B] = [u(1), u(2)];
let h: Harness;
let schema: string;

beforeAll(async () => {
  h = await setup();
  schema = (await h.db.reader.$queryRawUnsafe<{ s: string }[]>('SELECT current_schema() AS s'))[0].s;
  await h.ok(`mutation {
    ta: ensureTrait(input: {name: "CUSTOM_A"}) { created }
    tb: ensureTrait(input: {name: "CUSTOM_B"}) { created }
    a: createResourceProvider(input: {name: "a", uuid: "${A}"}) { resourceProvider { uuid } }
    ai: setInventories(input: {providerUuid: "${A}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 1}]}) { resourceProvider { uuid } }
    at: setProviderTraits(input: {providerUuid: "${A}", providerGeneration: 1, traits: ["CUSTOM_A"]}) { resourceProvider { uuid } }
    b: createResourceProvider(input: {name: "b", uuid: "${B}"}) { resourceProvider { uuid } }
    bi: setInventories(input: {providerUuid: "${B}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 1}]}) { resourceProvider { uuid } }
    bt: setProviderTraits(input: {providerUuid: "${B}", providerGeneration: 1, traits: ["CUSTOM_B"]}) { resourceProvider { uuid } }
  }`);
});
afterAll(() => h?.close());

const claim = (consumer: string, trait: string) =>
  h.gql(`mutation { claimAllocationCandidate(input: {request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}], requiredTraits: ["${trait}"]}]},
    consumerUuid: "${consumer}", projectId: "p", userId: "u", consumerType: "INSTANCE"}) { consumer { uuid } } }`);

describe('a claim that loses its room under the lock', () => {
  it('runs again alone; its batch-mate is written', async () => {
    // Another writer (standing for another replica) holds provider A's row and will take A's only VCPU.
    const other = await otherWriter(schema, A);
    const batches = claimPipeline(h.db).stats.batches;
    const [onA, onB] = [claim(u(100), 'CUSTOM_A'), claim(u(101), 'CUSTOM_B')];
    // The batch searched (A had room) and now waits for A's lock.
    await other.waitedFor();
    await other.allocate(u(200));
    await other.commit();
    const [a, b] = await Promise.all([onA, onB]);
    // B's claim was written with the batch; A's alone ran again, and found the room gone.
    expect(b.errors, JSON.stringify(b.errors)).toBeUndefined();
    expect(a.errors?.map((e) => e.extensions?.code)).toEqual(['NO_CANDIDATE']);
    expect(claimPipeline(h.db).stats.batches - batches).toBeGreaterThanOrEqual(2);
    const rows = await h.db.reader.$queryRawUnsafe<{ uuid: string; used: number }[]>(
      `SELECT p.uuid, SUM(a.used)::int AS used FROM allocations a JOIN resource_providers p ON p.id = a.resource_provider_id GROUP BY p.uuid ORDER BY p.uuid`,
    );
    expect(rows).toEqual([
      { uuid: A, used: 1 },
      { uuid: B, used: 1 },
    ]);
    const held = await h.db.reader.$queryRawUnsafe<{ uuid: string }[]>(`SELECT uuid FROM consumers ORDER BY uuid`);
    expect(held.map((r) => r.uuid)).toEqual([u(101), u(200)]);
  });
});
