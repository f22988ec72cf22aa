// The reference's own performance workloads (SPEC §15), in the neutral scenario language, so the
// same topology and request drive this server (GraphQL) and the reference (REST).
import type { CandidateRequest, ProviderSpec } from '../../conformance/model.ts';

export const AGG_A = '14a5c8a3-5a99-4e8f-88be-00d85fcb1c17';
export const AGG_B = '66d98e7c-3c25-485d-a0dc-1cea651884de';
export const AGG_C = 'a59dbb28-fd98-4c6e-9ec5-ae5f3d04b0aa';

const uuid = (prefix: number, n: number) => `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export interface Workload {
  name: string;
  /** Providers in creation order (parents first), generated lazily: 100k do not sit in memory twice. */
  providers: () => Iterable<ProviderSpec>;
  count: number;
  request: CandidateRequest;
  /** The same request asking for more than any host has: "no valid host", what an explanation is for. */
  nowhere: CandidateRequest;
}

/** gate/perfload-runner.sh: flat compute nodes. */
export function flat(n: number): Workload {
  const aggs = [[AGG_A], [AGG_A, AGG_B], [AGG_A, AGG_B, AGG_C]];
  return {
    name: `flat-${n}`,
    count: n,
    *providers(): Iterable<ProviderSpec> {
      for (let i = 0; i < n; i++) {
        yield {
          uuid: uuid(0xf1a7, i + 1),
          name: `perf-flat-${i}`,
          inventories: {
            MEMORY_MB: { total: 8192, minUnit: 128, maxUnit: 8192 },
            DISK_GB: { total: 8192, minUnit: 5, maxUnit: 8192 },
            VCPU: { total: 32, maxUnit: 16 },
          },
          aggregates: aggs[i % 3],
          traits: i % 2 ? ['HW_CPU_X86_AVX2'] : [],
        };
      }
    },
    request: { groups: [{ resources: { VCPU: 1, DISK_GB: 10, MEMORY_MB: 256 }, memberOf: [[AGG_A]], required: ['HW_CPU_X86_AVX2'] }] },
    nowhere: { groups: [{ resources: { VCPU: 1, DISK_GB: 10, MEMORY_MB: 16384 }, memberOf: [[AGG_A]], required: ['HW_CPU_X86_AVX2'] }] },
  };
}

/** gate/gabbits/nested-perfload.yaml: trees of 7 providers. */
export function nested(trees: number): Workload {
  return {
    name: `nested-${trees}x7`,
    count: trees * 7,
    *providers(): Iterable<ProviderSpec> {
      for (let t = 0; t < trees; t++) {
        const id = (k: number) => uuid(0x7e57, t * 8 + k);
        yield { uuid: id(0), name: `perf-cn-${t}`, inventories: { DISK_GB: 20480 }, traits: ['COMPUTE_VOLUME_MULTI_ATTACH'] };
        yield {
          uuid: id(1),
          name: `perf-cn-${t}-numa0`,
          parent: id(0),
          inventories: { VCPU: { total: 4, reserved: 2 }, MEMORY_MB: { total: 2048, minUnit: 512, stepSize: 256 } },
          traits: ['HW_NUMA_ROOT'],
        };
        yield { uuid: id(2), name: `perf-cn-${t}-fpga0`, parent: id(1), inventories: { FPGA: 1 } };
        yield { uuid: id(3), name: `perf-cn-${t}-pgpu0`, parent: id(1), inventories: { VGPU: 8 } };
        yield {
          uuid: id(4),
          name: `perf-cn-${t}-numa1`,
          parent: id(0),
          inventories: { VCPU: 4, MEMORY_MB: { total: 2048, minUnit: 256, maxUnit: 1024 } },
          traits: ['HW_NUMA_ROOT', 'CUSTOM_FOO'],
        };
        yield { uuid: id(5), name: `perf-cn-${t}-fpga1_0`, parent: id(4), inventories: { FPGA: 1 } };
        yield { uuid: id(6), name: `perf-cn-${t}-fpga1_1`, parent: id(4), inventories: { FPGA: 1 } };
      }
    },
    request: nestedRequest(10),
    nowhere: nestedRequest(40960),
  };
}

/** Disk on the root (every root has 20480 GB), compute and FPGA in one NUMA subtree. */
function nestedRequest(disk: number): CandidateRequest {
  return {
    groups: [
      { resources: { DISK_GB: disk }, required: ['COMPUTE_VOLUME_MULTI_ATTACH'] },
      { suffix: '_COMPUTE', resources: { VCPU: 1, MEMORY_MB: 256 }, required: ['CUSTOM_FOO'] },
      { suffix: '_FPGA', resources: { FPGA: 1 } },
    ],
    groupPolicy: 'none',
    sameSubtree: [['_COMPUTE', '_FPGA']],
  };
}
