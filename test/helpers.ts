// Test harness: a fresh database per test file (see database.ts) and the real app, called in-process.
import { expect } from 'vitest';
import { type App, createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import { openTestDatabase } from './database.ts';

export interface GqlResult<T = any> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string }; path?: (string | number)[] }[];
}

export interface Harness {
  db: Database;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  /** Runs a query that must succeed and returns its data. */
  ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Runs an operation that must fail with `code`; returns the error message. */
  fails(code: string, query: string, variables?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/** An operation as a client posts it. */
export interface Operation {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/**
 * The one way tests send a GraphQL operation: a JSON POST to the app, in-process. Every other
 * helper wraps it; only tests of the HTTP layer itself (CSRF, GET, hostile bodies) write their own.
 */
export async function post(app: Pick<App, 'fetch'>, operation: Operation, headers: Record<string, string> = {}): Promise<Response> {
  return app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(operation) });
}

/** Posts an operation and reads its JSON answer. */
export async function graphql<T = any>(app: Pick<App, 'fetch'>, operation: Operation, headers: Record<string, string> = {}): Promise<GqlResult<T>> {
  return (await (await post(app, operation, headers)).json()) as GqlResult<T>;
}

/** `env` overrides server settings, as the environment would (e.g. PLACEMENT_MAX_CANDIDATES, PLACEMENT_DB_POOL_SIZE). */
export async function setup(env: Record<string, string> = {}): Promise<Harness> {
  const config = configFromEnv(env);
  const { db, drop } = await openTestDatabase(config.database);
  const app = createApp(db, config);
  const gql = (query: string, variables?: Record<string, unknown>) => graphql(app, { query, variables });
  return {
    db,
    gql,
    async ok(query, variables) {
      const res = await gql(query, variables);
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      return res.data;
    },
    async fails(code, query, variables) {
      const res = await gql(query, variables);
      expect(
        res.errors?.map((e) => e.extensions?.code),
        JSON.stringify(res),
      ).toEqual([code]);
      return res.errors![0].message;
    },
    close: drop,
  };
}

/** An app over a database already open (say, a second connection to a test database). */
export interface AppOn {
  db: Database;
  app: App;
  /** Runs an operation that must succeed and returns its data. */
  must(query: string, variables?: Record<string, unknown>): Promise<any>;
}

export function appOn(db: Database, env: Record<string, string> = {}): AppOn {
  const app = createApp(db, configFromEnv(env));
  return {
    db,
    app,
    async must(query, variables) {
      const body = await graphql(app, { query, variables });
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      return body.data;
    },
  };
}

/** Database settings as the environment `env` would give them (the rest default). */
export const databaseSettings = (env: Record<string, string> = {}) => configFromEnv(env).database;

/** A deterministic uuid for readable tests: u(1) = 00000000-0000-0000-0000-000000000001. */
/** A new consumer's setAllocations input: one resource per [provider, class, amount]. */
export const newConsumer = (consumerUuid: string, allocations: [string, string, number][], projectId = 'p', userId = 'u') => ({
  consumerUuid,
  consumerGeneration: null,
  projectId,
  userId,
  consumerType: 'INSTANCE',
  allocations: allocations.map(([providerUuid, resourceClass, amount]) => ({ providerUuid, resources: [{ resourceClass, amount }] })),
});

export const u = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

const TABLES = [
  'resource_classes',
  'traits',
  'resource_providers',
  'inventories',
  'projects',
  'users',
  'consumer_types',
  'consumers',
  'allocations',
  'aggregates',
  'resource_provider_traits',
  'resource_provider_aggregates',
];

/** Every row of every table, for asserting that a rejected mutation changed nothing. */
export async function snapshotDb(h: Harness): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) out[table] = await h.db.reader.$queryRawUnsafe(`SELECT * FROM ${table} ORDER BY 1, 2`);
  return out;
}
