// Migrations through Prisma's own schema engine, compiled to wasm and driven over our driver
// adapter: the native engine binary cannot be downloaded on offline machines, and the wasm build
// needs no binary. The CLI-equivalents are `npm run db:migrate` and `npm run db:migration -- NAME`.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const prismaDir = path.join(projectRoot, 'prisma');

/** Each database has its schema file (the PostgreSQL one derived from the SQLite one) and migrations. */
export function layoutFor(provider: string): { schemaPath: string; migrationsDir: string } {
  const base = provider === 'postgres' ? path.join(prismaDir, 'postgres') : prismaDir;
  return { schemaPath: path.join(base, 'schema.prisma'), migrationsDir: path.join(base, 'migrations') };
}
const noFilters = { externalTables: [], externalEnums: [] };

let wasmReady: Promise<void> | undefined;

/** The package's entry imports the .wasm as an ES module, which Node 20 cannot; instantiate it by hand. */
function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const entry = fileURLToPath(import.meta.resolve('@prisma/schema-engine-wasm'));
    const bytes = await readFile(path.join(path.dirname(entry), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': engineBindings });
    engineBindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return wasmReady;
}

type Engine = { engine: SchemaEngine; close(): Promise<void> };

/**
 * Opens an engine over the adapter and tracks the connections it makes: freeing the engine does
 * not close them, and an SQLite connection left open keeps the file locked for the server.
 */
async function openEngine(factory: SqlMigrationAwareDriverAdapterFactory, schemaPath: string, schema: string): Promise<Engine> {
  await loadWasm();
  const opened: SqlDriverAdapter[] = [];
  const track = async (connect: () => Promise<SqlDriverAdapter>) => {
    const conn = await connect();
    opened.push(conn);
    return conn;
  };
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => track(() => factory.connect()),
    connectToShadowDb: () => track(() => factory.connectToShadowDb()),
  };
  const log = () => {}; // engine progress logs: not needed
  const engine = await engineBindings.SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, log, bindMigrationAwareSqlAdapterFactory(tracked));
  return {
    engine,
    async close() {
      engine.free();
      await Promise.all(opened.map((conn) => conn.dispose()));
    },
  };
}

async function readMigrations(dir: string): Promise<MigrationList> {
  const lockPath = path.join(dir, 'migration_lock.toml');
  const names = existsSync(dir)
    ? (await readdir(dir, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: { tag: 'ok' as const, value: await readFile(path.join(dir, name, 'migration.sql'), 'utf8') },
        },
      })),
    ),
  };
}

/** Migrations recorded as applied (name → checksum), or null when there is no record yet. */
async function appliedMigrations(adapter: SqlMigrationAwareDriverAdapterFactory): Promise<Map<string, string> | null> {
  const conn = await adapter.connect();
  try {
    const rs = await conn.queryRaw({
      sql: 'SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      args: [],
      argTypes: [],
    });
    return new Map(rs.rows.map((r) => [String(r[0]), String(r[1])]));
  } catch {
    return null;
  } finally {
    await conn.dispose();
  }
}

/**
 * Applies every migration of `dir` not yet applied; returns the names applied now. A database
 * already up to date (same names, same checksums) is left alone without starting the engine: the
 * usual restart, and the engine would wait for a lock another process on the same SQLite file holds.
 */
export async function applyMigrations(adapter: SqlMigrationAwareDriverAdapterFactory, dir = layoutFor(adapter.provider).migrationsDir): Promise<string[]> {
  const wanted = await readMigrations(dir);
  const applied = await appliedMigrations(adapter);
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const upToDate = wanted.migrationDirectories.every((m) => m.migrationFile.content.tag === 'ok' && applied?.get(m.path) === sha256(m.migrationFile.content.value));
  if (applied && upToDate) return [];
  const { schemaPath } = layoutFor(adapter.provider);
  const { engine, close } = await openEngine(adapter, schemaPath, await readFile(schemaPath, 'utf8'));
  try {
    return await applyWith(engine, dir);
  } finally {
    await close();
  }
}

async function applyWith(engine: SchemaEngine, dir: string): Promise<string[]> {
  const out = await engine.applyMigrations({ migrationsList: await readMigrations(dir), filters: noFilters });
  return out.appliedMigrationNames;
}

/**
 * Writes the difference between prisma/schema.prisma and the migration history as a new migration,
 * named `<timestamp>_<name>`. The history is replayed on a scratch database reached through
 * `scratch` (the wasm engine cannot open an SQLite shadow database itself), then the engine diffs
 * that database against the schema. Returns the directory name, or null when nothing changed.
 */
export async function createMigration(scratch: SqlMigrationAwareDriverAdapterFactory, name: string, dir = layoutFor(scratch.provider).migrationsDir, now = new Date()): Promise<string | null> {
  const { schemaPath } = layoutFor(scratch.provider);
  const schema = await readFile(schemaPath, 'utf8');
  const files = [{ path: schemaPath, content: schema }];
  // One engine for both steps: a second one would find the scratch database locked by the first.
  const { engine, close } = await openEngine(scratch, schemaPath, schema);
  try {
    await applyWith(engine, dir);
    const out = await engine.diff({
      from: { tag: 'schemaDatasource', files, configDir: path.dirname(schemaPath) },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: true,
      filters: noFilters,
    });
    if (out.exitCode !== 2 || !out.stdout) return null;
    const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
    const dirName = `${stamp}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    await mkdir(path.join(dir, dirName), { recursive: true });
    await writeFile(path.join(dir, dirName, 'migration.sql'), out.stdout);
    const lockPath = path.join(dir, 'migration_lock.toml');
    if (!existsSync(lockPath)) {
      await writeFile(lockPath, `# Written by src/db/migrator.ts; do not edit.\nprovider = "${scratch.provider === 'postgres' ? 'postgresql' : scratch.provider}"\n`);
    }
    return dirName;
  } finally {
    await close();
  }
}
