// `prisma generate` for both databases, without the native schema engine.
// - prisma/schema.prisma (SQLite) is the one source of the models; prisma/postgres/schema.prisma is
//   derived from it here (provider and client output only) and committed, so migrations can be
//   generated and checked for each database (test/migrator.test.ts fails when it is stale).
// - The CLI insists on locating an engine binary even though generating needs none, and offline
//   machines cannot download it: PRISMA_SCHEMA_ENGINE_BINARY pointing at any existing file (node
//   itself) satisfies that check.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');

/**
 * prisma/postgres/schema.prisma from the SQLite schema's text.
 * @param {string} sqliteSchema
 * @returns {string}
 */
export function postgresSchema(sqliteSchema) {
  return (
    '// GENERATED from prisma/schema.prisma by scripts/generate.mjs: edit that file, not this one.\n' +
    sqliteSchema.replace('provider = "sqlite"', 'provider = "postgresql"').replace('output       = "../src/db/generated"', 'output       = "../../src/db/generated-pg"')
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const derived = postgresSchema(readFileSync('prisma/schema.prisma', 'utf8'));
  mkdirSync('prisma/postgres', { recursive: true });
  writeFileSync('prisma/postgres/schema.prisma', derived);
  for (const schema of ['prisma/schema.prisma', 'prisma/postgres/schema.prisma']) {
    const result = spawnSync(process.execPath, [cli, 'generate', '--schema', schema], {
      stdio: 'inherit',
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}
