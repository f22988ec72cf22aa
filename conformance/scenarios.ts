// The conformance scenario library: the situations of the reference's candidates tests (gabbits
// allocation-candidates*.yaml, granular*.yaml, same-subtree-deep.yaml, shared-resources.yaml and
// their fixtures in fixtures/gabbits.py), rebuilt in our own words, plus capacity edges of our own.
// Each scenario is a topology and named requests; `npm run conformance:record` stores the
// reference's answers under test/conformance/fixtures/, and test/conformance.test.ts compares ours with them.
import type { CandidateRequest, GroupSpec, InventorySpec, ProviderSpec, Scenario, Topology } from './model.ts';

const u = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const agg = (n: number) => `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, '0')}`;
const c = (n: number) => `cccccccc-0000-4000-8000-${String(n).padStart(12, '0')}`;
const AGG1 = agg(1);
const AGG2 = agg(2);
const AGG3 = agg(3);
const SHARES = 'MISC_SHARES_VIA_AGGREGATE';

const rp = (n: number, name: string, extra: Partial<ProviderSpec> = {}): ProviderSpec => ({ uuid: u(n), name, ...extra });
const g = (resources: Record<string, number>, extra: Partial<GroupSpec> = {}): GroupSpec => ({ resources, ...extra });
const named = (suffix: string, resources: Record<string, number>, extra: Partial<GroupSpec> = {}): GroupSpec => ({ suffix, resources, ...extra });
const req = (groups: GroupSpec[], extra: Partial<CandidateRequest> = {}): CandidateRequest => ({ groups, ...extra });

// ---- topologies -----------------------------------------------------------------------------

/** Two compute hosts sharing one storage pool through an aggregate (SharedStorageFixture). */
function sharedStorage(): Topology {
  return {
    providers: [
      rp(1, 'cn1', { inventories: { VCPU: { total: 24, allocationRatio: 16 }, MEMORY_MB: { total: 131072, allocationRatio: 1.5 } }, aggregates: [AGG1] }),
      rp(2, 'cn2', { inventories: { VCPU: { total: 24, allocationRatio: 16 }, MEMORY_MB: { total: 131072, allocationRatio: 1.5 } }, aggregates: [AGG1], traits: ['HW_CPU_X86_SSE'] }),
      rp(3, 'shared-storage', {
        inventories: { DISK_GB: { total: 2000, reserved: 100, minUnit: 10, maxUnit: 100, stepSize: 10 } },
        traits: [SHARES, 'STORAGE_DISK_SSD'],
        aggregates: [AGG1],
      }),
    ],
  };
}

/** Local disk on each host and no sharing (NonSharedStorageFixture). */
function localStorage(): Topology {
  return {
    providers: [rp(1, 'cn1', { inventories: { VCPU: 8, MEMORY_MB: 2048, DISK_GB: 500 } }), rp(2, 'cn2', { inventories: { VCPU: 8, MEMORY_MB: 2048, DISK_GB: 500 }, traits: ['HW_CPU_X86_AVX2'] })],
  };
}

/** Hosts with local disk and a shared pool as well (mixed, allocation-candidates.yaml). */
function mixedStorage(): Topology {
  const t = sharedStorage();
  t.providers[0].inventories!.DISK_GB = 100;
  return t;
}

/** Two NUMA hosts, each cell with PFs carrying VFs on physnets (NUMANetworkFixture). */
function numaNetwork(): Topology {
  const providers: ProviderSpec[] = [];
  for (const [h, base] of [
    [1, 100],
    [2, 200],
  ] as const) {
    providers.push(rp(base, `cn${h}`, { inventories: { DISK_GB: 1000 }, traits: h === 1 ? ['HW_CPU_X86_AVX2'] : [], aggregates: h === 1 ? [AGG1] : [AGG2] }));
    for (const cell of [0, 1]) {
      const numa = base + 10 * (cell + 1);
      providers.push(rp(numa, `cn${h}-numa${cell}`, { parent: u(base), inventories: { VCPU: 4, MEMORY_MB: 2048 }, traits: ['HW_NUMA_ROOT'] }));
      for (const pf of [0, 1]) {
        providers.push(
          rp(numa + pf + 1, `cn${h}-numa${cell}-pf${pf}`, {
            parent: u(numa),
            inventories: { SRIOV_NET_VF: 8, NET_BW_EGR_KILOBIT_PER_SEC: 10000 },
            traits: [pf === 0 ? 'CUSTOM_PHYSNET_PUBLIC' : 'CUSTOM_PHYSNET_PRIVATE', ...(cell === 1 ? ['HW_NIC_SRIOV'] : [])],
          }),
        );
      }
    }
  }
  return { providers };
}

/** Three hosts and sharing disk/network pools over aggregates (GranularFixture). */
function granular(): Topology {
  return {
    providers: [
      rp(1, 'cn_left', { inventories: { VCPU: 8, MEMORY_MB: 4096, DISK_GB: 500, SRIOV_NET_VF: 8, CUSTOM_NET_MBPS: 4000 }, traits: ['HW_CPU_X86_AVX', 'CUSTOM_PHYSNET1'], aggregates: [AGG1] }),
      rp(2, 'cn_middle', { inventories: { VCPU: 8, MEMORY_MB: 4096, SRIOV_NET_VF: 8, CUSTOM_NET_MBPS: 4000 }, traits: ['HW_CPU_X86_AVX2', 'CUSTOM_PHYSNET2'], aggregates: [AGG1, AGG2] }),
      rp(3, 'cn_right', { inventories: { VCPU: 8, MEMORY_MB: 4096, DISK_GB: 500 }, traits: ['HW_CPU_X86_AVX2', 'CUSTOM_DISK_SSD'], aggregates: [AGG2] }),
      rp(4, 'shr_disk_1', { inventories: { DISK_GB: 1000 }, traits: [SHARES, 'CUSTOM_DISK_SSD'], aggregates: [AGG1] }),
      rp(5, 'shr_disk_2', { inventories: { DISK_GB: 1000 }, traits: [SHARES], aggregates: [AGG1, AGG2] }),
      rp(6, 'shr_net', { inventories: { SRIOV_NET_VF: 16, CUSTOM_NET_MBPS: 40000 }, traits: [SHARES, 'CUSTOM_PHYSNET2'], aggregates: [AGG2] }),
    ],
  };
}

/** Roots with different traits for root_required (allocation-candidates-root-required.yaml). */
function rootTraits(): Topology {
  return {
    providers: [
      rp(1, 'cn-avx', { inventories: { VCPU: 8 }, traits: ['HW_CPU_X86_AVX2', 'CUSTOM_GOLD'] }),
      rp(2, 'cn-avx-numa', { parent: u(1), inventories: { VCPU: 4 }, traits: ['HW_NUMA_ROOT'] }),
      rp(3, 'cn-plain', { inventories: { VCPU: 8 } }),
      rp(4, 'cn-plain-numa', { parent: u(3), inventories: { VCPU: 4 }, traits: ['HW_CPU_X86_AVX2'] }),
      rp(5, 'cn-silver', { inventories: { VCPU: 8, DISK_GB: 100 }, traits: ['CUSTOM_SILVER'], aggregates: [AGG1] }),
      rp(6, 'ss', { inventories: { DISK_GB: 500 }, traits: [SHARES, 'CUSTOM_GOLD'], aggregates: [AGG1] }),
    ],
  };
}

/** Aggregates on roots versus on NUMA children (NUMAAggregateFixture). */
function numaAggregates(): Topology {
  return {
    providers: [
      rp(1, 'cn1', { aggregates: [AGG1] }),
      rp(2, 'cn1-numa0', { parent: u(1), inventories: { VCPU: 4, MEMORY_MB: 2048 }, aggregates: [AGG2] }),
      rp(3, 'cn1-numa1', { parent: u(1), inventories: { VCPU: 4, MEMORY_MB: 2048 } }),
      rp(4, 'cn2', { aggregates: [AGG2] }),
      rp(5, 'cn2-numa0', { parent: u(4), inventories: { VCPU: 4, MEMORY_MB: 2048 }, aggregates: [AGG1] }),
      rp(6, 'cn2-numa1', { parent: u(4), inventories: { VCPU: 4, MEMORY_MB: 2048 }, aggregates: [AGG3] }),
    ],
  };
}

/** A deep tree for same_subtree (same-subtree-deep.yaml): host → sockets → numa → devices. */
function deepTree(): Topology {
  const providers: ProviderSpec[] = [rp(1, 'host', { inventories: { DISK_GB: 100 } })];
  let n = 10;
  for (const s of [0, 1]) {
    const socket = n++;
    providers.push(rp(socket, `socket${s}`, { parent: u(1), traits: ['CUSTOM_SOCKET'] }));
    for (const m of [0, 1]) {
      const numa = n++;
      providers.push(rp(numa, `socket${s}-numa${m}`, { parent: u(socket), inventories: { VCPU: 4, MEMORY_MB: 1024 }, traits: ['HW_NUMA_ROOT'] }));
      providers.push(rp(n++, `socket${s}-numa${m}-fpga`, { parent: u(numa), inventories: { FPGA: 1 }, traits: [s === 0 ? 'CUSTOM_FPGA_INTEL' : 'CUSTOM_FPGA_XILINX'] }));
      providers.push(rp(n++, `socket${s}-numa${m}-nic`, { parent: u(numa), inventories: { SRIOV_NET_VF: 4 }, traits: ['CUSTOM_PHYSNET1'] }));
    }
    providers.push(rp(n++, `socket${s}-gpu`, { parent: u(socket), inventories: { VGPU: 2 }, traits: ['CUSTOM_GPU'] }));
  }
  return { providers };
}

/** The nested perfload tree (nested-perfload.yaml), a few copies. */
function nestedPerfload(trees: number): Topology {
  const providers: ProviderSpec[] = [];
  for (let t = 0; t < trees; t++) {
    const b = 100 * (t + 1);
    providers.push(rp(b, `cn${t}`, { inventories: { DISK_GB: 20480 }, traits: ['COMPUTE_VOLUME_MULTI_ATTACH'] }));
    providers.push(rp(b + 1, `cn${t}-numa0`, { parent: u(b), inventories: { VCPU: { total: 4, reserved: 2 }, MEMORY_MB: { total: 2048, minUnit: 512, stepSize: 256 } }, traits: ['HW_NUMA_ROOT'] }));
    providers.push(rp(b + 2, `cn${t}-fpga0`, { parent: u(b + 1), inventories: { FPGA: 1 } }));
    providers.push(rp(b + 3, `cn${t}-pgpu0`, { parent: u(b + 1), inventories: { VGPU: 8 } }));
    providers.push(rp(b + 4, `cn${t}-numa1`, { parent: u(b), inventories: { VCPU: 4, MEMORY_MB: { total: 2048, minUnit: 256, maxUnit: 1024 } }, traits: ['HW_NUMA_ROOT', 'CUSTOM_FOO'] }));
    providers.push(rp(b + 5, `cn${t}-fpga1_0`, { parent: u(b + 4), inventories: { FPGA: 1 } }));
    providers.push(rp(b + 6, `cn${t}-fpga1_1`, { parent: u(b + 4), inventories: { FPGA: 1 } }));
  }
  return { providers };
}

/** Flat perfload-style hosts: aggregates cycling {1}, {1,2}, {1,2,3}; AVX2 on every other one. */
function flatHosts(n: number): Topology {
  const sets = [[AGG1], [AGG1, AGG2], [AGG1, AGG2, AGG3]];
  return {
    providers: Array.from({ length: n }, (_, i) =>
      rp(i + 1, `host${i}`, {
        inventories: { MEMORY_MB: { total: 8192, minUnit: 128, maxUnit: 8192 }, DISK_GB: { total: 8192, minUnit: 5, maxUnit: 8192 }, VCPU: { total: 32, maxUnit: 16 } },
        aggregates: sets[i % 3],
        traits: i % 2 ? ['HW_CPU_X86_AVX2'] : [],
      }),
    ),
  };
}

/** Trait-rich flat hosts for any-of and forbidden traits (allocation-candidates-any-traits.yaml). */
function traitHosts(): Topology {
  const traits = [['CUSTOM_A'], ['CUSTOM_B'], ['CUSTOM_A', 'CUSTOM_B'], ['CUSTOM_C'], []];
  return { providers: traits.map((t, i) => rp(i + 1, `host-${i}`, { inventories: { VCPU: 4, MEMORY_MB: 1024 }, traits: t })) };
}

/** A tree whose traits sit on different levels than its resources (nested trait semantics). */
function traitsAcrossTree(): Topology {
  return {
    providers: [
      rp(1, 'cn1', { inventories: { DISK_GB: 100 }, traits: ['CUSTOM_ROOT_TRAIT'] }),
      rp(2, 'cn1-numa0', { parent: u(1), inventories: { VCPU: 4 }, traits: ['HW_CPU_X86_AVX2'] }),
      rp(3, 'cn1-numa1', { parent: u(1), inventories: { VCPU: 4 }, traits: ['CUSTOM_SLOW'] }),
      rp(4, 'cn2', { inventories: { DISK_GB: 100, VCPU: 4 }, traits: ['HW_CPU_X86_AVX2'] }),
    ],
  };
}

/** A host with one inventory record of given properties, and optionally allocations on it. */
function single(inv: InventorySpec, used?: number, cls = 'VCPU'): Topology {
  const t: Topology = { providers: [rp(1, 'host', { inventories: { [cls]: inv } }), rp(2, 'other', { inventories: { [cls]: 1000 } })] };
  if (used) t.consumers = [{ uuid: c(1), allocations: { [u(1)]: { [cls]: used } } }];
  return t;
}

// ---- scenarios -------------------------------------------------------------------------------

const s = (name: string, source: string, topology: Topology, requests: Record<string, CandidateRequest>): Scenario => ({
  name,
  source,
  topology,
  requests: Object.entries(requests).map(([n, request]) => ({ name: n, request })),
});

const AC = 'gabbits/allocation-candidates.yaml';
const GR = 'gabbits/granular.yaml';

export const allScenarios: Scenario[] = [
  // -- shared storage ---------------------------------------------------------------------------
  s('shared-compute-and-disk', AC, sharedStorage(), {
    'vcpu-ram-disk': req([g({ VCPU: 1, MEMORY_MB: 1024, DISK_GB: 100 })]),
    'disk-only': req([g({ DISK_GB: 100 })]),
    'vcpu-only': req([g({ VCPU: 1 })]),
  }),
  s('shared-disk-step-and-bounds', AC, sharedStorage(), {
    'off-step': req([g({ VCPU: 1, DISK_GB: 15 })]),
    'over-max-unit': req([g({ VCPU: 1, DISK_GB: 110 })]),
    'under-min-unit': req([g({ VCPU: 1, DISK_GB: 5 })]),
    'on-step': req([g({ VCPU: 1, DISK_GB: 20 })]),
  }),
  s('shared-required-trait-on-pool', AC, sharedStorage(), {
    'ssd-required': req([g({ VCPU: 1, DISK_GB: 10 }, { required: ['STORAGE_DISK_SSD'] })]),
    'ssd-forbidden': req([g({ VCPU: 1, DISK_GB: 10 }, { forbidden: ['STORAGE_DISK_SSD'] })]),
    'sse-required': req([g({ VCPU: 1, DISK_GB: 10 }, { required: ['HW_CPU_X86_SSE'] })]),
    'sse-and-ssd': req([g({ VCPU: 1, DISK_GB: 10 }, { required: ['HW_CPU_X86_SSE', 'STORAGE_DISK_SSD'] })]),
  }),
  s('shared-member-of', AC, sharedStorage(), {
    'in-agg': req([g({ VCPU: 1, DISK_GB: 10 }, { memberOf: [[AGG1]] })]),
    'other-agg': req([g({ VCPU: 1, DISK_GB: 10 }, { memberOf: [[AGG2]] })]),
    'forbidden-agg': req([g({ VCPU: 1, DISK_GB: 10 }, { forbiddenAggregates: [AGG1] })]),
    'any-of-aggs': req([g({ VCPU: 1 }, { memberOf: [[AGG1, AGG2]] })]),
  }),
  s('shared-mixed-local-and-pool', AC, mixedStorage(), {
    'disk-anywhere': req([g({ VCPU: 1, DISK_GB: 10 })]),
    'disk-too-big-for-local': req([g({ VCPU: 1, DISK_GB: 200 })]),
  }),
  s('shared-pool-only-with-named', 'gabbits/shared-resources.yaml', sharedStorage(), {
    'named-vcpu-shared-disk': req([g({ DISK_GB: 10 }), named('_C', { VCPU: 1 })], { groupPolicy: 'none' }),
    'named-disk': req([named('_D', { DISK_GB: 10 })]),
  }),
  s(
    'shared-pool-without-aggregate',
    'gabbits/shared-resources.yaml',
    {
      providers: [rp(1, 'cn1', { inventories: { VCPU: 4 } }), rp(2, 'lonely-pool', { inventories: { DISK_GB: 100 }, traits: [SHARES] })],
    },
    {
      'disk-alone': req([g({ DISK_GB: 10 })]),
      'vcpu-and-disk': req([g({ VCPU: 1, DISK_GB: 10 })]),
    },
  ),
  s(
    'two-sharing-pools-one-aggregate',
    'gabbits/shared-resources.yaml',
    {
      providers: [
        rp(1, 'cn1', { inventories: { VCPU: 4 }, aggregates: [AGG1] }),
        rp(2, 'pool-a', { inventories: { DISK_GB: 100 }, traits: [SHARES], aggregates: [AGG1] }),
        rp(3, 'pool-b', { inventories: { DISK_GB: 100, IPV4_ADDRESS: 10 }, traits: [SHARES], aggregates: [AGG1] }),
      ],
    },
    {
      'disk-and-ip': req([g({ VCPU: 1, DISK_GB: 10, IPV4_ADDRESS: 1 })]),
      'disk-only': req([g({ VCPU: 1, DISK_GB: 10 })]),
    },
  ),
  s(
    'sharing-pool-also-compute',
    'gabbits/shared-resources.yaml',
    {
      providers: [rp(1, 'cn1', { inventories: { VCPU: 4 }, aggregates: [AGG1] }), rp(2, 'pool-with-cpu', { inventories: { VCPU: 2, DISK_GB: 100 }, traits: [SHARES], aggregates: [AGG1] })],
    },
    {
      'vcpu-and-disk': req([g({ VCPU: 1, DISK_GB: 10 })]),
      'vcpu-only': req([g({ VCPU: 1 })]),
    },
  ),
  s(
    'sharing-across-two-aggregates',
    'gabbits/shared-resources.yaml',
    {
      providers: [
        rp(1, 'cn1', { inventories: { VCPU: 4 }, aggregates: [AGG1] }),
        rp(2, 'cn2', { inventories: { VCPU: 4 }, aggregates: [AGG2] }),
        rp(3, 'cn3', { inventories: { VCPU: 4 } }),
        rp(4, 'pool', { inventories: { DISK_GB: 100 }, traits: [SHARES], aggregates: [AGG1, AGG2] }),
      ],
    },
    {
      'vcpu-and-disk': req([g({ VCPU: 1, DISK_GB: 10 })]),
      'member-of-agg2': req([g({ VCPU: 1, DISK_GB: 10 }, { memberOf: [[AGG2]] })]),
    },
  ),
  s(
    'shared-storage-full',
    AC,
    { ...sharedStorage(), consumers: [{ uuid: c(1), allocations: { [u(3)]: { DISK_GB: 100 } } }] },
    {
      'still-room': req([g({ VCPU: 1, DISK_GB: 100 })]),
    },
  ),

  // -- local storage / flat --------------------------------------------------------------------
  s('local-storage-basic', AC, localStorage(), {
    'fits-both': req([g({ VCPU: 1, MEMORY_MB: 512, DISK_GB: 10 })]),
    'required-avx2': req([g({ VCPU: 1 }, { required: ['HW_CPU_X86_AVX2'] })]),
    'forbidden-avx2': req([g({ VCPU: 1 }, { forbidden: ['HW_CPU_X86_AVX2'] })]),
    'too-big': req([g({ VCPU: 9 })]),
  }),
  s('local-storage-limit', AC, localStorage(), { 'limit-one': req([g({ VCPU: 1 })], { limit: 1 }) }),
  s('flat-perfload', 'gate/perfload-runner.sh', flatHosts(9), {
    perfload: req([g({ VCPU: 1, DISK_GB: 10, MEMORY_MB: 256 }, { memberOf: [[AGG1]], required: ['HW_CPU_X86_AVX2'] })]),
    'member-of-3': req([g({ VCPU: 1 }, { memberOf: [[AGG3]] })]),
    'member-of-all-of': req([g({ VCPU: 1 }, { memberOf: [[AGG1], [AGG2]] })]),
    'member-of-forbidden': req([g({ VCPU: 1 }, { forbiddenAggregates: [AGG2] })]),
    'vcpu-over-max-unit': req([g({ VCPU: 17 })]),
    limited: req([g({ VCPU: 1 })], { limit: 4 }),
  }),
  s('unknown-aggregate', 'gabbits/allocation-candidates-member-of.yaml', flatHosts(3), {
    'unknown-only': req([g({ VCPU: 1 }, { memberOf: [[agg(99)]] })]),
    'unknown-or-known': req([g({ VCPU: 1 }, { memberOf: [[agg(99), AGG2]] })]),
    'forbid-unknown': req([g({ VCPU: 1 }, { forbiddenAggregates: [agg(99)] })]),
  }),

  // -- any-of and forbidden traits --------------------------------------------------------------
  s('any-traits', 'gabbits/allocation-candidates-any-traits.yaml', traitHosts(), {
    'a-or-b': req([g({ VCPU: 1 }, { anyOf: [['CUSTOM_A', 'CUSTOM_B']] })]),
    'a-or-b-and-not-a': req([g({ VCPU: 1 }, { anyOf: [['CUSTOM_A', 'CUSTOM_B']], forbidden: ['CUSTOM_A'] })]),
    'a-or-c-and-b': req([g({ VCPU: 1 }, { anyOf: [['CUSTOM_A', 'CUSTOM_C']], required: ['CUSTOM_B'] })]),
    'two-any-sets': req([
      g(
        { VCPU: 1 },
        {
          anyOf: [
            ['CUSTOM_A', 'CUSTOM_C'],
            ['CUSTOM_B', 'CUSTOM_C'],
          ],
        },
      ),
    ]),
    'forbid-a-and-b': req([g({ VCPU: 1 }, { forbidden: ['CUSTOM_A', 'CUSTOM_B'] })]),
  }),
  s('any-traits-granular', 'gabbits/allocation-candidates-any-traits.yaml', traitHosts(), {
    'named-any': req([named('1', { VCPU: 1 }, { anyOf: [['CUSTOM_B', 'CUSTOM_C']] })]),
    'named-any-forbidden': req([named('1', { VCPU: 1 }, { anyOf: [['CUSTOM_A', 'CUSTOM_B']], forbidden: ['CUSTOM_B'] })]),
    'conflict-any-all-forbidden': req([g({ VCPU: 1 }, { anyOf: [['CUSTOM_A', 'CUSTOM_B']], forbidden: ['CUSTOM_A', 'CUSTOM_B'] })]),
  }),
  s('traits-spread-over-tree', 'gabbits/allocation-candidates-bug-2070257.yaml', traitsAcrossTree(), {
    'root-trait-with-disk': req([g({ VCPU: 1, DISK_GB: 10 }, { required: ['CUSTOM_ROOT_TRAIT'] })]),
    'root-trait-vcpu-only': req([g({ VCPU: 1 }, { required: ['CUSTOM_ROOT_TRAIT'] })]),
    'avx2-with-disk': req([g({ VCPU: 1, DISK_GB: 10 }, { required: ['HW_CPU_X86_AVX2'] })]),
    'forbid-slow': req([g({ VCPU: 1, DISK_GB: 10 }, { forbidden: ['CUSTOM_SLOW'] })]),
    'forbid-root-trait': req([g({ VCPU: 1 }, { forbidden: ['CUSTOM_ROOT_TRAIT'] })]),
  }),

  // -- nested: NUMA and networks ----------------------------------------------------------------
  s('numa-unsuffixed-spread', 'gabbits/allocation-candidates.yaml', numaNetwork(), {
    'vcpu-ram-disk': req([g({ VCPU: 2, MEMORY_MB: 1024, DISK_GB: 10 })]),
    'vcpu-and-vf': req([g({ VCPU: 1, SRIOV_NET_VF: 1 })]),
    'vcpu-over-one-cell': req([g({ VCPU: 5 })]),
  }),
  s('numa-granular-cells', GR, numaNetwork(), {
    'two-cells-isolate': req([named('_NUMA0', { VCPU: 2, MEMORY_MB: 1024 }), named('_NUMA1', { VCPU: 2, MEMORY_MB: 1024 })], { groupPolicy: 'isolate' }),
    'two-cells-none': req([named('_NUMA0', { VCPU: 2, MEMORY_MB: 1024 }), named('_NUMA1', { VCPU: 2, MEMORY_MB: 1024 })], { groupPolicy: 'none' }),
    'cell-with-root-disk': req([g({ DISK_GB: 10 }), named('_NUMA', { VCPU: 4 })], { groupPolicy: 'isolate' }),
  }),
  s('numa-physnets', GR, numaNetwork(), {
    'public-vf': req([named('_NET', { SRIOV_NET_VF: 1 }, { required: ['CUSTOM_PHYSNET_PUBLIC'] })]),
    'public-and-private-isolate': req([named('_NET1', { SRIOV_NET_VF: 1 }, { required: ['CUSTOM_PHYSNET_PUBLIC'] }), named('_NET2', { SRIOV_NET_VF: 1 }, { required: ['CUSTOM_PHYSNET_PRIVATE'] })], {
      groupPolicy: 'isolate',
    }),
    'two-vfs-same-pf-none': req([named('_A', { SRIOV_NET_VF: 4 }), named('_B', { SRIOV_NET_VF: 4 })], { groupPolicy: 'none', limit: 5 }),
    'sriov-nic-forbidden': req([named('_NET', { SRIOV_NET_VF: 1, NET_BW_EGR_KILOBIT_PER_SEC: 1000 }, { forbidden: ['HW_NIC_SRIOV'] })]),
  }),
  s('numa-network-with-compute', GR, numaNetwork(), {
    'compute-and-net': req([g({ VCPU: 1, MEMORY_MB: 512, DISK_GB: 10 }), named('_NET', { SRIOV_NET_VF: 1 }, { required: ['CUSTOM_PHYSNET_PRIVATE'] })], { groupPolicy: 'none' }),
    'in-tree-cn2': req([g({ VCPU: 1 }, { inTree: u(200) }), named('_NET', { SRIOV_NET_VF: 1 }, { inTree: u(200) })], { groupPolicy: 'none' }),
  }),
  s('numa-in-tree', 'gabbits/allocation-candidates-in-tree.yaml', numaNetwork(), {
    'in-tree-root': req([g({ VCPU: 1 }, { inTree: u(100) })]),
    'in-tree-child': req([g({ VCPU: 1 }, { inTree: u(211) })]),
    'in-tree-unknown': req([g({ VCPU: 1 }, { inTree: u(999) })]),
    'named-in-tree': req([named('1', { SRIOV_NET_VF: 2 }, { inTree: u(120) })]),
  }),
  s('numa-member-of-root-spans-tree', 'gabbits/allocation-candidates-member-of.yaml', numaNetwork(), {
    'unsuffixed-agg1': req([g({ VCPU: 1, SRIOV_NET_VF: 1 }, { memberOf: [[AGG1]] })]),
    'named-agg1': req([named('_C', { VCPU: 1 }, { memberOf: [[AGG1]] })]),
    'forbid-agg2': req([g({ VCPU: 1 }, { forbiddenAggregates: [AGG2] })]),
  }),
  s('numa-aggregates-on-children', 'gabbits/allocation-candidates-member-of.yaml', numaAggregates(), {
    'agg1-unsuffixed': req([g({ VCPU: 1 }, { memberOf: [[AGG1]] })]),
    'agg2-unsuffixed': req([g({ VCPU: 1 }, { memberOf: [[AGG2]] })]),
    'agg3-named': req([named('1', { VCPU: 1 }, { memberOf: [[AGG3]] })]),
    'agg1-and-agg2': req([g({ VCPU: 1, MEMORY_MB: 1024 }, { memberOf: [[AGG1], [AGG2]] })]),
    'forbid-agg1': req([g({ VCPU: 1 }, { forbiddenAggregates: [AGG1] })]),
    'named-forbid-agg1': req([named('1', { VCPU: 1 }, { forbiddenAggregates: [AGG1] })]),
  }),
  s('numa-spread-needs-two-cells', 'gabbits/allocation-candidates.yaml', numaAggregates(), {
    'six-vcpu': req([g({ VCPU: 6 })]),
    'two-groups-of-four': req([named('_A', { VCPU: 4 }), named('_B', { VCPU: 4 })], { groupPolicy: 'isolate' }),
    'four-and-ram': req([g({ VCPU: 4, MEMORY_MB: 2048 })]),
  }),

  // -- granular with sharing ---------------------------------------------------------------------
  s('granular-basic', GR, granular(), {
    'vcpu-and-disk': req([g({ VCPU: 1, DISK_GB: 10 })]),
    'named-vf-and-mbps': req([named('1', { SRIOV_NET_VF: 1, CUSTOM_NET_MBPS: 1000 })]),
    'named-vf-physnet2': req([named('1', { SRIOV_NET_VF: 1 }, { required: ['CUSTOM_PHYSNET2'] })]),
  }),
  s('granular-compute-plus-net', GR, granular(), {
    'none-policy': req([g({ VCPU: 1, MEMORY_MB: 512 }), named('_NET', { SRIOV_NET_VF: 1 })], { groupPolicy: 'none' }),
    'net-and-disk-ssd': req([g({ VCPU: 1, DISK_GB: 10 }, { required: ['CUSTOM_DISK_SSD'] }), named('_NET', { CUSTOM_NET_MBPS: 100 })], { groupPolicy: 'none' }),
  }),
  s('granular-isolate-two-nets', GR, granular(), {
    isolate: req([named('1', { SRIOV_NET_VF: 1 }), named('2', { SRIOV_NET_VF: 1 })], { groupPolicy: 'isolate' }),
    none: req([named('1', { SRIOV_NET_VF: 1 }), named('2', { SRIOV_NET_VF: 1 })], { groupPolicy: 'none' }),
  }),
  s('granular-member-of', GR, granular(), {
    'named-agg2': req([named('1', { DISK_GB: 10 }, { memberOf: [[AGG2]] })]),
    'unsuffixed-agg2-disk': req([g({ VCPU: 1, DISK_GB: 10 }, { memberOf: [[AGG2]] })]),
    'unsuffixed-agg1-and-2': req([g({ VCPU: 1, DISK_GB: 10 }, { memberOf: [[AGG1], [AGG2]] })]),
  }),
  s('granular-forbidden-traits', GR, granular(), {
    'forbid-avx2': req([g({ VCPU: 1, DISK_GB: 10 }, { forbidden: ['HW_CPU_X86_AVX2'] })]),
    'named-forbid-ssd': req([named('1', { DISK_GB: 10 }, { forbidden: ['CUSTOM_DISK_SSD'] })]),
  }),
  s('granular-same-class-two-groups', GR, granular(), {
    'vcpu-twice-none': req([named('1', { VCPU: 4 }), named('2', { VCPU: 4 })], { groupPolicy: 'none' }),
    'vcpu-twice-isolate': req([named('1', { VCPU: 4 }), named('2', { VCPU: 4 })], { groupPolicy: 'isolate' }),
    'vcpu-unsuffixed-and-named-none': req([g({ VCPU: 4 }), named('1', { VCPU: 4 })], { groupPolicy: 'none' }),
    'vcpu-twice-overfull': req([named('1', { VCPU: 5 }), named('2', { VCPU: 5 })], { groupPolicy: 'none' }),
  }),
  s('granular-three-groups', GR, granular(), {
    three: req([g({ VCPU: 1 }), named('_D', { DISK_GB: 10 }), named('_N', { CUSTOM_NET_MBPS: 10 })], { groupPolicy: 'isolate' }),
  }),

  // -- root required ----------------------------------------------------------------------------
  s('root-required', 'gabbits/allocation-candidates-root-required.yaml', rootTraits(), {
    'root-avx2': req([g({ VCPU: 1 })], { rootRequired: ['HW_CPU_X86_AVX2'] }),
    'root-not-avx2': req([g({ VCPU: 1 })], { rootForbidden: ['HW_CPU_X86_AVX2'] }),
    'root-gold-and-named': req([named('1', { VCPU: 1 })], { rootRequired: ['CUSTOM_GOLD'] }),
    'root-silver-with-shared-disk': req([g({ VCPU: 1, DISK_GB: 10 })], { rootRequired: ['CUSTOM_SILVER'] }),
    'root-not-silver-disk': req([g({ DISK_GB: 10 })], { rootForbidden: ['CUSTOM_SILVER'] }),
    'root-nobody': req([g({ VCPU: 1 })], { rootRequired: ['HW_NUMA_ROOT'] }),
  }),
  s('root-required-with-traits', 'gabbits/allocation-candidates-root-required.yaml', rootTraits(), {
    'avx2-anywhere-gold-root': req([g({ VCPU: 1 }, { required: ['HW_CPU_X86_AVX2'] })], { rootRequired: ['CUSTOM_GOLD'] }),
    'avx2-anywhere-plain-root': req([g({ VCPU: 1 }, { required: ['HW_CPU_X86_AVX2'] })], { rootForbidden: ['CUSTOM_GOLD'] }),
    'conflicting-root': req([g({ VCPU: 1 })], { rootRequired: ['CUSTOM_GOLD'], rootForbidden: ['CUSTOM_GOLD'] }),
  }),

  // -- same subtree -----------------------------------------------------------------------------
  s('same-subtree-numa-fpga', 'gabbits/same-subtree-deep.yaml', deepTree(), {
    'vcpu-and-fpga-same-numa': req([named('_C', { VCPU: 1 }), named('_F', { FPGA: 1 })], { groupPolicy: 'none', sameSubtree: [['_C', '_F']] }),
    'without-same-subtree': req([named('_C', { VCPU: 1 }), named('_F', { FPGA: 1 })], { groupPolicy: 'none' }),
    'intel-fpga-same-numa': req([named('_C', { VCPU: 1 }), named('_F', { FPGA: 1 }, { required: ['CUSTOM_FPGA_INTEL'] })], { groupPolicy: 'none', sameSubtree: [['_C', '_F']] }),
  }),
  s('same-subtree-resourceless-socket', 'gabbits/same-subtree-deep.yaml', deepTree(), {
    'socket-gpu-fpga': req([{ suffix: '_S', required: ['CUSTOM_SOCKET'] }, named('_G', { VGPU: 1 }), named('_F', { FPGA: 1 })], { groupPolicy: 'none', sameSubtree: [['_S', '_G', '_F']] }),
    'numa-root-nic-fpga': req([{ suffix: '_N', required: ['HW_NUMA_ROOT'] }, named('_V', { SRIOV_NET_VF: 1 }), named('_F', { FPGA: 1 })], {
      groupPolicy: 'isolate',
      sameSubtree: [['_N', '_V', '_F']],
    }),
    'resourceless-not-in-subtree': req([{ suffix: '_S', required: ['CUSTOM_SOCKET'] }, named('_G', { VGPU: 1 })], { groupPolicy: 'none' }),
  }),
  s('same-subtree-two-lists', 'gabbits/same-subtree-deep.yaml', deepTree(), {
    'two-lists': req([named('_C1', { VCPU: 1 }), named('_F1', { FPGA: 1 }), named('_C2', { VCPU: 1 }), named('_V2', { SRIOV_NET_VF: 1 })], {
      groupPolicy: 'isolate',
      sameSubtree: [
        ['_C1', '_F1'],
        ['_C2', '_V2'],
      ],
      limit: 10,
    }),
    'gpu-and-nic-under-socket': req([named('_G', { VGPU: 1 }), named('_V', { SRIOV_NET_VF: 1 })], { groupPolicy: 'none', sameSubtree: [['_G', '_V']] }),
  }),
  s('same-subtree-errors', 'gabbits/same-subtree.yaml', deepTree(), {
    'unknown-suffix': req([named('_C', { VCPU: 1 })], { sameSubtree: [['_C', '_X']] }),
    'unsuffixed-in-list': req([g({ VCPU: 1 }), named('_C', { VCPU: 1 })], { groupPolicy: 'none', sameSubtree: [['', '_C']] }),
  }),
  s('nested-perfload', 'gate/gabbits/nested-perfload.yaml', nestedPerfload(3), {
    perfload: req([g({ DISK_GB: 10 }, { required: ['COMPUTE_VOLUME_MULTI_ATTACH'] }), named('_COMPUTE', { VCPU: 1, MEMORY_MB: 256 }, { required: ['CUSTOM_FOO'] }), named('_FPGA', { FPGA: 1 })], {
      groupPolicy: 'none',
      sameSubtree: [['_COMPUTE', '_FPGA']],
    }),
    'numa0-memory-step': req([named('_M', { MEMORY_MB: 768 })]),
    'numa1-memory-max': req([named('_M', { MEMORY_MB: 1280 })]),
    'vgpu-and-fpga-isolate': req([named('_G', { VGPU: 2 }), named('_F1', { FPGA: 1 }), named('_F2', { FPGA: 1 })], { groupPolicy: 'isolate' }),
  }),
  s(
    'nested-perfload-partly-used',
    'gate/gabbits/nested-perfload.yaml',
    {
      ...nestedPerfload(2),
      consumers: [{ uuid: c(1), allocations: { [u(105)]: { FPGA: 1 }, [u(106)]: { FPGA: 1 }, [u(104)]: { VCPU: 4 } } }],
    },
    {
      'fpga-on-numa1-gone': req([named('_C', { VCPU: 1 }, { required: ['CUSTOM_FOO'] }), named('_F', { FPGA: 1 })], { groupPolicy: 'none', sameSubtree: [['_C', '_F']] }),
      'any-fpga': req([named('_F', { FPGA: 1 })]),
    },
  ),

  // -- request errors (400 in the reference) --------------------------------------------------
  s('bad-requests', AC, localStorage(), {
    'required-and-forbidden': req([g({ VCPU: 1 }, { required: ['HW_CPU_X86_AVX2'], forbidden: ['HW_CPU_X86_AVX2'] })]),
    'unknown-class': req([g({ CUSTOM_NOT_THERE: 1 })]),
    'unknown-trait': req([g({ VCPU: 1 }, { required: ['CUSTOM_NOT_THERE'] })]),
    'two-named-no-policy': req([named('1', { VCPU: 1 }), named('2', { VCPU: 1 })]),
    'resourceless-outside-subtree': req([g({ VCPU: 1 }), { suffix: '_X', required: ['HW_CPU_X86_AVX2'] }]),
    'malformed-in-tree': req([g({ VCPU: 1 }, { inTree: 'not-a-uuid' })]),
    'root-unknown-trait': req([g({ VCPU: 1 })], { rootRequired: ['CUSTOM_NOT_THERE'] }),
  }),
  s('resourceless-matches', 'gabbits/granular-same-subtree.yaml', deepTree(), {
    'resourceless-member-of-unknown': req([{ suffix: '_S', memberOf: [[agg(98)]] }, named('_G', { VGPU: 1 })], { groupPolicy: 'none', sameSubtree: [['_S', '_G']] }),
    'resourceless-gpu-trait': req([{ suffix: '_S', required: ['CUSTOM_GPU'] }, named('_G', { VGPU: 1 })], { groupPolicy: 'none', sameSubtree: [['_S', '_G']] }),
  }),
];

// -- capacity edges of our own: one host, one inventory record, one request each ---------------
const edges: [string, InventorySpec, number | undefined, number][] = [
  ['reserved-leaves-exact-room', { total: 8, reserved: 4 }, undefined, 4],
  ['reserved-leaves-no-room', { total: 8, reserved: 4 }, undefined, 5],
  ['reserved-equals-total', { total: 8, reserved: 8 }, undefined, 1],
  ['ratio-1.5-floor', { total: 5, allocationRatio: 1.5 }, undefined, 7],
  ['ratio-1.5-over', { total: 5, allocationRatio: 1.5 }, undefined, 8],
  ['ratio-16', { total: 2, allocationRatio: 16 }, undefined, 32],
  ['ratio-0.5', { total: 9, allocationRatio: 0.5 }, undefined, 4],
  ['ratio-0.5-over', { total: 9, allocationRatio: 0.5 }, undefined, 5],
  ['min-unit-below', { total: 16, minUnit: 4 }, undefined, 2],
  ['min-unit-exact', { total: 16, minUnit: 4 }, undefined, 4],
  ['max-unit-exact', { total: 16, maxUnit: 4 }, undefined, 4],
  ['max-unit-over', { total: 16, maxUnit: 4 }, undefined, 5],
  ['step-off', { total: 16, stepSize: 4 }, undefined, 6],
  ['step-on', { total: 16, stepSize: 4 }, undefined, 8],
  ['used-leaves-room', { total: 8 }, 6, 2],
  ['used-leaves-none', { total: 8 }, 6, 3],
  ['used-with-reserved-and-ratio', { total: 10, reserved: 2, allocationRatio: 2 }, 12, 4],
  ['used-with-reserved-and-ratio-over', { total: 10, reserved: 2, allocationRatio: 2 }, 12, 5],
  ['min-above-max', { total: 16, minUnit: 4, maxUnit: 2 }, undefined, 3],
];
for (const [name, inv, used, amount] of edges) {
  allScenarios.push(
    s(`capacity-${name}`, 'own', single(inv, used), {
      unsuffixed: req([g({ VCPU: amount })]),
      named: req([named('1', { VCPU: amount })]),
      'split-over-two-groups': req([named('1', { VCPU: Math.ceil(amount / 2) }), named('2', { VCPU: Math.floor(amount / 2) || 1 })], { groupPolicy: 'none' }),
    }),
  );
}
