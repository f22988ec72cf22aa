// Opens the database: migrates it, seeds the standard names, and hands out two Prisma clients.
// SQLite (the embedded default) gets one writer connection, whose transactions Prisma's adapter
// serialises, and a separate reader connection: in WAL mode the reader sees only committed data,
// so a query never observes a mutation half-way through its transaction.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { configFromEnv, type DatabaseSettings } from '../config.ts';
import { FeedHub } from '../feed/hub.ts';
import { requestContext } from '../log.ts';
import { watchPool } from '../observability/metrics.ts';
import { inSpan } from '../observability/tracing.ts';
import { AnswerMemo } from './answerMemo.ts';
import { ChangeFeed } from './changeFeed.ts';
import { PrismaClient } from './generated/client.ts';
import { PrismaClient as PgPrismaClient } from './generated-pg/client.ts';
import { applyMigrations } from './migrator.ts';
import { seedStandardNames } from './seed.ts';
import { WorldCache } from './worldCache.ts';

export type Prisma = PrismaClient;
/** What both a client and an interactive transaction offer: raw SQL and the model API. */
export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export interface Database {
  /** Which engine: queries that must differ (rarely) ask. */
  kind: 'sqlite' | 'postgres';
  /** Serves mutations (every write runs in a transaction here). */
  writer: PrismaClient;
  /** Serves queries. */
  reader: PrismaClient;
  /** SQL statements sent so far, both connections: tests use it to prove batching. */
  stats: { statements: number };
  /** What it was opened with (src/config.ts): pool, timeouts, retries, world cache, change-log retention. */
  settings: DatabaseSettings;
  /** The candidate search's world kept in memory (null when turned off: settings.worldCache). */
  cache: WorldCache | null;
  /** PostgreSQL: tells the other replicas that a write committed (null on SQLite). */
  feed: ChangeFeed | null;
  /** Candidates answers per change token. */
  memo: AnswerMemo;
  /** This process's reader of the change log for the change feed's subscribers (src/feed/hub.ts). */
  hub: FeedHub;
  close(): Promise<void>;
}

/** Settings from the environment, for callers that pass none (the server, the migrate CLI, scripts). */
const fromEnv = () => configFromEnv();

/** `file:relative/path` is taken relative to the working directory, as Prisma does. */
export function sqlitePath(url: string): string {
  const file = url.replace(/^file:/, '').replace(/\?.*$/, '');
  return file === ':memory:' ? file : path.resolve(file);
}

/**
 * Counts every statement an adapter runs, inside transactions too: in all, and for the request it
 * runs for (its log line); and traces each (the SQL text, never its parameters).
 */
function counting(factory: SqlMigrationAwareDriverAdapterFactory, stats: { statements: number }) {
  const system = factory.provider === 'postgres' ? 'postgresql' : factory.provider;
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== 'function') return value;
        if (prop === 'queryRaw' || prop === 'executeRaw') {
          return (...args: unknown[]) => {
            stats.statements++;
            const request = requestContext.getStore();
            if (request) request.tally.statements++;
            const sql = (args[0] as { sql?: string })?.sql ?? '';
            return inSpan(`${system} ${/^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'statement'}`, { 'db.system.name': system, 'db.query.text': sql }, () => value.apply(obj, args));
          };
        }
        if (prop === 'startTransaction') {
          return async (...args: unknown[]) => wrap(await value.apply(obj, args));
        }
        return value.bind(obj);
      },
    });
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => wrap(await factory.connect()) as SqlDriverAdapter,
    connectToShadowDb: () => factory.connectToShadowDb(),
  } satisfies SqlMigrationAwareDriverAdapterFactory;
}

function sqliteFactory(file: string): SqlMigrationAwareDriverAdapterFactory {
  // timeout = busy timeout in ms: another process holding the write lock makes us wait, not fail.
  return new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 10_000 });
}

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

function assertSupported(url: string): void {
  if (!isPostgresUrl(url) && !url.startsWith('file:')) {
    throw new Error(`Unsupported DATABASE_URL scheme: ${url.split(':')[0]} (use file:... for SQLite or postgresql://... )`);
  }
}

/**
 * Applies pending migrations to the database at `url`; the names applied. On PostgreSQL under an
 * advisory lock: replicas starting together never run migrations side by side.
 */
export async function migrateDatabase(url = fromEnv().databaseUrl, settings: DatabaseSettings = fromEnv().database): Promise<string[]> {
  assertSupported(url);
  if (isPostgresUrl(url)) return withMigrationLock(url, settings, () => applyMigrations(pgMigrationFactory(url, settings)));
  const file = sqlitePath(url);
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  return applyMigrations(sqliteFactory(file));
}

export async function openDatabase(url = fromEnv().databaseUrl, settings: DatabaseSettings = fromEnv().database): Promise<Database> {
  assertSupported(url);
  if (isPostgresUrl(url)) return openPostgres(url, settings);
  const file = sqlitePath(url);
  await migrateDatabase(url, settings);

  const stats = { statements: 0 };
  const writer = new PrismaClient({ adapter: counting(sqliteFactory(file), stats) });
  const reader = new PrismaClient({ adapter: counting(sqliteFactory(file), stats) });
  await writer.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await writer.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  await reader.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  await seedStandardNames(writer, 'sqlite', settings.changeLogKeep);
  const hub = new FeedHub(reader);
  return {
    kind: 'sqlite',
    writer,
    reader,
    stats,
    settings,
    cache: settings.worldCache ? new WorldCache(reader, 'sqlite') : null,
    feed: null,
    memo: new AnswerMemo(),
    hub,
    async close() {
      hub.close();
      await Promise.all([writer.$disconnect(), reader.$disconnect()]);
    },
  };
}

/** Pool and timeouts for PostgreSQL (see README). */
export function postgresPoolConfig(url: string, settings: DatabaseSettings): pg.PoolConfig & { schema?: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return {
    connectionString: parsed.toString(),
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs.postgres,
    idleTimeoutMillis: 30_000,
    // search_path makes the hand-written SQL and the migrations land in the chosen schema.
    options: `-c statement_timeout=${settings.statementTimeoutMs}${schema ? ` -c search_path=${schema}` : ''}`,
    schema,
  };
}

function pgFactory(url: string, settings: DatabaseSettings, max?: number): SqlMigrationAwareDriverAdapterFactory {
  const { schema, ...config } = postgresPoolConfig(url, settings);
  // A pool of our own (ended with the client) so that metrics can see the queries waiting for it.
  const pool = new pg.Pool({ ...config, ...(max ? { max } : {}) });
  watchPool(pool);
  return new PrismaPg(pool, { ...(schema ? { schema } : {}), disposeExternalPool: true });
}

/**
 * The schema engine's catalogue queries return columns of PostgreSQL's internal "char" type,
 * which the pg driver adapter (7.10) cannot map; they hold one-letter codes, so they are handed
 * over as text. Only the migration engine's connections go through this pool.
 */
// biome-ignore-start lint/suspicious/noExplicitAny: pg's overloaded query/connect signatures; this wrapper only passes its arguments through
class CatalogueFriendlyPool extends pg.Pool {
  private static fix<T>(result: T): T {
    for (const r of Array.isArray(result) ? result : [result]) for (const f of (r as pg.QueryResult)?.fields ?? []) if (f.dataTypeID === 18) f.dataTypeID = 25;
    return result;
  }
  override query(...args: any[]): any {
    const out = (super.query as any)(...args);
    return out && typeof out.then === 'function' ? out.then(CatalogueFriendlyPool.fix) : out;
  }
  override connect(...args: any[]): any {
    if (args.length) return (super.connect as any)(...args);
    return super.connect().then((client) => {
      const query = client.query.bind(client) as any;
      (client as any).query = (...q: any[]) => {
        const out = query(...q);
        return out && typeof out.then === 'function' ? out.then(CatalogueFriendlyPool.fix) : out;
      };
      return client;
    });
  }
}
// biome-ignore-end lint/suspicious/noExplicitAny: pg's overloaded signatures

/** The adapter the schema engine migrates PostgreSQL through. */
export function pgMigrationFactory(url: string, settings: DatabaseSettings = fromEnv().database): SqlMigrationAwareDriverAdapterFactory {
  const { schema, ...pool } = postgresPoolConfig(url, settings);
  return new PrismaPg(new CatalogueFriendlyPool(pool), { ...(schema ? { schema } : {}), disposeExternalPool: true });
}

/**
 * Many stateless replicas share one PostgreSQL database. Whichever starts first migrates it while
 * holding an advisory lock, so replicas starting together never run migrations side by side.
 */
async function withMigrationLock<T>(url: string, settings: DatabaseSettings, work: () => Promise<T>): Promise<T> {
  const { schema, ...pool } = postgresPoolConfig(url, settings);
  const lock = new pg.Client({ connectionString: pool.connectionString, connectionTimeoutMillis: pool.connectionTimeoutMillis });
  await lock.connect();
  try {
    if (schema) await lock.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '')}"`);
    await lock.query('SELECT pg_advisory_lock(7266823)');
    return await work();
  } finally {
    await lock.end();
  }
}

async function openPostgres(url: string, settings: DatabaseSettings): Promise<Database> {
  const { schema, ...pool } = postgresPoolConfig(url, settings);
  return withMigrationLock(url, settings, async () => {
    await applyMigrations(pgMigrationFactory(url, settings));
    const stats = { statements: 0 };
    const client = new PgPrismaClient({ adapter: counting(pgFactory(url, settings), stats) }) as unknown as PrismaClient;
    await seedStandardNames(client, 'postgres', settings.changeLogKeep);
    // The cache reads through a connection of its own (see WorldCache), and listens on another.
    const cacheClient = settings.worldCache ? (new PgPrismaClient({ adapter: counting(pgFactory(url, settings, 1), stats) }) as unknown as PrismaClient) : null;
    const cache = cacheClient && new WorldCache(cacheClient, 'postgres');
    const { connectionString, connectionTimeoutMillis, options } = pool;
    const hub = new FeedHub(client);
    const feed = new ChangeFeed({ connectionString, connectionTimeoutMillis, options }, ChangeFeed.channelFor(schema), () => {
      cache?.fresh().catch(() => undefined);
      hub.wake();
    });
    await feed.open();
    return {
      kind: 'postgres',
      writer: client,
      reader: client,
      stats,
      settings,
      cache,
      feed,
      memo: new AnswerMemo(),
      hub,
      async close() {
        hub.close();
        await Promise.all([feed.close(), client.$disconnect(), cacheClient?.$disconnect()]);
      },
    };
  });
}
