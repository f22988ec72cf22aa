// Random topologies and candidate requests for differential testing against the reference.
// Deterministic: the same (seed, index) always gives the same case.
import type { CandidateRequest, ConsumerSpec, GroupSpec, InventorySpec, ProviderSpec, Topology } from './model.ts';

/** mulberry32: a tiny, well-distributed 32-bit PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLASSES = ['VCPU', 'MEMORY_MB', 'DISK_GB', 'SRIOV_NET_VF', 'CUSTOM_MAGIC'];
const TRAITS = ['CUSTOM_A', 'CUSTOM_B', 'CUSTOM_C', 'HW_CPU_X86_AVX2', 'STORAGE_DISK_SSD', 'HW_NUMA_ROOT'];
const SHARING = 'MISC_SHARES_VIA_AGGREGATE';

export interface FuzzCase {
  topology: Topology;
  requests: CandidateRequest[];
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export function generateCase(seed: number, index: number): FuzzCase {
  const r = prng(seed * 100_003 + index);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;
  const some = <T>(xs: readonly T[], max: number): T[] => (xs.length ? [...new Set(Array.from({ length: int(0, max) }, () => pick(xs)))] : []);

  const uuid = (kind: number, n: number) => `${hex(seed & 0xffffffff, 8)}-${hex(index & 0xffff, 4)}-4${hex(kind, 3)}-8000-${hex(n, 12)}`;
  const aggregates = [1, 2, 3].map((n) => uuid(0xa, n));

  const providers: ProviderSpec[] = [];
  const inventory = (): InventorySpec => {
    const total = pick([int(1, 8), int(8, 64), int(8, 64)]);
    const minUnit = chance(0.2) ? int(1, 4) : 1;
    return {
      total,
      reserved: chance(0.25) ? int(0, total) : 0,
      minUnit,
      maxUnit: chance(0.3) ? int(minUnit, 32) : total,
      stepSize: chance(0.15) ? pick([2, 4]) : 1,
      allocationRatio: pick([1, 1, 1, 1.5, 2, 0.5]),
    };
  };
  const newProvider = (parent?: ProviderSpec): ProviderSpec => {
    const n = providers.length + 1;
    const p: ProviderSpec = { uuid: uuid(1, n), name: `p${n}`, parent: parent?.uuid };
    const classes = [...new Set([...some(CLASSES, 2), ...(chance(0.7) ? [pick(CLASSES.slice(0, 3))] : [])])];
    if (classes.length) p.inventories = Object.fromEntries(classes.map((c) => [c, inventory()]));
    const traits = some(TRAITS, 2);
    if (traits.length) p.traits = traits;
    if (chance(parent ? 0.15 : 0.5)) p.aggregates = some(aggregates, 2);
    if (p.aggregates && !p.aggregates.length) delete p.aggregates;
    providers.push(p);
    return p;
  };

  const trees = int(1, 5);
  for (let t = 0; t < trees && providers.length < 14; t++) {
    const root = newProvider();
    const grow = (parent: ProviderSpec, depth: number) => {
      if (depth >= 4) return;
      for (let k = int(0, depth === 1 ? 3 : 2); k > 0 && providers.length < 14; k--) grow(newProvider(parent), depth + 1);
    };
    grow(root, 1);
  }
  // Sharing providers are always roots (a shared provider inside a tree trips a reference crash).
  for (let s = int(0, 2); s > 0; s--) {
    const n = providers.length + 1;
    providers.push({
      uuid: uuid(1, n),
      name: `share${n}`,
      inventories: Object.fromEntries(
        some(['DISK_GB', 'IPV4_ADDRESS', 'CUSTOM_MAGIC'], 2)
          .concat(['DISK_GB'])
          .map((c) => [c, inventory()]),
      ),
      traits: [SHARING, ...some(TRAITS, 1)],
      aggregates: chance(0.85) ? [...new Set([pick(aggregates), ...some(aggregates, 1)])] : undefined,
    });
  }

  // Existing allocations that fit (capacity, min/max/step), so the server accepts them.
  const used = new Map<string, number>();
  const consumers: ConsumerSpec[] = [];
  for (let c = int(0, 3); c > 0; c--) {
    const allocations: ConsumerSpec['allocations'] = {};
    for (const p of some(providers, 2)) {
      for (const [rc, v] of Object.entries(p.inventories ?? {})) {
        const inv = v as InventorySpec;
        if (!chance(0.6)) continue;
        const key = `${p.uuid}:${rc}`;
        const cap = Math.floor((inv.total - (inv.reserved ?? 0)) * (inv.allocationRatio ?? 1));
        const step = inv.stepSize ?? 1;
        let amount = Math.max(inv.minUnit ?? 1, step * int(1, 4));
        amount = Math.ceil(amount / step) * step;
        if (amount > (inv.maxUnit ?? Infinity) || (used.get(key) ?? 0) + amount > cap) continue;
        used.set(key, (used.get(key) ?? 0) + amount);
        (allocations[p.uuid] ??= {})[rc] = amount;
      }
    }
    if (Object.keys(allocations).length) consumers.push({ uuid: uuid(0xc, consumers.length + 1), allocations });
  }

  const requestClasses = [...new Set(providers.flatMap((p) => Object.keys(p.inventories ?? {})))];
  const requestTraits = [...new Set([...TRAITS.filter((t) => !t.startsWith('CUSTOM_')), ...providers.flatMap((p) => p.traits ?? [])])];
  const amount = () => pick([1, 1, 1, 1, 2, 2, 3, 4, 8]);
  const filters = (g: GroupSpec, resourceless = false) => {
    if (chance(0.25) || resourceless) g.required = some(requestTraits, resourceless ? 2 : 1);
    if (chance(0.2)) g.forbidden = some(requestTraits, 1).filter((t) => !g.required?.includes(t));
    if (chance(0.15)) g.anyOf = [some(requestTraits, 3)].filter((s) => s.length);
    if (chance(0.2)) g.memberOf = Array.from({ length: int(1, 2) }, () => some(aggregates, 2)).filter((s) => s.length);
    if (chance(0.1)) g.forbiddenAggregates = some(aggregates, 1);
    if (chance(0.08) && !resourceless) g.inTree = pick(providers).uuid;
    for (const k of ['required', 'forbidden', 'anyOf', 'memberOf', 'forbiddenAggregates'] as const) if (Array.isArray(g[k]) && !g[k]!.length) delete g[k];
    return g;
  };

  const requests: CandidateRequest[] = [];
  for (let q = int(3, 6); q > 0 && requestClasses.length; q--) {
    const groups: GroupSpec[] = [];
    const named = int(0, 3);
    const namedClasses = new Set<string>();
    const namedGroups: GroupSpec[] = [];
    for (let i = 0; i < named; i++) {
      const g: GroupSpec = { suffix: pick(['_A', '1', '_NET', '_X', '2', '_GPU']) + (i ? String(i) : '') };
      g.resources = Object.fromEntries(some(requestClasses, chance(0.7) ? 1 : 2).map((c) => [c, amount()]));
      if (!Object.keys(g.resources).length) g.resources = { [pick(requestClasses)]: amount() };
      for (const c of Object.keys(g.resources)) namedClasses.add(c);
      namedGroups.push(filters(g));
    }
    const policy = named > 1 || chance(0.5) ? pick(['none', 'isolate'] as const) : undefined;
    const unsuffixed = named === 0 || chance(0.6);
    if (unsuffixed) {
      // With isolate (or no policy) the reference sums shared amounts through shared objects: keep classes apart.
      const allowed = policy === 'none' ? requestClasses : requestClasses.filter((c) => !namedClasses.has(c));
      const classes = some(allowed, 2);
      if (classes.length) groups.push(filters({ resources: Object.fromEntries(classes.map((c) => [c, amount()])) }));
      else if (named === 0) groups.push({ resources: { [pick(requestClasses)]: amount() } });
    }
    groups.push(...namedGroups);
    if (!groups.length) continue;
    const req: CandidateRequest = { groups };
    if (policy) req.groupPolicy = policy;
    if (namedGroups.length >= 2 && chance(0.3)) req.sameSubtree = [namedGroups.slice(0, 2).map((g) => g.suffix!)];
    if (namedGroups.length >= 1 && chance(0.1)) {
      const rl: GroupSpec = filters({ suffix: '_RL' }, true);
      if (rl.required?.length || rl.memberOf?.length) {
        groups.push(rl);
        req.sameSubtree = [[namedGroups[0].suffix!, '_RL']];
        if (!req.groupPolicy) req.groupPolicy = pick(['none', 'isolate'] as const);
      }
    }
    if (chance(0.12)) req.rootRequired = some(requestTraits, 1);
    if (chance(0.08)) req.rootForbidden = some(requestTraits, 1).filter((t) => !req.rootRequired?.includes(t));
    if (req.rootForbidden && !req.rootForbidden.length) delete req.rootForbidden;
    if (chance(0.05)) req.limit = int(1, 3);
    requests.push(req);
  }
  return { topology: { providers, consumers }, requests };
}
