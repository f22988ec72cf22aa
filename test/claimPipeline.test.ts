// The claim pipeline (issue 12, item 3): one-step claims sent at once are placed together, in one
// transaction per batch, with the room each takes counted for the next; each answer is its own.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimPipeline } from '../src/candidates/pipeline.ts';
import { type Harness, setup, u } from './helpers.ts';

const HOSTS = 4;
const VCPUS = 3;
const ROOM = HOSTS * VCPUS;
const AGG = u(90);
const POOL = u(99);

let h: Harness;
beforeAll(async () => {
  h = await setup();
  // Hosts of 3 VCPU in one aggregate with a shared disk pool: every claim takes a VCPU on a host
  // and disk from the pool, as in a cloud.
  for (let i = 1; i <= HOSTS; i++) {
    await h.ok(`mutation {
      c: createResourceProvider(input: {name: "host${i}", uuid: "${u(i)}"}) { resourceProvider { uuid } }
      i: setInventories(input: {providerUuid: "${u(i)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: ${VCPUS}}]}) { resourceProvider { uuid } }
      a: setProviderAggregates(input: {providerUuid: "${u(i)}", providerGeneration: 1, aggregates: ["${AGG}"]}) { resourceProvider { uuid } }
    }`);
  }
  await h.ok(`mutation {
    c: createResourceProvider(input: {name: "pool", uuid: "${POOL}"}) { resourceProvider { uuid } }
    i: setInventories(input: {providerUuid: "${POOL}", providerGeneration: 0, inventories: [{resourceClass: "DISK_GB", total: 100000}]}) { resourceProvider { uuid } }
    t: setProviderTraits(input: {providerUuid: "${POOL}", providerGeneration: 1, traits: ["MISC_SHARES_VIA_AGGREGATE"]}) { resourceProvider { uuid } }
    a: setProviderAggregates(input: {providerUuid: "${POOL}", providerGeneration: 2, aggregates: ["${AGG}"]}) { resourceProvider { uuid } }
  }`);
});
afterAll(() => h.close());

const CLAIM = `mutation($i: ClaimAllocationCandidateInput!) { claimAllocationCandidate(input: $i) {
  replayed consumer { uuid generation allocations { provider { uuid } resources { resourceClass amount } } }
  allocationRequest { allocations { providerUuid resources { resourceClass amount } } }
} }`;

const ONE = {
  groups: [
    {
      resources: [
        { resourceClass: 'VCPU', amount: 1 },
        { resourceClass: 'DISK_GB', amount: 10 },
      ],
    },
  ],
};

interface Sent {
  consumer: string;
  generation?: number | null;
  request?: unknown;
  projectId?: string;
}
const send = (c: Sent) =>
  h.gql(CLAIM, {
    i: { request: c.request ?? ONE, consumerUuid: c.consumer, consumerGeneration: c.generation ?? null, projectId: c.projectId ?? 'p', userId: 'u', consumerType: 'INSTANCE' },
  });
const codeOf = (r: Awaited<ReturnType<typeof send>>) => r.errors?.[0]?.extensions?.code ?? 'OK';

/** "provider:class:amount" of what the database says the consumer holds, sorted. */
async function held(consumer: string): Promise<string[]> {
  const rows = await h.db.reader.$queryRawUnsafe<{ provider: string; rc: string; used: number | bigint }[]>(
    `SELECT p.uuid AS provider, rc.name AS rc, a.used FROM allocations a JOIN consumers c ON c.id = a.consumer_id
     JOIN resource_providers p ON p.id = a.resource_provider_id JOIN resource_classes rc ON rc.id = a.resource_class_id WHERE c.uuid = '${consumer}'`,
  );
  return rows.map((r) => `${r.provider}:${r.rc}:${Number(r.used)}`).sort();
}

const named = (allocations: { providerUuid: string; resources: { resourceClass: string; amount: number }[] }[]) =>
  allocations.flatMap((a) => a.resources.map((r) => `${a.providerUuid}:${r.resourceClass}:${r.amount}`)).sort();

async function overCapacity(): Promise<unknown[]> {
  return h.db.reader.$queryRawUnsafe(`
    SELECT i.resource_provider_id FROM inventories i
    LEFT JOIN allocations a ON a.resource_provider_id = i.resource_provider_id AND a.resource_class_id = i.resource_class_id
    GROUP BY i.resource_provider_id, i.resource_class_id, i.total, i.reserved, i.allocation_ratio
    HAVING COALESCE(SUM(a.used), 0) > (i.total - i.reserved) * i.allocation_ratio`);
}

let next = 1000;
const fresh = () => u(next++);

beforeEach(async () => {
  await h.db.writer.$executeRawUnsafe('DELETE FROM allocations');
  await h.db.writer.$executeRawUnsafe('DELETE FROM consumers');
  h.db.cache?.invalidate();
});

describe('the claim pipeline', () => {
  it(`places exactly the claims that fit: ${ROOM + 18} at once on room for ${ROOM}`, async () => {
    const consumers = Array.from({ length: ROOM + 18 }, fresh);
    const before = { ...claimPipeline(h.db).stats };
    const answers = await Promise.all(consumers.map((consumer) => send({ consumer })));
    const codes = answers.map(codeOf);
    expect(codes.filter((c) => c === 'OK')).toHaveLength(ROOM);
    expect(
      codes.filter((c) => c !== 'OK').every((c) => c === 'NO_CANDIDATE'),
      JSON.stringify(codes),
    ).toBe(true);
    // Every OK is in the database, exactly as answered; every refusal holds nothing.
    for (const [i, a] of answers.entries()) {
      const inDb = await held(consumers[i]);
      if (codes[i] === 'OK') {
        expect(inDb).toEqual(named(a.data.claimAllocationCandidate.allocationRequest.allocations));
        expect(named(a.data.claimAllocationCandidate.consumer.allocations.map((x: any) => ({ providerUuid: x.provider.uuid, resources: x.resources })))).toEqual(inDb);
      } else expect(inDb).toEqual([]);
    }
    expect(await overCapacity()).toEqual([]);
    // They were written together: fewer transactions than claims.
    const stats = claimPipeline(h.db).stats;
    expect(stats.claims - before.claims).toBe(consumers.length);
    expect(stats.batches - before.batches).toBeLessThan(consumers.length / 4);
  });

  it('answers each claim of a batch on its own: invalid ones fail alone', async () => {
    const good = Array.from({ length: 6 }, fresh);
    const bad: [Sent, string][] = [
      [{ consumer: 'not-a-uuid' }, 'BAD_VALUE'],
      [{ consumer: fresh(), projectId: '' }, 'BAD_VALUE'],
      [{ consumer: fresh(), generation: 4 }, 'CONCURRENT_UPDATE'],
      [{ consumer: fresh(), request: { groups: [{ resources: [{ resourceClass: 'CUSTOM_NOPE', amount: 1 }] }] } }, 'BAD_VALUE'],
      [{ consumer: fresh(), request: { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1000 }] }] } }, 'NO_CANDIDATE'],
    ];
    const sent = [...good.map((consumer) => ({ consumer })), ...bad.map(([s]) => s)];
    // Interleaved, so that failures sit between successes in the batch.
    const order = sent.map((_, i) => i).sort((a, b) => (a % 2) - (b % 2) || a - b);
    const answers = new Array(sent.length);
    await Promise.all(order.map(async (i) => (answers[i] = await send(sent[i]))));
    expect(answers.slice(0, good.length).map(codeOf)).toEqual(good.map(() => 'OK'));
    expect(answers.slice(good.length).map(codeOf)).toEqual(bad.map(([, code]) => code));
    for (const consumer of good) expect(await held(consumer)).toHaveLength(2);
    for (const [s] of bad.slice(1)) expect(await held(s.consumer)).toEqual([]);
    expect(await overCapacity()).toEqual([]);
  });

  it('answers replays in a batch with the claim held, writing nothing for them', async () => {
    const earlier = Array.from({ length: 3 }, fresh);
    const first = await Promise.all(earlier.map((consumer) => send({ consumer })));
    expect(first.map(codeOf)).toEqual(['OK', 'OK', 'OK']);
    const newer = Array.from({ length: 3 }, fresh);
    // The same three claims again, twice each, with three new ones, all at once.
    const answers = await Promise.all([...earlier, ...newer, ...earlier].map((consumer) => send({ consumer })));
    expect(answers.map(codeOf)).toEqual(Array(9).fill('OK'));
    const replayed = answers.map((a) => a.data.claimAllocationCandidate.replayed);
    expect(replayed).toEqual([true, true, true, false, false, false, true, true, true]);
    for (const [i, consumer] of earlier.entries()) {
      expect(answers[i].data.claimAllocationCandidate.allocationRequest).toEqual(first[i].data.claimAllocationCandidate.allocationRequest);
      expect(answers[i].data.claimAllocationCandidate.consumer.generation).toBe(1);
      expect(await held(consumer)).toEqual(named(first[i].data.claimAllocationCandidate.allocationRequest.allocations));
    }
    for (const consumer of newer) expect(await held(consumer)).toHaveLength(2);
  });

  it('commits a batch in a bounded number of statements', async () => {
    const statements = async (consumers: string[]) => {
      const before = h.db.stats.statements;
      const codes = (await Promise.all(consumers.map((consumer) => send({ consumer })))).map(codeOf);
      expect(codes).toEqual(consumers.map(() => 'OK'));
      return h.db.stats.statements - before;
    };
    await statements([fresh()]); // warm (names, cache)
    const one = await statements([fresh()]);
    const many = await statements(Array.from({ length: ROOM - 2 }, fresh));
    // One claim at a time this would be (ROOM - 2) times as many.
    expect(many).toBeLessThan(3 * one);
  });

  it('writes setAllocations sent at once in batches, each as if alone: what fits succeeds, each refusal is its own', async () => {
    const SET = `mutation($i: SetAllocationsInput!) { setAllocations(input: $i) { consumers { uuid generation allocations { resources { amount } } } } }`;
    const set = (consumer: string, provider: string, generation: number | null = null) =>
      h.gql(SET, {
        i: {
          consumer: {
            consumerUuid: consumer,
            consumerGeneration: generation,
            projectId: 'p',
            userId: 'u',
            consumerType: 'INSTANCE',
            allocations: [{ providerUuid: provider, resources: [{ resourceClass: 'VCPU', amount: 1 }] }],
          },
        },
      });
    const consumers = Array.from({ length: 8 }, fresh);
    const before = claimPipeline(h.db).stats.batches;
    const [answers, missing, stale] = await Promise.all([Promise.all(consumers.map((c) => set(c, u(1)))), set(fresh(), u(77)), set(fresh(), u(2), 3)]);
    const codes = answers.map(codeOf);
    expect(codes.filter((c) => c === 'OK')).toHaveLength(VCPUS);
    expect(
      codes.filter((c) => c !== 'OK').every((c) => c === 'CAPACITY_EXCEEDED'),
      JSON.stringify(codes),
    ).toBe(true);
    expect([codeOf(missing), codeOf(stale)]).toEqual(['NOT_FOUND', 'CONCURRENT_UPDATE']);
    for (const [i, a] of answers.entries()) {
      if (codes[i] === 'OK') expect(a.data.setAllocations.consumers).toEqual([{ uuid: consumers[i], generation: 1, allocations: [{ resources: [{ amount: 1 }] }] }]);
      expect(await held(consumers[i])).toEqual(codes[i] === 'OK' ? [`${u(1)}:VCPU:1`] : []);
    }
    expect(await overCapacity()).toEqual([]);
    expect(claimPipeline(h.db).stats.batches - before).toBeLessThan(10);
  });
});
