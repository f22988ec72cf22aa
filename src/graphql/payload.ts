// Every mutation runs through `runWrite`, so that its answer tells the truth about what it wrote:
// - the payload never depends on a read after the commit (a pool that cannot hand out a connection
//   in time would turn a committed write into UNAVAILABLE): what the client selected below the
//   payload's providers and consumers is read inside the write transaction, through the same batch
//   functions the loaders use, and primed into the request's loaders once the transaction commits;
// - no per-request cache outlives a write: every loader is emptied at each commit, so a later
//   mutation of the same document, or its payload, never shows rows from before.
// The selection is followed through every relation the node types have (parent, root, children,
// descendants, subtree and its totals, inventories, usages, traits, aggregates, allocations and
// across them to consumers and providers), as deep as the client asked. A children page
// (childrenConnection, with its arguments) is read after the commit, through the emptied loaders.

import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import DataLoader from 'dataloader';
import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import type { WriteTx } from '../db/changes.ts';
import type { Tx } from '../db/client.ts';
import type { ConsumerRow, ProviderRow } from '../db/reads.ts';
import { writeTransaction } from '../db/tx.ts';
import type { Context } from './builder.ts';
import { batches, descendantsKey, loadConsumers, loadProviders, type RelationName, readableConsumers, relations } from './loaders.ts';
import { ConsumerRef, ProviderRef } from './types/refs.ts';

/** Field name → what was selected below it (aliases and fragments merged). */
type Selection = Map<string, Selection>;

function collect(info: GraphQLResolveInfo, set: SelectionSetNode | undefined, into: Selection): void {
  for (const s of set?.selections ?? []) {
    if (s.kind === Kind.FIELD) {
      const below = into.get(s.name.value) ?? new Map();
      into.set(s.name.value, below);
      collect(info, s.selectionSet, below);
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      collect(info, s.selectionSet, into);
    } else {
      collect(info, info.fragments[s.name.value]?.selectionSet, into);
    }
  }
}

/** Providers or consumers a payload field returns. */
export interface PayloadNodes {
  field: string;
  kind: 'provider' | 'consumer';
  uuids: string[];
}

export const providersAt = (field: string, uuids: string[]): PayloadNodes => ({ field, kind: 'provider', uuids });
export const consumersAt = (field: string, uuids: string[]): PayloadNodes => ({ field, kind: 'consumer', uuids });
/** The usual provider payload: the one provider written, as `resourceProvider`. */
export const theProvider = (p: { uuid: string }) => [providersAt('resourceProvider', [p.uuid])];

/**
 * The payload reads of one transaction attempt, through DataLoaders: payloads read side by side in
 * it (the claims of one batch, src/candidates/pipeline.ts) share each statement. They batch but do
 * not cache: a batch of writes reads each write's payload before the next write.
 */
class TxReads {
  readonly providers: DataLoader<string, ProviderRow | null>;
  readonly consumers: DataLoader<string, ConsumerRow | null>;
  private readonly related = new Map<RelationName, DataLoader<unknown, unknown>>();

  constructor(private readonly tx: Tx) {
    const byUuid = <R extends { uuid: string }>(load: (db: Tx, uuids: readonly string[]) => Promise<R[]>) =>
      new DataLoader<string, R | null>(
        async (uuids) => {
          const found = new Map((await load(tx, uuids)).map((r) => [r.uuid, r]));
          return uuids.map((u) => found.get(u) ?? null);
        },
        { cache: false },
      );
    this.providers = byUuid(loadProviders);
    this.consumers = byUuid(loadConsumers);
  }

  relation(name: RelationName): DataLoader<unknown, unknown> {
    let loader = this.related.get(name);
    if (!loader) {
      const batch = batches[name] as (db: Tx, keys: readonly unknown[]) => Promise<unknown[]>;
      this.related.set(name, (loader = new DataLoader((keys) => batch(this.tx, keys), { cache: false })));
    }
    return loader;
  }
}

const txReads = new WeakMap<Tx, TxReads>();
function readsIn(tx: Tx): TxReads {
  let reads = txReads.get(tx);
  if (!reads) txReads.set(tx, (reads = new TxReads(tx)));
  return reads;
}

/** Rows one write transaction read for its payload, primed into the request's loaders after the commit. */
class Snapshot {
  private readonly providerRows = new Map<string, ProviderRow | null>();
  private readonly consumerRows = new Map<string, ConsumerRow | null>();
  private readonly related = new Map<RelationName, Map<unknown, unknown>>();
  private readonly reads: TxReads;

  constructor(tx: Tx) {
    this.reads = readsIn(tx);
  }

  async read({ kind, uuids }: PayloadNodes, selection: Selection): Promise<void> {
    if (kind === 'provider') await this.providers(await this.rows(kind, uuids), selection);
    else await this.consumers(await this.rows(kind, uuids), selection);
  }

  private async rows<K extends PayloadNodes['kind']>(kind: K, uuids: readonly string[]): Promise<(K extends 'provider' ? ProviderRow : ConsumerRow)[]> {
    const known: Map<string, ProviderRow | ConsumerRow | null> = kind === 'provider' ? this.providerRows : this.consumerRows;
    const missing = [...new Set(uuids)].filter((u) => !known.has(u));
    if (missing.length) {
      const loader: DataLoader<string, ProviderRow | ConsumerRow | null> = kind === 'provider' ? this.reads.providers : this.reads.consumers;
      const found = await loader.loadMany(missing);
      missing.forEach((uuid, i) => {
        const row = found[i];
        if (row instanceof Error) throw row;
        known.set(uuid, row);
      });
    }
    return [...new Set(uuids)].map((u) => known.get(u)).filter((r) => r != null) as never;
  }

  /** One relation for `keys`, each key read once per transaction. */
  private async relation<V>(name: RelationName, keys: readonly unknown[]): Promise<V[]> {
    const known = this.related.get(name) ?? new Map<unknown, unknown>();
    this.related.set(name, known);
    const missing = [...new Set(keys)].filter((k) => !known.has(k));
    if (missing.length) {
      const values = await this.reads.relation(name).loadMany(missing);
      missing.forEach((k, i) => {
        if (values[i] instanceof Error) throw values[i];
        known.set(k, values[i]);
      });
    }
    return keys.map((k) => known.get(k) as V);
  }

  private async providers(rows: ProviderRow[], selection: Selection): Promise<void> {
    for (const r of rows) this.providerRows.set(r.uuid, r);
    if (!rows.length) return;
    const ids = rows.map((r) => r.id);
    if (selection.has('inventories') || selection.has('usages')) await this.relation('inventories', ids);
    if (selection.has('traits')) await this.relation('traits', ids);
    if (selection.has('aggregates')) await this.relation('aggregates', ids);
    const parent = selection.get('parent');
    if (parent)
      await this.providers(
        await this.rows(
          'provider',
          rows.flatMap((r) => (r.parentUuid ? [r.parentUuid] : [])),
        ),
        parent,
      );
    const root = selection.get('root');
    if (root)
      await this.providers(
        await this.rows(
          'provider',
          rows.map((r) => r.rootUuid),
        ),
        root,
      );
    const children = selection.get('children');
    if (children) await this.providers((await this.relation<ProviderRow[]>('children', ids)).flat(), children);
    const descendants = selection.get('descendants');
    if (descendants) await this.providers((await this.relation<ProviderRow[]>('descendants', rows.map(descendantsKey))).flat(), descendants);
    const subtree = selection.get('subtree');
    if (subtree) {
      const trees = (
        await this.relation<ProviderRow[]>(
          'trees',
          rows.map((r) => r.rootId),
        )
      ).flat();
      const provider = subtree.get('provider');
      if (provider) await this.providers(trees, provider);
    }
    if (selection.has('subtreeTotals') || subtree?.has('totals'))
      await this.relation(
        'treeTotals',
        rows.map((r) => r.rootId),
      );
    const consumer = selection.get('allocations')?.get('consumer');
    if (selection.has('allocations')) {
      const groups = (await this.relation<{ consumerUuid: string }[]>('providerAllocations', ids)).flat();
      if (consumer)
        await this.consumers(
          await this.rows(
            'consumer',
            groups.map((g) => g.consumerUuid),
          ),
          consumer,
        );
    }
  }

  private async consumers(rows: ConsumerRow[], selection: Selection): Promise<void> {
    for (const r of rows) this.consumerRows.set(r.uuid, r);
    if (!rows.length || !selection.has('allocations')) return;
    const groups = (
      await this.relation<{ providerUuid: string }[]>(
        'consumerAllocations',
        rows.map((r) => r.id),
      )
    ).flat();
    const provider = selection.get('allocations')!.get('provider');
    if (provider)
      await this.providers(
        await this.rows(
          'provider',
          groups.map((g) => g.providerUuid),
        ),
        provider,
      );
  }

  /** Empties every loader of the request, then fills them with what this transaction read. */
  prime(ctx: Context): void {
    clearAllDataLoaders(ctx);
    const loaders = relations(ctx) as Record<RelationName, DataLoader<unknown, unknown>>;
    for (const loader of Object.values(loaders)) loader.clearAll();
    // A node the payload names but the transaction did not find is primed as absent, as the loader would answer.
    const providers = ProviderRef.getDataloader(ctx) as DataLoader<string, ProviderRow | null>;
    for (const [uuid, row] of this.providerRows) providers.prime(uuid, row);
    const consumers = ConsumerRef.getDataloader(ctx) as DataLoader<string, ConsumerRow | null>;
    const readable = readableConsumers(ctx);
    for (const [uuid, row] of this.consumerRows) consumers.prime(uuid, readable(row) ? row : null);
    for (const [name, values] of this.related) for (const [key, value] of values) loaders[name].prime(key, value);
  }
}

/** A mutation's payload: read inside the write transaction (`read`, once per attempt), primed into the request's loaders after the commit (`prime`). */
export interface PayloadReader<T> {
  read(tx: Tx, result: T): Promise<void>;
  prime(): void;
}

/** `payload` names the providers and consumers the mutation's payload fields return; what the client selected below them is read. */
export function payloadReader<T>(ctx: Context, info: GraphQLResolveInfo, payload?: (result: T) => PayloadNodes[]): PayloadReader<T> {
  let snapshot: Snapshot | undefined;
  return {
    async read(tx, result) {
      const attempt = new Snapshot(tx);
      if (payload) {
        const selected: Selection = new Map();
        for (const node of info.fieldNodes) collect(info, node.selectionSet, selected);
        for (const nodes of payload(result)) {
          const below = selected.get(nodes.field);
          if (below) await attempt.read(nodes, below);
        }
      }
      snapshot = attempt;
    },
    prime: () => snapshot!.prime(ctx),
  };
}

/**
 * Runs a mutation's write in one transaction (see writeTransaction), with its payload read inside
 * it (see payloadReader). After the commit the request's loaders hold exactly that.
 */
export async function runWrite<T>(ctx: Context, info: GraphQLResolveInfo, work: (tx: WriteTx) => Promise<T>, payload?: (result: T) => PayloadNodes[]): Promise<T> {
  const answer = payloadReader(ctx, info, payload);
  const result = await writeTransaction(ctx.db, async (tx) => {
    const done = await work(tx);
    await answer.read(tx, done);
    return done;
  });
  answer.prime();
  return result;
}
