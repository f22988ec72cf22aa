// The migration module: Prisma's wasm schema engine applies prisma/migrations through the driver
// adapter, and the committed migrations are exactly what prisma/schema.prisma describes.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, createMigration, prismaDir } from '../src/db/migrator.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'placement-migrator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const adapter = (name: string) => new PrismaBetterSqlite3({ url: `file:${path.join(dir, name)}` });
const tables = (name: string) =>
  new Database(path.join(dir, name), { readonly: true })
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((r: any) => r.name);

describe('migrator', () => {
  it('applies every migration to an empty database, then nothing on the next run', async () => {
    const names = readdirSync(path.join(prismaDir, 'migrations'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(await applyMigrations(adapter('a.db'))).toEqual(names.sort());
    expect(tables('a.db')).toEqual(expect.arrayContaining(['_prisma_migrations', 'resource_providers', 'inventories', 'allocations', 'consumers']));
    expect(await applyMigrations(adapter('a.db'))).toEqual([]);
  });

  it('leaves an up-to-date database alone even while another connection holds it, but applies an edited history', async () => {
    const holder = new Database(path.join(dir, 'a.db'));
    holder.exec('BEGIN IMMEDIATE'); // another process in the middle of a write
    try {
      expect(await applyMigrations(adapter('a.db'))).toEqual([]);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    // A history the database has not seen (here: a new, empty migration) goes to the engine.
    const copy = path.join(dir, 'migrations-extra');
    cpSync(path.join(prismaDir, 'migrations'), copy, { recursive: true });
    mkdirSync(path.join(copy, '29990101000000_extra'));
    writeFileSync(path.join(copy, '29990101000000_extra', 'migration.sql'), '-- nothing\n');
    expect(await applyMigrations(adapter('a.db'), copy)).toEqual(['29990101000000_extra']);
  });

  it('finds no difference between schema.prisma and the committed migrations', async () => {
    const copy = path.join(dir, 'migrations-copy');
    cpSync(path.join(prismaDir, 'migrations'), copy, { recursive: true });
    expect(await createMigration(adapter('scratch.db'), 'should_be_empty', copy)).toBeNull();
  });

  it('writes a new migration when the schema is ahead of the history', async () => {
    const empty = path.join(dir, 'no-history');
    const created = await createMigration(adapter('scratch2.db'), 'init', empty, new Date('2030-01-02T03:04:05Z'));
    expect(created).toBe('20300102030405_init');
    // The generated migration applies cleanly and yields the same tables as the committed ones.
    await applyMigrations(adapter('b.db'), empty);
    expect(tables('b.db')).toEqual(tables('a.db'));
  });
});
