// PostgreSQL migrations: prisma/postgres/schema.prisma is exactly what scripts/generate.mjs derives
// from prisma/schema.prisma, and the committed PostgreSQL migrations are exactly that schema, as
// Prisma's schema engine (wasm, through the driver adapter) sees it on a scratch schema.

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A plain JavaScript script: its JSDoc gives the types (tsconfig.check.json allows JS).
import { postgresSchema } from '../scripts/generate.mjs';
import { pgMigrationFactory } from '../src/db/client.ts';
import { applyMigrations, createMigration, layoutFor, prismaDir } from '../src/db/migrator.ts';

const base = process.env.TEST_POSTGRES_URL!;
const schema = `migrator_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const dir = mkdtempSync(path.join(tmpdir(), 'placement-pg-migrator-'));
let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
});
afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

const url = () => `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;

describe('PostgreSQL migrations', () => {
  it('derives prisma/postgres/schema.prisma from prisma/schema.prisma (run npm install to refresh)', () => {
    const sqlite = readFileSync(path.join(prismaDir, 'schema.prisma'), 'utf8');
    expect(readFileSync(layoutFor('postgres').schemaPath, 'utf8')).toBe(postgresSchema(sqlite));
  });

  it('finds no difference between the PostgreSQL schema and its committed migrations', async () => {
    const copy = path.join(dir, 'migrations');
    cpSync(layoutFor('postgres').migrationsDir, copy, { recursive: true });
    expect(await createMigration(pgMigrationFactory(url()), 'should_be_empty', copy)).toBeNull();
  });

  it('applies nothing more to a schema already migrated', async () => {
    expect(await applyMigrations(pgMigrationFactory(url()))).toEqual([]);
  });
});

describe('npm run db:migrate on PostgreSQL', () => {
  it('migrates the DATABASE_URL it is given, then finds it up to date', async () => {
    const target = `cli_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const url = `${base}${base.includes('?') ? '&' : '?'}schema=${target}`;
    const run = () => execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts'], { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' });
    try {
      expect(run()).toMatch(/^Applied: .*_init/);
      expect(run()).toBe('Database is up to date.\n');
      const tables = await admin.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [target]);
      expect(tables.rows.map((r) => r.table_name)).toContain('change_log');
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${target} CASCADE`);
    }
  });
});
