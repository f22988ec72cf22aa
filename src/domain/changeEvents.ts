// The change feed's events: what one committed write transaction did, in the terms a dashboard or a
// scheduler's cache uses (uuids, never row ids). Made once, when the transaction writes its change-log
// row (src/db/changeLog.ts), from what the transaction recorded and the providers' state at commit;
// stored in that row, so every replica streams the same events in the same order.

/** What can change about a provider. */
export const PROVIDER_ASPECTS = ['CREATED', 'DELETED', 'TREE', 'NAME', 'INVENTORIES', 'TRAITS', 'AGGREGATES', 'USAGE'] as const;
export type ProviderAspect = (typeof PROVIDER_ASPECTS)[number];

export const CHANGE_KINDS = [
  'PROVIDER_CREATED',
  'PROVIDER_UPDATED',
  'PROVIDER_DELETED',
  'USAGE_CHANGED',
  'ALLOCATIONS_WRITTEN',
  'ALLOCATIONS_REMOVED',
  'RESOURCE_CLASS_CREATED',
  'RESOURCE_CLASS_DELETED',
  'TRAIT_CREATED',
  'TRAIT_DELETED',
  /** Not stored: told to a subscriber whose cursor lies before what the log still holds. */
  'HISTORY_PRUNED',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface ChangeEvent {
  kind: ChangeKind;
  /** Provider events: the provider, its tree's root and parent, and its generation after the write. */
  provider?: string;
  root?: string;
  parent?: string | null;
  generation?: number;
  /** PROVIDER_UPDATED: what changed. */
  changed?: ProviderAspect[];
  /** Allocation events: the consumer, its project, and the providers (and their roots) it held or holds. */
  consumer?: string;
  project?: string;
  providers?: string[];
  roots?: string[];
  /** Resource class and trait events. */
  name?: string;
}

export interface ProviderState {
  uuid: string;
  rootUuid: string;
  parentUuid: string | null;
  generation: number;
}

export interface TransactionChanges {
  aspects: ReadonlyMap<number, ReadonlySet<ProviderAspect>>;
  /** Every provider named by `aspects` or `consumers`: as committed, or as it was when deleted. */
  providers: ReadonlyMap<number, ProviderState>;
  consumers: ReadonlyMap<string, { projectId: string; removed: boolean; providerIds: ReadonlySet<number> }>;
  catalogue: readonly { kind: 'RESOURCE_CLASS' | 'TRAIT'; name: string; created: boolean }[];
}

const byUuid = <T extends { uuid: string }>(a: T, b: T) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0);

/**
 * The events of one transaction, in an order a reader can apply: names that came, providers that
 * came, what changed on providers, allocations, providers that went, names that went.
 */
export function eventsOf(t: TransactionChanges): ChangeEvent[] {
  const out: ChangeEvent[] = [];
  const catalogue = (created: boolean) => {
    for (const c of t.catalogue.filter((x) => x.created === created)) out.push({ kind: `${c.kind}_${created ? 'CREATED' : 'DELETED'}`, name: c.name });
  };
  const providerEvent = (kind: ChangeKind, p: ProviderState, changed?: ProviderAspect[]): ChangeEvent => ({
    kind,
    provider: p.uuid,
    root: p.rootUuid,
    parent: p.parentUuid,
    generation: p.generation,
    ...(changed ? { changed } : {}),
  });
  const touched = [...t.aspects].map(([id, aspects]) => ({ ...t.providers.get(id)!, aspects })).sort(byUuid);

  catalogue(true);
  for (const p of touched) if (p.aspects.has('CREATED') && !p.aspects.has('DELETED')) out.push(providerEvent('PROVIDER_CREATED', p));
  for (const p of touched) {
    if (p.aspects.has('CREATED') || p.aspects.has('DELETED')) continue;
    const changed = PROVIDER_ASPECTS.filter((a) => a !== 'USAGE' && p.aspects.has(a));
    if (changed.length) out.push(providerEvent('PROVIDER_UPDATED', p, changed));
    if (p.aspects.has('USAGE')) out.push(providerEvent('USAGE_CHANGED', p));
  }
  for (const [uuid, c] of [...t.consumers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const held = [...c.providerIds].map((id) => t.providers.get(id)!).sort(byUuid);
    out.push({
      kind: c.removed ? 'ALLOCATIONS_REMOVED' : 'ALLOCATIONS_WRITTEN',
      consumer: uuid,
      project: c.projectId,
      providers: held.map((p) => p.uuid),
      roots: [...new Set(held.map((p) => p.rootUuid))].sort(),
    });
  }
  for (const p of touched) if (p.aspects.has('DELETED') && !p.aspects.has('CREATED')) out.push(providerEvent('PROVIDER_DELETED', p));
  catalogue(false);
  return out;
}
