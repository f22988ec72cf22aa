// The candidate search's whole world, kept in memory by the process (SQLite only). There this
// process is the database's one writer (the deployment rule for the embedded database), so it
// knows what every commit changed: write transactions report it (changes.ts) and the next read
// re-reads just those providers. A commit by any other connection (another process, a bulk seed)
// shows in SQLite's PRAGMA data_version on the writer connection, checked on every read, and
// reloads everything. So a read always sees every commit made before it started, as the database
// would. PostgreSQL replicas write behind each other's backs: there each request reads the database.
import type { Tx } from './client.ts';
import { isEmpty, merge, noChanges, type ChangeSet } from './changes.ts';
import { readProviders } from './candidates.ts';
import { assertNamesKnown, type CandidatesRequest } from '../domain/candidates/request.ts';
import { indexTrees, sameStructure, selectWorld, type WorldTrees } from '../domain/candidates/trees.ts';
import type { World, WorldProvider } from '../domain/candidates/world.ts';

export class WorldCache {
  private providers = new Map<number, WorldProvider>();
  private classes = new Map<string, number>();
  private traits = new Set<string>();
  /** Rebuilt on demand after a change of tree, trait or aggregate structure. */
  private trees: WorldTrees | null = null;
  private pending: ChangeSet = { ...noChanges(), all: true };
  private dataVersion: number | null = null;
  private refreshing: Promise<void> | null = null;
  /** Bumped after every refresh: answers derived from the world are keyed by it (see changeToken). */
  private version = 0;
  /** Full reloads and provider re-reads so far (tests and logs read them). */
  readonly stats = { reloads: 0, providerReads: 0 };

  /** `reader` serves the re-reads: it sees only committed data. */
  constructor(private readonly reader: Tx) {}

  /** A write transaction committed these changes. */
  changed(changes: ChangeSet): void {
    merge(this.pending, changes);
  }

  /** Something changed behind the cache's back: reload everything on the next read. */
  invalidate(): void {
    this.pending.all = true;
  }

  /**
   * Brings the cache up to date with every commit made before this call. `writer` is the writer
   * connection, or the open write transaction when called inside one (its own connection would wait).
   */
  async fresh(writer: Tx): Promise<void> {
    const [row] = await writer.$queryRawUnsafe<{ data_version: number | bigint }[]>('PRAGMA data_version');
    const version = Number(row.data_version);
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.pending.all = true;
    }
    // A refresh under way may have started before our changes were noted: wait for it, go round again.
    while (this.refreshing || !isEmpty(this.pending)) await (this.refreshing ??= this.refresh().finally(() => (this.refreshing = null)));
  }

  /** The trees a request can use (see selectWorld), from the world as last refreshed: call after fresh(). */
  world(req: CandidatesRequest, maxRoots?: number): World & { truncated: boolean } {
    assertNamesKnown(req, (c) => this.classes.has(c), (t) => this.traits.has(t));
    this.trees ??= indexTrees(this.providers);
    return selectWorld(this.providers, this.trees, req, this.classes, maxRoots);
  }

  /** Names the world as it is now; a different token after any change, never an old one again. */
  get changeToken(): string {
    return `sqlite:${this.version}`;
  }

  private async refresh(): Promise<void> {
    const work = this.pending;
    this.pending = noChanges();
    try {
      if (work.all || work.names) await this.readNames();
      if (work.all) {
        this.stats.reloads++;
        const all = await readProviders(this.reader, 'sqlite', null, this.classes);
        this.providers = new Map(all.map((p) => [p.id, p]));
        this.trees = null;
      } else if (work.providers.size) {
        const ids = [...work.providers];
        this.stats.providerReads += ids.length;
        const fresh = new Map((await readProviders(this.reader, 'sqlite', { column: 'id', ids }, this.classes)).map((p) => [p.id, p]));
        for (const id of ids) {
          const before = this.providers.get(id);
          const after = fresh.get(id);
          // Objects are replaced, never changed: a search holding the previous world is unaffected.
          if (after) this.providers.set(id, after);
          else this.providers.delete(id);
          if (!before || !after || !sameStructure(before, after)) this.trees = null;
        }
      }
    } catch (err) {
      merge(this.pending, work);
      throw err;
    } finally {
      // Last: an answer computed while the refresh ran keeps the old token, which no one asks for again.
      this.version++;
    }
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
