import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);
// graphql ships both ESM and CJS builds; Pothos and yoga must share one instance with the tests.
const resolve = { alias: { graphql: require.resolve('graphql') } };
const common = { testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' as const };

// The whole suite runs on SQLite; with TEST_POSTGRES_URL set it runs again on PostgreSQL (each test
// file in a schema of its own), together with the PostgreSQL-only tests (*.pg.test.ts: migrations,
// several server processes, kill -9, database outages). The SQLite migration files and the types are not checked twice.
const postgres = process.env.TEST_POSTGRES_URL;

export default defineConfig({
  resolve,
  test: {
    projects: [
      { resolve, test: { ...common, name: 'sqlite', include: ['test/**/*.test.ts'], exclude: ['test/**/*.pg.test.ts'], env: { TEST_DB: 'sqlite' } } },
      ...(postgres
        ? [
            {
              resolve,
              test: { ...common, name: 'postgres', include: ['test/**/*.test.ts'], exclude: ['test/migrator.test.ts', 'test/typecheck.test.ts', 'test/lint.test.ts'], env: { TEST_DB: 'postgres' } },
            },
          ]
        : []),
    ],
  },
});
