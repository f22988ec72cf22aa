// Allocation candidates beyond conformance: bounded generation on wide symmetric trees, claiming
// what was returned, the one-step claim under concurrency, request validation, and the reference
// bug we deliberately do not copy.
import { afterAll, describe, expect, it } from 'vitest';
import { CANDIDATES_QUERY, candidatesInput, toAnswer } from '../conformance/candidatesQuery.ts';
import { EXPLAIN_QUERY } from '../conformance/explainCheck.ts';
import { type CandidateRequest, candidateProviders, type ProviderSpec, type Topology } from '../conformance/model.ts';
import { Ours } from '../conformance/ours.ts';
import { u } from './helpers.ts';

const opened: Ours[] = [];
async function server(env?: Record<string, string>, topology?: Topology): Promise<Ours> {
  const s = await Ours.open(env);
  opened.push(s);
  if (topology) await s.load(topology);
  return s;
}
afterAll(async () => {
  for (const s of opened) await s.close();
});

async function ok(s: Ours, query: string, variables?: Record<string, unknown>) {
  const r = await s.gql(query, variables);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data;
}
const candidates = async (s: Ours, r: CandidateRequest) => (await ok(s, CANDIDATES_QUERY, { request: candidatesInput(r) })).allocationCandidates;

/** `roots` compute hosts, each with `devices` children holding one VGPU. */
function wideTrees(roots: number, devices: number): Topology {
  const providers: ProviderSpec[] = [];
  for (let r = 0; r < roots; r++) {
    const root = u(1000 * (r + 1));
    providers.push({ uuid: root, name: `host${r}`, inventories: { VCPU: 64 } });
    for (let d = 1; d <= devices; d++) providers.push({ uuid: u(1000 * (r + 1) + d), name: `host${r}-gpu${d}`, parent: root, inventories: { VGPU: 1 } });
  }
  return { providers };
}

/** Which host a device belongs to: device uuids are u(1000 * host + n). */
const hostOf = (uuid: string) => Math.floor(Number(uuid.slice(-12)) / 1000);

/** Eight named groups of one VGPU each, isolated: 8! ways per host. */
const eightGpus: CandidateRequest = {
  groups: Array.from({ length: 8 }, (_, i) => ({ suffix: `_GPU${i}`, resources: { VGPU: 1 } })),
  groupPolicy: 'isolate',
};

describe('bounded generation', () => {
  it('caps 8 groups over 8 identical devices; breadth-first spreads the capped answer over every host', async () => {
    const s = await server({ PLACEMENT_MAX_CANDIDATES: '1000', PLACEMENT_CANDIDATE_STRATEGY: 'breadth-first' }, wideTrees(4, 8));
    const answer = await candidates(s, eightGpus);
    expect(answer.allocationRequests).toHaveLength(1000);
    const perHost = new Map<number, number>();
    for (const ar of answer.allocationRequests) {
      const hosts = new Set(ar.allocations.map((a: any) => hostOf(a.providerUuid)));
      expect(hosts.size).toBe(1); // every candidate stays on one host
      const host = [...hosts][0] as number;
      perHost.set(host, (perHost.get(host) ?? 0) + 1);
      expect(ar.allocations).toHaveLength(8); // isolate: eight different devices
    }
    expect([...perHost.values()]).toEqual([250, 250, 250, 250]);
  });

  it('depth-first fills the cap from the first host alone', async () => {
    const s = await server({ PLACEMENT_MAX_CANDIDATES: '1000', PLACEMENT_CANDIDATE_STRATEGY: 'depth-first' }, wideTrees(4, 8));
    const answer = await candidates(s, eightGpus);
    expect(answer.allocationRequests).toHaveLength(1000);
    const hosts = new Set(answer.allocationRequests.flatMap((ar: any) => ar.allocations.map((a: any) => hostOf(a.providerUuid))));
    expect(hosts.size).toBe(1);
    // Summaries cover only the trees used.
    expect(answer.providerSummaries).toHaveLength(9);
  });

  it('a limit trims the answer and its summaries to the trees kept', async () => {
    const s = await server(undefined, wideTrees(3, 2));
    const all = toAnswer(await candidates(s, { groups: [{ suffix: '_G', resources: { VGPU: 1 } }] }));
    expect(all.status === 'ok' && all.candidates).toHaveLength(6);
    for (const randomize of [false, true]) {
      const limited = await candidates(s, { groups: [{ suffix: '_G', resources: { VGPU: 1 } }], limit: 2 }).then((a) => a);
      const r = await ok(s, CANDIDATES_QUERY, { request: { ...candidatesInput({ groups: [{ suffix: '_G', resources: { VGPU: 1 } }], limit: 2 }), randomize } });
      const answer = toAnswer(r.allocationCandidates);
      if (answer.status !== 'ok' || all.status !== 'ok') throw new Error('unexpected');
      expect(answer.candidates).toHaveLength(2);
      for (const c of answer.candidates) expect(all.candidates).toContain(c);
      const roots = new Set(answer.candidates.flatMap(candidateProviders).map((p) => all.summaries[p].root));
      expect(new Set(Object.values(answer.summaries).map((x) => x.root))).toEqual(roots);
      expect(limited.allocationRequests).toHaveLength(2);
    }
  });
});

describe('a search that would never end', () => {
  // 12 groups, each wanting its own device (isolate), on a host with 11: no candidate, and an
  // exhaustive search would try about 11! orderings. The step bound refuses it in well under a
  // second, and the process goes on answering.
  const request = { groups: Array.from({ length: 12 }, (_, i) => ({ suffix: `_G${i}`, resources: { VGPU: 1 } })), groupPolicy: 'isolate' as const };

  it('is refused with LIMIT_EXCEEDED, for candidates, claims and explanations alike', async () => {
    const s = await server({ PLACEMENT_MAX_SEARCH_STEPS: '2000000', PLACEMENT_MAX_CANDIDATES: '1000' }, wideTrees(1, 11));
    const input = candidatesInput(request, false);
    const code = (r: any) => r.errors?.[0]?.extensions?.code;
    expect(code(await s.gql(CANDIDATES_QUERY, { request: input }))).toBe('LIMIT_EXCEEDED');
    expect(code(await s.gql(EXPLAIN_QUERY, { request: input }))).toBe('LIMIT_EXCEEDED');
    const claim = await s.gql(`mutation($input: ClaimAllocationCandidateInput!) { claimAllocationCandidate(input: $input) { replayed } }`, {
      input: { request: input, consumerUuid: u(900), projectId: 'p', userId: 'u', consumerType: 'INSTANCE' },
    });
    expect(code(claim)).toBe('LIMIT_EXCEEDED');
    // One group fewer fits: the bound does not refuse what it can finish.
    const fewer = candidatesInput({ ...request, groups: request.groups.slice(0, 11) }, false);
    expect((await ok(s, CANDIDATES_QUERY, { request: fewer })).allocationCandidates.allocationRequests).toHaveLength(1000);
  });
});

const host = (n: number, vcpu: number, extra: Partial<ProviderSpec> = {}): ProviderSpec => ({ uuid: u(n), name: `cn${n}`, inventories: { VCPU: vcpu, MEMORY_MB: 4096 }, ...extra });
const claimMutation = `mutation($input: SetAllocationsInput!) { setAllocations(input: $input) { consumers { uuid generation } } }`;
const claimInput = (consumer: string, allocations: unknown) => ({
  input: { consumer: { consumerUuid: consumer, consumerGeneration: null, projectId: 'p', userId: 'u', consumerType: 'INSTANCE', allocations } },
});

describe('claiming candidates', () => {
  it('feeds a candidate straight back into setAllocations; the next answer shows the usage', async () => {
    const s = await server(undefined, { providers: [host(1, 4)] });
    const want: CandidateRequest = { groups: [{ resources: { VCPU: 3, MEMORY_MB: 1024 } }] };
    const first = await candidates(s, want);
    expect(first.allocationRequests).toHaveLength(1);
    await ok(s, claimMutation, claimInput(u(501), first.allocationRequests[0].allocations));
    const after = await candidates(s, { groups: [{ resources: { VCPU: 1 } }] });
    const vcpu = after.providerSummaries[0].resources.find((r: any) => r.resourceClass === 'VCPU');
    expect(vcpu).toEqual({ resourceClass: 'VCPU', capacity: 4, used: 3 });
    expect((await candidates(s, want)).allocationRequests).toHaveLength(0);
  });

  it('two schedulers claiming the same candidate: one wins, the other gets CAPACITY_EXCEEDED, never oversubscription', async () => {
    const s = await server(undefined, { providers: [host(1, 2)] });
    const [a, b] = await Promise.all([1, 2].map(() => candidates(s, { groups: [{ resources: { VCPU: 2 } }] })));
    const results = await Promise.all([s.gql(claimMutation, claimInput(u(601), a.allocationRequests[0].allocations)), s.gql(claimMutation, claimInput(u(602), b.allocationRequests[0].allocations))]);
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['CAPACITY_EXCEEDED', 'OK']);
    const used = (await candidates(s, { groups: [{ resources: { MEMORY_MB: 1 } }] })).providerSummaries[0].resources.find((r: any) => r.resourceClass === 'VCPU').used;
    expect(used).toBe(2);
  });

  const oneStep = `mutation($input: ClaimAllocationCandidateInput!) {
    claimAllocationCandidate(input: $input) { consumer { uuid generation allocations { provider { uuid } resources { resourceClass amount } } } allocationRequest { mappings { suffix providerUuids } } }
  }`;
  const oneStepInput = (consumer: string, request: CandidateRequest) => ({
    input: { request: candidatesInput(request), consumerUuid: consumer, consumerGeneration: null, projectId: 'p', userId: 'u', consumerType: 'INSTANCE' },
  });

  it('one-step claims: 14 concurrent schedulers on room for 12 — 12 succeed, 2 find no candidate, nothing oversubscribed', async () => {
    const s = await server(undefined, { providers: [host(1, 4), host(2, 4), host(3, 4)] });
    const want: CandidateRequest = { groups: [{ resources: { VCPU: 1, MEMORY_MB: 256 } }] };
    const results = await Promise.all(Array.from({ length: 14 }, (_, i) => s.gql(oneStep, oneStepInput(u(700 + i), want))));
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK');
    expect(
      codes.filter((c) => c === 'OK'),
      JSON.stringify(codes),
    ).toHaveLength(12);
    expect(codes.filter((c) => c !== 'OK')).toEqual(['NO_CANDIDATE', 'NO_CANDIDATE']);
    const summaries = (await candidates(s, { groups: [{ resources: { MEMORY_MB: 1 } }] })).providerSummaries;
    for (const p of summaries) expect(p.resources.find((r: any) => r.resourceClass === 'VCPU')).toMatchObject({ capacity: 4, used: 4 });
    const ok1 = results.find((r) => !r.errors)!.data.claimAllocationCandidate;
    expect(ok1.consumer.generation).toBe(1);
    expect(ok1.allocationRequest.mappings[0].suffix).toBe('');
  });
});

describe('request validation', () => {
  const bad: [string, unknown][] = [
    ['no group asks for resources', { groups: [{ suffix: '_A', requiredTraits: ['HW_CPU_X86_AVX2'] }] }],
    ['same trait required and forbidden', { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1 }], requiredTraits: ['HW_CPU_X86_AVX2'], forbiddenTraits: ['HW_CPU_X86_AVX2'] }] }],
    ['every any-of trait forbidden', { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1 }], anyOfTraits: [['CUSTOM_A', 'HW_CPU_X86_AVX2']], forbiddenTraits: ['HW_CPU_X86_AVX2'] }] }],
    ['unknown resource class', { groups: [{ resources: [{ resourceClass: 'CUSTOM_NOPE', amount: 1 }] }] }],
    ['unknown trait', { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1 }], requiredTraits: ['CUSTOM_NOPE'] }] }],
    ['zero amount', { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 0 }] }] }],
    [
      'two named groups without a policy',
      {
        groups: [
          { suffix: '_A', resources: [{ resourceClass: 'VCPU', amount: 1 }] },
          { suffix: '_B', resources: [{ resourceClass: 'VCPU', amount: 1 }] },
        ],
      },
    ],
    ['resourceless group outside sameSubtree', { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1 }] }, { suffix: '_A', requiredTraits: ['HW_CPU_X86_AVX2'] }] }],
    ['unsuffixed group in sameSubtree', { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1 }] }], sameSubtree: [['']] }],
    ['unknown suffix in sameSubtree', { groups: [{ suffix: '_A', resources: [{ resourceClass: 'VCPU', amount: 1 }] }], sameSubtree: [['_A', '_B']] }],
    ['malformed in-tree uuid', { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1 }], inTree: 'nope' }] }],
    ['malformed aggregate', { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1 }], memberOf: [['nope']] }] }],
    ['bad suffix', { groups: [{ suffix: 'a b', resources: [{ resourceClass: 'VCPU', amount: 1 }] }] }],
    ['root trait required and forbidden', { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1 }] }], rootRequiredTraits: ['HW_CPU_X86_AVX2'], rootForbiddenTraits: ['HW_CPU_X86_AVX2'] }],
    ['limit 0', { groups: [{ resources: [{ resourceClass: 'VCPU', amount: 1 }] }], limit: 0 }],
  ];
  it.each(bad)('%s is BAD_VALUE', async (_, request) => {
    const s = opened[0] ?? (await server());
    const r = await s.gql(CANDIDATES_QUERY, { request });
    expect(r.errors?.map((e: any) => e.extensions?.code)).toEqual(['BAD_VALUE']);
  });

  it('the same suffix twice is DUPLICATE_KEY', async () => {
    const s = opened[0] ?? (await server());
    const g = { suffix: '_A', resources: [{ resourceClass: 'VCPU', amount: 1 }] };
    const r = await s.gql(CANDIDATES_QUERY, { request: { groups: [g, g], groupPolicy: 'NONE' } });
    expect(r.errors?.map((e: any) => e.extensions?.code)).toEqual(['DUPLICATE_KEY']);
  });
});

describe('limited requests search the first trees first', () => {
  it('falls back to every tree when the first ones cannot serve the limit', async () => {
    const providers = Array.from({ length: 10 }, (_, i) => host(i + 1, 4, i === 9 ? { traits: ['HW_CPU_X86_AVX2'] } : {}));
    const s = await server(undefined, { providers });
    const answer = toAnswer(await candidates(s, { groups: [{ resources: { VCPU: 1 }, required: ['HW_CPU_X86_AVX2'] }], limit: 1 }));
    expect(answer.status === 'ok' && answer.candidates).toEqual([`${u(10)}{VCPU:1} | =[${u(10)}]`]);
    const three = toAnswer(await candidates(s, { groups: [{ resources: { VCPU: 1 } }], limit: 3 }));
    expect(three.status === 'ok' && three.candidates).toHaveLength(3);
  });
});

describe('batching', () => {
  it('answers with the same number of SQL statements for 10 and 60 trees, summaries resolved to providers included', async () => {
    const query = `query($request: AllocationCandidatesInput!) { allocationCandidates(request: $request) {
      allocationRequests { allocations { providerUuid } }
      providerSummaries { uuid resourceProvider { name generation parent { name } } } } }`;
    const request = candidatesInput({ groups: [{ resources: { VCPU: 1 } }, { suffix: '_G', resources: { VGPU: 1 } }], groupPolicy: 'none' });
    const counts: number[] = [];
    for (const trees of [10, 60]) {
      const s = await server(undefined, wideTrees(trees, 2));
      const before = s.db.stats.statements;
      const data = await ok(s, query, { request });
      expect(data.allocationCandidates.allocationRequests).toHaveLength(trees * 2);
      counts.push(s.db.stats.statements - before);
    }
    expect(counts[0]).toBe(counts[1]);
    expect(counts[0]).toBeLessThan(12);
  });
});

describe('a reference bug not copied', () => {
  it('keeps every tree when the unsuffixed group is served only by a sharing provider', async () => {
    // The reference answers with one arbitrary compute host here (it de-duplicates the shared-disk
    // option across the trees it is anchored to before combining it with the named group).
    const agg = 'aaaaaaaa-0000-0000-0000-000000000001';
    const s = await server(undefined, {
      providers: [
        { uuid: u(1), name: 'cn1', inventories: { VCPU: 8 }, aggregates: [agg] },
        { uuid: u(2), name: 'cn2', inventories: { VCPU: 8 }, aggregates: [agg] },
        { uuid: u(3), name: 'ss', inventories: { DISK_GB: 1000 }, traits: ['MISC_SHARES_VIA_AGGREGATE'], aggregates: [agg] },
      ],
    });
    const answer = toAnswer(await candidates(s, { groups: [{ resources: { DISK_GB: 10 } }, { suffix: '_A', resources: { VCPU: 1 } }], groupPolicy: 'none' }));
    expect(answer.status === 'ok' && answer.candidates).toEqual([`${u(1)}{VCPU:1} ${u(3)}{DISK_GB:10} | =[${u(3)}] _A=[${u(1)}]`, `${u(2)}{VCPU:1} ${u(3)}{DISK_GB:10} | =[${u(3)}] _A=[${u(2)}]`]);
  });
});
