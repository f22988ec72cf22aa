// The candidate search's whole world, kept in memory by every replica, on both databases. Before a
// read it catches up with the change log (changeLog.ts): every committed write transaction left a
// row naming the providers it touched, so the cache re-reads just those. A request therefore sees
// every commit made before it started, by any replica or process, as a database read would.
// Catching up costs one statement when nothing changed: on PostgreSQL the log read itself (with
// the snapshot that is the next position); on SQLite first `PRAGMA data_version` on the reader
// connection, which changes only when another connection (our writer, another process) committed.
// Starting, a pruned log past this cache's position, or invalidate() reload everything.

import { assertNamesKnown, type CandidatesRequest } from '../domain/candidates/request.ts';
import { indexTrees, sameStructure, selectWorld, type WorldTrees } from '../domain/candidates/trees.ts';
import type { World, WorldProvider } from '../domain/candidates/world.ts';
import { metrics } from '../observability/metrics.ts';
import { type Dialect, readProviders } from './candidates.ts';
import { type LogPosition, type LogRead, readLog } from './changeLog.ts';
import type { Tx } from './client.ts';

export class WorldCache {
  private providers = new Map<number, WorldProvider>();
  private classes = new Map<string, number>();
  private traits = new Set<string>();
  /** Rebuilt on demand after a change of tree, trait or aggregate structure. */
  private trees: WorldTrees | null = null;
  /** Where in the log the world is; null: reload on the next catch-up. */
  private position: LogPosition | null = null;
  private dataVersion: number | null = null;
  /** The catch-up running, and the one that starts after it for requests that came meanwhile. */
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  /** Bumped whenever the world changes: answers derived from it are keyed by it (see changeToken). */
  private version = 0;
  /** Full reloads and provider re-reads so far (tests and logs read them). */
  readonly stats = { reloads: 0, providerReads: 0 };

  /**
   * `reader` serves the log reads and re-reads; it sees only committed data. On PostgreSQL it is a
   * connection of the cache's own, so a request holding a pooled connection in a transaction never
   * waits for another pooled one to catch up.
   */
  constructor(
    private readonly reader: Tx,
    private readonly dialect: Dialect,
  ) {}

  /** Something changed behind the log's back (a harness emptied tables): reload on the next read. */
  invalidate(): void {
    this.position = null;
  }

  /**
   * Brings the cache up to date with every commit made before this call. Catch-ups run one at a
   * time; callers that arrive while one runs share the next, whose statement is sent after they came.
   * (The argument is no longer used: the cache reads through its own connection.)
   */
  fresh(_writer?: Tx): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    const after = this.running.catch(() => undefined);
    return (this.queued = after.then(() => {
      this.queued = null;
      return this.start();
    }));
  }

  /** The trees a request can use (see selectWorld), from the world as last refreshed: call after fresh(). */
  world(req: CandidatesRequest, maxRoots?: number, start?: number): World & { truncated: boolean } {
    this.assertNamesKnown(req);
    this.trees ??= indexTrees(this.providers);
    return selectWorld(this.providers, this.trees, req, this.classes, maxRoots, start);
  }

  /** Every tree, for a request that judges them all (an explanation): call after fresh(). */
  everything(req: CandidatesRequest): World {
    this.assertNamesKnown(req);
    this.trees ??= indexTrees(this.providers);
    return { providers: this.providers, classIds: this.classes, aggregateMembers: this.trees.byAggregate };
  }

  private assertNamesKnown(req: CandidatesRequest): void {
    assertNamesKnown(
      req,
      (c) => this.classes.has(c),
      (t) => this.traits.has(t),
    );
  }

  /** The last change-log position applied; null before the first load (metrics read it). */
  get appliedPosition(): LogPosition | null {
    return this.position;
  }

  /** Names the world as it is now; a different token after any change, never an old one again. */
  get changeToken(): string {
    return `${this.dialect}:${this.version}`;
  }

  private start(): Promise<void> {
    const run: Promise<void> = this.catchUp().finally(() => {
      if (this.running === run) this.running = null;
    });
    return (this.running = run);
  }

  private async catchUp(): Promise<void> {
    if (this.dialect === 'sqlite') {
      const [row] = await this.reader.$queryRawUnsafe<{ data_version: number | bigint }[]>('PRAGMA data_version');
      const version = Number(row.data_version);
      if (version === this.dataVersion && this.position !== null) return void metrics.worldCache.inc({ result: 'unchanged' });
      this.dataVersion = version;
    }
    const read = this.position !== null ? await readLog(this.reader, this.position) : null;
    try {
      const result = !read?.changes ? 'reload' : read.changes.names || read.changes.providers.size ? 'applied' : 'unchanged';
      metrics.worldCache.inc({ result });
      if (result === 'reload') await this.reload();
      else if (result === 'applied') await this.apply(read!.changes!);
      if (read) this.position = read.position;
    } catch (err) {
      // A failed SQLite catch-up must look again next time, though data_version will not have moved.
      this.dataVersion = null;
      throw err;
    }
  }

  /** Everything, read after taking the position: the world is at least as new as the position says. */
  private async reload(): Promise<void> {
    this.position = null;
    const { position } = await readLog(this.reader, null);
    await this.readNames();
    this.stats.reloads++;
    const all = await readProviders(this.reader, this.dialect, null, this.classes);
    this.providers = new Map(all.map((p) => [p.id, p]));
    this.trees = null;
    this.version++;
    this.position = position;
  }

  /** Re-reads what changed: the current state, so a change applied twice does no harm. */
  private async apply(changes: NonNullable<LogRead['changes']>): Promise<void> {
    if (changes.names) await this.readNames();
    if (changes.providers.size) {
      const ids = [...changes.providers];
      this.stats.providerReads += ids.length;
      const fresh = new Map((await readProviders(this.reader, this.dialect, { column: 'id', ids }, this.classes)).map((p) => [p.id, p]));
      for (const id of ids) {
        const before = this.providers.get(id);
        const after = fresh.get(id);
        // Objects are replaced, never changed: a search holding the previous world is unaffected.
        if (after) this.providers.set(id, after);
        else this.providers.delete(id);
        if (!before || !after || !sameStructure(before, after)) this.trees = null;
      }
    }
    this.version++;
  }

  private async readNames(): Promise<void> {
    const [classes, traits] = await Promise.all([
      this.reader.$queryRaw<{ id: number; name: string }[]>`SELECT id, name FROM resource_classes`,
      this.reader.$queryRaw<{ name: string }[]>`SELECT name FROM traits`,
    ]);
    this.classes = new Map(classes.map((r) => [r.name, Number(r.id)]));
    this.traits = new Set(traits.map((r) => r.name));
  }
}
