// Opens the database: migrates it, seeds the standard names, and hands out two Prisma clients.
// SQLite (the embedded default) gets one writer connection, whose transactions Prisma's adapter
// serialises, and a separate reader connection: in WAL mode the reader sees only committed data,
// so a query never observes a mutation half-way through its transaction.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient } from './generated/client.ts';
import { applyMigrations } from './migrator.ts';
import { seedStandardNames } from './seed.ts';

export type Prisma = PrismaClient;
/** What both a client and an interactive transaction offer: raw SQL and the model API. */
export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export interface Database {
  /** Serves mutations (every write runs in a transaction here). */
  writer: PrismaClient;
  /** Serves queries. */
  reader: PrismaClient;
  /** SQL statements sent so far, both connections: tests use it to prove batching. */
  stats: { statements: number };
  close(): Promise<void>;
}

export const DEFAULT_DATABASE_URL = 'file:./data/placement.db';

/** `file:relative/path` is taken relative to the working directory, as Prisma does. */
export function sqlitePath(url: string): string {
  const file = url.replace(/^file:/, '').replace(/\?.*$/, '');
  return file === ':memory:' ? file : path.resolve(file);
}

/** Counts every statement an adapter runs, inside transactions too. */
function counting(factory: SqlMigrationAwareDriverAdapterFactory, stats: { statements: number }) {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== 'function') return value;
        if (prop === 'queryRaw' || prop === 'executeRaw') {
          return (...args: unknown[]) => {
            stats.statements++;
            return value.apply(obj, args);
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

export async function openDatabase(url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL): Promise<Database> {
  if (!url.startsWith('file:')) {
    throw new Error(`Unsupported DATABASE_URL scheme: ${url.split(':')[0]} (only file: SQLite is supported)`);
  }
  const file = sqlitePath(url);
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  await applyMigrations(sqliteFactory(file));

  const stats = { statements: 0 };
  const writer = new PrismaClient({ adapter: counting(sqliteFactory(file), stats) });
  const reader = new PrismaClient({ adapter: counting(sqliteFactory(file), stats) });
  await writer.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await writer.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  await reader.$queryRawUnsafe('PRAGMA foreign_keys = ON');
  await seedStandardNames(writer);
  return {
    writer,
    reader,
    stats,
    async close() {
      await Promise.all([writer.$disconnect(), reader.$disconnect()]);
    },
  };
}
