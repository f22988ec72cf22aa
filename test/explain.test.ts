// explainAllocationCandidates, reason by reason: each rule that keeps a tree out is named with its
// numbers, a tree one change away says which change (and only when the search agrees), and the
// summary counts what an operator reads first. Equivalence with the search: explain.equivalence.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidatesInput } from '../conformance/candidatesQuery.ts';
import { EXPLAIN_QUERY } from '../conformance/explainCheck.ts';
import type { CandidateRequest, ProviderSpec, Topology } from '../conformance/model.ts';
import { Ours } from '../conformance/ours.ts';
import { u } from './helpers.ts';

let ours: Ours;
beforeAll(async () => {
  ours = await Ours.open();
});
afterAll(() => ours.close());

const AGG = u(9001);
const OTHER_AGG = u(9002);

async function explain(topology: Topology, request: CandidateRequest, extra: Record<string, unknown> = {}) {
  await ours.reset();
  await ours.load(topology);
  const r = await ours.gql(EXPLAIN_QUERY, { request: candidatesInput(request, false), limit: 1000, ...extra });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data.explainAllocationCandidates;
}
const tree = (e: any, name: string) => e.trees.find((t: any) => t.rootName === name);
const host = (n: number, name: string, extra: Partial<ProviderSpec> = {}): ProviderSpec => ({ uuid: u(n), name, inventories: { VCPU: 8, MEMORY_MB: 4096 }, ...extra });
const vcpu = (amount: number, extra: Partial<CandidateRequest['groups'][0]> = {}): CandidateRequest => ({ groups: [{ resources: { VCPU: amount }, ...extra }] });

describe('reasons, one rule at a time', () => {
  it('capacity: requested, free, and how it is counted; the change that makes it fit', async () => {
    const topology: Topology = {
      providers: [
        { uuid: u(1), name: 'cn1' },
        { uuid: u(2), name: 'numa0', parent: u(1), inventories: { VCPU: { total: 4 } } },
        { uuid: u(3), name: 'numa1', parent: u(1), inventories: { VCPU: { total: 8, reserved: 2, allocationRatio: 1 } } },
        host(10, 'cn2'),
      ],
      consumers: [{ uuid: u(500), allocations: { [u(3)]: { VCPU: 4 }, [u(2)]: { VCPU: 4 } } }],
    };
    const e = await explain(topology, vcpu(4));
    expect(tree(e, 'cn2').fits).toBe(true);
    const cn1 = tree(e, 'cn1');
    expect(cn1.fits).toBe(false);
    // The unsuffixed group names the provider with the most free.
    expect(cn1.reasons).toEqual([
      expect.objectContaining({ kind: 'CAPACITY_SHORT', group: '', providerName: 'numa1', resourceClass: 'VCPU', requested: 4, free: 2, capacity: 6, used: 4, shortBy: 2 }),
    ]);
    expect(cn1.reasons[0].message).toBe('2 VCPU short on numa1: 4 requested, 2 free (capacity 6 = (total 8 - reserved 2) × allocation ratio 1; used 4)');
    expect(cn1.wouldFitIf.message).toBe('fits if 2 more VCPU were free on numa1');
    expect(e.summary.reasons).toEqual([expect.objectContaining({ kind: 'CAPACITY_SHORT', resourceClass: 'VCPU', trees: 1, largestShortBy: 2 })]);
  });

  it('min_unit, max_unit and step_size', async () => {
    const topology: Topology = {
      providers: [
        { uuid: u(1), name: 'min', inventories: { VCPU: { total: 16, minUnit: 4 } } },
        { uuid: u(2), name: 'max', inventories: { VCPU: { total: 16, maxUnit: 2 } } },
        { uuid: u(3), name: 'step', inventories: { VCPU: { total: 16, stepSize: 2 } } },
      ],
    };
    const e = await explain(topology, vcpu(3));
    expect(tree(e, 'min').reasons.map((r: any) => [r.kind, r.message])).toEqual([['BELOW_MIN_UNIT', '3 VCPU is below min_unit 4 on min']]);
    expect(tree(e, 'max').reasons.map((r: any) => r.kind)).toEqual(['ABOVE_MAX_UNIT']);
    expect(tree(e, 'step').reasons.map((r: any) => r.kind)).toEqual(['NOT_STEP_MULTIPLE']);
    // No single change to a provider's usage or traits lifts a unit rule.
    expect(e.trees.every((t: any) => t.wouldFitIf === null)).toBe(true);
    expect(e.summary.bestChange).toBeNull();
  });

  it('class not offered anywhere in the tree', async () => {
    const e = await explain({ providers: [host(1, 'cn1'), host(2, 'gpu', { inventories: { VGPU: 2 } })] }, { groups: [{ resources: { VGPU: 1 } }] });
    expect(tree(e, 'gpu').fits).toBe(true);
    expect(tree(e, 'cn1').reasons).toEqual([expect.objectContaining({ kind: 'CLASS_NOT_OFFERED', resourceClass: 'VGPU', providerUuid: null })]);
    expect(e.summary.reasons[0].message).toBe('1 tree offers no VGPU');
  });

  it('required, forbidden and any-of traits, with the trait that would make it fit', async () => {
    const topology: Topology = {
      providers: [host(1, 'plain'), host(2, 'avx', { traits: ['HW_CPU_X86_AVX2'] }), host(3, 'avx-ssd', { traits: ['HW_CPU_X86_AVX2', 'STORAGE_DISK_SSD'] })],
    };
    let e = await explain(topology, vcpu(1, { required: ['HW_CPU_X86_AVX2'], forbidden: ['STORAGE_DISK_SSD'] }));
    expect(e.treesFitting).toBe(1);
    expect(tree(e, 'plain').reasons).toEqual([expect.objectContaining({ kind: 'TRAIT_MISSING', traits: ['HW_CPU_X86_AVX2'] })]);
    expect(tree(e, 'plain').wouldFitIf.message).toBe('fits if plain had HW_CPU_X86_AVX2');
    expect(tree(e, 'avx-ssd').reasons).toEqual([expect.objectContaining({ kind: 'TRAIT_FORBIDDEN', traits: ['STORAGE_DISK_SSD'], providerName: 'avx-ssd' })]);
    expect(tree(e, 'avx-ssd').wouldFitIf.message).toBe('fits if avx-ssd did not have STORAGE_DISK_SSD');
    e = await explain(topology, vcpu(1, { anyOf: [['STORAGE_DISK_SSD', 'HW_NUMA_ROOT']] }));
    expect(tree(e, 'avx').reasons).toEqual([expect.objectContaining({ kind: 'ANY_OF_TRAITS_MISSING', traits: ['STORAGE_DISK_SSD', 'HW_NUMA_ROOT'] })]);
  });

  it('required and forbidden aggregates', async () => {
    const topology: Topology = { providers: [host(1, 'in', { aggregates: [AGG] }), host(2, 'out'), host(3, 'banned', { aggregates: [AGG, OTHER_AGG] })] };
    // Two classes from the same provider: still one reason, and one change.
    const e = await explain(topology, { groups: [{ resources: { VCPU: 1, MEMORY_MB: 512 }, memberOf: [[AGG]], forbiddenAggregates: [OTHER_AGG] }] });
    expect(e.trees.filter((t: any) => t.fits).map((t: any) => t.rootName)).toEqual(['in']);
    expect(tree(e, 'out').reasons).toEqual([expect.objectContaining({ kind: 'NOT_IN_AGGREGATE', aggregates: [AGG] })]);
    expect(tree(e, 'out').wouldFitIf.message).toBe(`fits if out were in aggregate ${AGG}`);
    expect(tree(e, 'banned').reasons).toEqual([expect.objectContaining({ kind: 'IN_FORBIDDEN_AGGREGATE', aggregates: [OTHER_AGG] })]);
  });

  it('two memberOf sets, one met by the provider and one by its root: named, and the join that fixes it', async () => {
    // The unsuffixed group takes a provider when it, or its root, is in every set: here neither is.
    const topology: Topology = {
      providers: [
        { uuid: u(1), name: 'cn', aggregates: [OTHER_AGG] },
        { uuid: u(2), name: 'numa0', parent: u(1), inventories: { VCPU: 8 }, aggregates: [AGG] },
      ],
    };
    const e = await explain(topology, vcpu(1, { memberOf: [[AGG], [OTHER_AGG]] }));
    expect(tree(e, 'cn').reasons).toEqual([expect.objectContaining({ kind: 'NOT_IN_AGGREGATE', providerName: 'numa0', aggregates: [OTHER_AGG] })]);
    expect(tree(e, 'cn').wouldFitIf.message).toBe(`fits if numa0 were in aggregate ${OTHER_AGG}`);
  });

  it('inTree and root traits', async () => {
    const topology: Topology = { providers: [host(1, 'cn1', { traits: ['CUSTOM_GOLD'] }), host(2, 'cn2')] };
    let e = await explain(topology, vcpu(1, { inTree: u(1) }));
    expect(tree(e, 'cn2').reasons).toEqual([expect.objectContaining({ kind: 'OUTSIDE_IN_TREE', providerName: 'cn1' })]);
    e = await explain(topology, { ...vcpu(1), rootRequired: ['CUSTOM_GOLD'] });
    expect(tree(e, 'cn2').reasons).toEqual([expect.objectContaining({ kind: 'ROOT_TRAIT_MISSING', group: null, traits: ['CUSTOM_GOLD'] })]);
    expect(tree(e, 'cn2').wouldFitIf.message).toBe('fits if cn2 had CUSTOM_GOLD');
    e = await explain(topology, { ...vcpu(1), rootForbidden: ['CUSTOM_GOLD'] });
    expect(tree(e, 'cn1').reasons).toEqual([expect.objectContaining({ kind: 'ROOT_TRAIT_FORBIDDEN', traits: ['CUSTOM_GOLD'] })]);
  });

  it('isolate: the groups would need the same provider', async () => {
    const e = await explain(
      { providers: [host(1, 'one')] },
      {
        groups: [
          { suffix: 'A', resources: { VCPU: 1 } },
          { suffix: 'B', resources: { VCPU: 1 } },
        ],
        groupPolicy: 'isolate',
      },
    );
    expect(tree(e, 'one').reasons).toEqual([expect.objectContaining({ kind: 'ISOLATE', group: null })]);
    expect(tree(e, 'one').wouldFitIf.message).toBe('fits if the groups could share a provider (groupPolicy NONE)');
  });

  it('same subtree: each group fits alone, not under one provider', async () => {
    const topology: Topology = {
      providers: [
        { uuid: u(1), name: 'cn' },
        { uuid: u(2), name: 'numa0', parent: u(1), inventories: { VCPU: 8 } },
        { uuid: u(3), name: 'numa1', parent: u(1) },
        { uuid: u(4), name: 'nic1', parent: u(3), inventories: { SRIOV_NET_VF: 4 } },
      ],
    };
    const e = await explain(topology, {
      groups: [
        { suffix: 'C', resources: { VCPU: 1 } },
        { suffix: 'N', resources: { SRIOV_NET_VF: 1 } },
      ],
      groupPolicy: 'none',
      sameSubtree: [['C', 'N']],
    });
    expect(tree(e, 'cn').reasons).toEqual([expect.objectContaining({ kind: 'SAME_SUBTREE' })]);
    expect(tree(e, 'cn').wouldFitIf.message).toBe('fits without sameSubtree');
  });

  it('combined capacity: each group fits alone, together they overfill', async () => {
    const e = await explain(
      { providers: [host(1, 'cn1', { inventories: { VCPU: 6 } })] },
      {
        groups: [{ resources: { VCPU: 4 } }, { suffix: 'X', resources: { VCPU: 4 } }],
        groupPolicy: 'none',
      },
    );
    expect(tree(e, 'cn1').reasons.map((r: any) => r.kind)).toEqual(['COMBINED_CAPACITY']);
  });

  it('a sharing provider the tree shares no aggregate with, and the aggregate that would join them', async () => {
    const topology: Topology = {
      providers: [host(1, 'cn1', { aggregates: [AGG] }), host(2, 'cn2'), { uuid: u(3), name: 'ss', inventories: { DISK_GB: 1000 }, traits: ['MISC_SHARES_VIA_AGGREGATE'], aggregates: [AGG] }],
    };
    const e = await explain(topology, { groups: [{ resources: { VCPU: 1, DISK_GB: 100 } }] });
    expect(tree(e, 'cn1').fits).toBe(true);
    expect(
      tree(e, 'cn1')
        .example.allocations.map((a: any) => a.providerUuid)
        .sort(),
    ).toEqual([u(1), u(3)]);
    expect(tree(e, 'cn2').reasons).toEqual([expect.objectContaining({ kind: 'SHARING_UNREACHABLE', resourceClass: 'DISK_GB', providerName: 'ss' })]);
    expect(tree(e, 'cn2').wouldFitIf.message).toBe("fits if the tree's root joined an aggregate of the sharing provider ss");
    expect(tree(e, 'ss').reasons.map((r: any) => r.kind)).toEqual(['CLASS_NOT_OFFERED']);
  });
});

describe('summary and scope', () => {
  const cloud: Topology = {
    providers: [
      host(1, 'full1'),
      host(2, 'full2'),
      host(3, 'full3'),
      host(4, 'slow', { inventories: { VCPU: 8, MEMORY_MB: 8192 } }),
      host(5, 'fast', { traits: ['HW_CPU_X86_AVX2'], inventories: { VCPU: 8, MEMORY_MB: 8192 } }),
    ],
    consumers: [1, 2, 3].map((n) => ({ uuid: u(600 + n), allocations: { [u(n)]: { MEMORY_MB: 1024 * n } } })),
  };
  const request: CandidateRequest = { groups: [{ resources: { VCPU: 2, MEMORY_MB: 4096 }, required: ['HW_CPU_X86_AVX2'] }] };

  it('counts reasons over trees, and names the change that makes the most fit', async () => {
    const e = await explain(cloud, request);
    expect(e.treesConsidered).toBe(5);
    expect(e.treesFitting).toBe(1);
    // The three full hosts lack both capacity and the trait: no single change.
    expect(e.summary.reasons.map((r: any) => r.message)).toEqual(['4 trees lack HW_CPU_X86_AVX2', '3 trees lack capacity for MEMORY_MB, short by up to 3072']);
    expect(e.summary.bestChange.message).toBe('1 tree would fit if a provider had HW_CPU_X86_AVX2');
    // Largest free among trees whose traits matched: only `fast`.
    expect(e.summary.largestFree).toEqual([
      { resourceClass: 'VCPU', free: 8, providerUuid: u(5), providerName: 'fast' },
      { resourceClass: 'MEMORY_MB', free: 8192, providerUuid: u(5), providerName: 'fast' },
    ]);
    // Fitting first, then the one that is a change away, then the rest.
    expect(e.trees.map((t: any) => t.rootName)).toEqual(['fast', 'slow', 'full1', 'full2', 'full3']);
  });

  it('lists at most `limit` trees and judges only the trees of the providers named', async () => {
    let e = await explain(cloud, request, { limit: 2 });
    expect(e.trees).toHaveLength(2);
    expect(e.treesConsidered).toBe(5);
    e = await explain(cloud, request, { providerUuids: [u(2), u(4)] });
    expect(e.treesConsidered).toBe(2);
    expect(e.trees.map((t: any) => t.rootName)).toEqual(['slow', 'full2']);
  });

  it('refuses an unknown provider, a bad limit and an unknown trait with codes, like the search', async () => {
    const ask = (vars: Record<string, unknown>, r: CandidateRequest = request) => ours.gql(EXPLAIN_QUERY, { request: candidatesInput(r, false), ...vars });
    const code = (r: any) => r.errors?.[0]?.extensions?.code;
    expect(code(await ask({ providerUuids: [u(77)] }))).toBe('NOT_FOUND');
    expect(code(await ask({ providerUuids: ['not-a-uuid'] }))).toBe('BAD_VALUE');
    expect(code(await ask({ limit: 0 }))).toBe('BAD_VALUE');
    expect(code(await ask({ limit: 100_000 }))).toBe('BAD_VALUE');
    expect(code(await ask({}, vcpu(1, { required: ['CUSTOM_NOT_A_TRAIT'] })))).toBe('BAD_VALUE');
  });
});

describe('without the world cache', () => {
  it('reads every tree from the database and explains alike', async () => {
    const direct = await Ours.open({ PLACEMENT_MAX_CANDIDATES: '-1', PLACEMENT_WORLD_CACHE: 'off' });
    try {
      const topology: Topology = { providers: [host(1, 'small', { inventories: { VCPU: 2 } }), host(2, 'big')] };
      await direct.load(topology);
      const r = await direct.gql(EXPLAIN_QUERY, { request: candidatesInput(vcpu(4), false) });
      expect(r.errors).toBeUndefined();
      const e = r.data.explainAllocationCandidates;
      expect(e.trees.map((t: any) => [t.rootName, t.fits, t.wouldFitIf?.message ?? null])).toEqual([
        ['big', true, null],
        ['small', false, 'fits if the VCPU capacity of small were 2 higher'],
      ]);
      expect(e.trees[1].reasons).toEqual([expect.objectContaining({ kind: 'CAPACITY_SHORT', requested: 4, free: 2, shortBy: 2 })]);
    } finally {
      await direct.close();
    }
  });
});

describe('statements', () => {
  it('does not grow with the number of trees, their roots read through the loaders included', async () => {
    const query = `query($request: AllocationCandidatesInput!) { explainAllocationCandidates(request: $request) {
      trees { rootName root { name generation inventories { resourceClass used } } reasons { message } } summary { reasons { message } } } }`;
    const counts: number[] = [];
    for (const n of [2, 20]) {
      await ours.reset();
      await ours.load({ providers: Array.from({ length: n }, (_, i) => host(i + 1, `cn${i}`, { inventories: { VCPU: 2 + (i % 3) } })) });
      const before = ours.db.stats.statements;
      const r = await ours.gql(query, { request: candidatesInput(vcpu(3), false) });
      expect(r.errors).toBeUndefined();
      expect(r.data.explainAllocationCandidates.trees).toHaveLength(n);
      counts.push(ours.db.stats.statements - before);
    }
    expect(counts[0]).toBe(counts[1]);
  });
});
