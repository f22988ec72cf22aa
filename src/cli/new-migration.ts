// `npm run db:migration -- NAME`: writes the next migration for each database, with the difference
// between the schema and the existing migrations, computed by Prisma's schema engine on a scratch
// database: an SQLite file, and a scratch schema on the PostgreSQL server named by
// MIGRATION_POSTGRES_URL (or TEST_POSTGRES_URL).

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import pg from 'pg';
import { pgMigrationFactory } from '../db/client.ts';
import { createMigration } from '../db/migrator.ts';

const name = process.argv[2];
if (!name || !/^[A-Za-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration -- NAME   (letters, digits and _)');
  process.exit(2);
}
const report = (db: string, created: string | null) => console.log(created ? `${db}: created ${created}/migration.sql` : `${db}: no changes, the schema matches the migrations.`);

const scratch = mkdtempSync(path.join(tmpdir(), 'placement-migration-'));
try {
  report('sqlite', await createMigration(new PrismaBetterSqlite3({ url: `file:${path.join(scratch, 'scratch.db')}` }), name));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const pgUrl = process.env.MIGRATION_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL;
if (!pgUrl) {
  console.error('postgres: skipped. Set MIGRATION_POSTGRES_URL=postgresql://... to a server where a scratch schema may be created.');
  process.exit(1);
}
const schema = `migration_scratch_${randomUUID().replace(/-/g, '')}`;
const admin = new pg.Client({ connectionString: pgUrl });
await admin.connect();
try {
  await admin.query(`CREATE SCHEMA ${schema}`);
  // The migration pool: it hands the schema engine's "char" catalogue columns over as text.
  const url = new URL(pgUrl);
  url.searchParams.set('schema', schema);
  report('postgres', await createMigration(pgMigrationFactory(url.toString()), name));
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}
