// One fresh database per test file: an SQLite file by default, or, when the suite runs in its
// PostgreSQL project (TEST_DB=postgres, TEST_POSTGRES_URL set), a schema of its own on that server.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { configFromEnv, type DatabaseSettings } from '../src/config.ts';
import { LOG_LOCK_SQL } from '../src/db/changeLog.ts';
import { type Database, openDatabase } from '../src/db/client.ts';

export const testingPostgres = () => process.env.TEST_DB === 'postgres';

export interface TestDatabase {
  db: Database;
  /** The DATABASE_URL of this database, for server processes started by a test. */
  url: string;
  drop(): Promise<void>;
}

/** `settings`: as the server would take them (default: the defaults, whatever this process's environment holds). */
export async function openTestDatabase(settings: DatabaseSettings = configFromEnv({}).database): Promise<TestDatabase> {
  if (testingPostgres()) {
    const base = process.env.TEST_POSTGRES_URL;
    if (!base) throw new Error('TEST_DB=postgres needs TEST_POSTGRES_URL');
    const schema = `test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const url = `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
    const db = await openDatabase(url, settings);
    return {
      db,
      url,
      async drop() {
        await db.close();
        const admin = new pg.Client({ connectionString: base });
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'placement-test-'));
  const url = `file:${path.join(dir, 'test.db')}`;
  const db = await openDatabase(url, settings);
  return {
    db,
    url,
    async drop() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL session of the test's own on the schema of `url` (connected): another writer, or raw checks. */
export async function schemaSession(url: string): Promise<pg.Client> {
  const schema = new URL(url).searchParams.get('schema');
  const client = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL, options: schema ? `-c search_path=${schema}` : undefined });
  await client.connect();
  return client;
}

/** Empties every table of placement data (standard names stay): a test-harness shortcut behind the world cache's back. */
export async function emptyDatabase(db: Database): Promise<void> {
  const tables = ['allocations', 'consumers', 'resource_provider_traits', 'resource_provider_aggregates', 'inventories', 'resource_providers'];
  if (db.kind === 'postgres') {
    // Logged like a write, so change tokens (the memo without a cache, ETags) move on.
    await db.writer.$transaction([
      db.writer.$executeRawUnsafe(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`),
      db.writer.$executeRawUnsafe(LOG_LOCK_SQL),
      db.writer.$executeRawUnsafe(`INSERT INTO change_log (providers, names) VALUES ('', true)`),
    ]);
    db.cache?.invalidate();
    return;
  }
  await db.writer.$executeRawUnsafe('PRAGMA foreign_keys = OFF');
  for (const table of tables) await db.writer.$executeRawUnsafe(`DELETE FROM ${table}`);
  await db.writer.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  db.cache?.invalidate();
}
