// Server settings read from the environment, validated once at start (SECURITY.md lists them).
import { z } from 'zod';
import type { AuthSettings } from './auth/authenticate.ts';
import type { SearchOptions } from './domain/candidates/search.ts';
import type { TracingSettings } from './observability/tracing.ts';

const int = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const env = z.object({
  /** Most allocation candidates generated per request (the reference's max_allocation_candidates); -1: no cap. */
  PLACEMENT_MAX_CANDIDATES: z.coerce.number().int().min(-1).default(100_000),
  /** Most combinations one candidates search (or explanation) may try before it is refused; -1: no bound. */
  PLACEMENT_MAX_SEARCH_STEPS: z.coerce.number().int().min(-1).default(20_000_000),
  /** Order in which viable roots are visited when generating candidates. */
  PLACEMENT_CANDIDATE_STRATEGY: z.enum(['depth-first', 'breadth-first']).default('breadth-first'),
  /** Answer a candidates question asked again before anything changed from memory. */
  PLACEMENT_CANDIDATE_MEMO: z.enum(['on', 'off']).default('on'),
  AUTH: z.enum(['none', 'token-file', 'jwt']).default('none'),
  AUTH_TOKEN_FILE: z.string().optional(),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  JWKS_FILE: z.string().optional(),
  JWKS_URL: z.string().url().optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  /** Longest JWT lifetime accepted (exp - iat), in seconds. */
  JWT_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(1).default(86_400),
  LIMIT_DEPTH: int(12),
  LIMIT_ALIASES: int(30),
  LIMIT_TOKENS: int(5000),
  LIMIT_DIRECTIVES: int(20),
  LIMIT_COST: int(250_000),
  LIMIT_BATCH: int(10),
  LIMIT_BODY_BYTES: int(1_000_000),
  LIMIT_LIST_ITEMS: int(5000),
  INTROSPECTION: z.enum(['on', 'off']).default('on'),
  CORS_ORIGINS: z.string().default(''),
  /** Change feed (subscriptions): most subscribers per process, events queued per subscriber, fallback poll. */
  PLACEMENT_FEED_MAX_SUBSCRIBERS: int(1000),
  PLACEMENT_FEED_QUEUE_EVENTS: z.coerce.number().int().min(1).default(10_000),
  PLACEMENT_FEED_POLL_MS: z.coerce.number().int().min(10).default(1000),
  /** Bearer token a Prometheus scraper sends to GET /metrics (see MetricsAccess). */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /** OTLP/HTTP collector: the base URL (…/v1/traces is added) or the traces URL itself. Unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('placement-graphql'),
});

/**
 * Who may read /metrics: the holder of the token when one is set; anyone when there is no
 * authentication (the server then listens on loopback only and everyone is admin); else nobody
 * (404): metrics are never exposed without protection when authentication is on.
 */
export type MetricsAccess = { token: string } | 'open' | 'off';

/** The change feed's bounds (src/feed/hub.ts). */
export interface FeedLimits {
  /** Subscribers one process serves at once; more are refused (TOO_MANY_SUBSCRIBERS). */
  maxSubscribers: number;
  /** Events waiting for one subscriber; one more ends it (SLOW_SUBSCRIBER). */
  queueEvents: number;
  /** While anyone listens, the log is read at least this often (other processes on one SQLite file, lost notifications). */
  pollMs: number;
}

export interface Limits {
  depth: number;
  aliases: number;
  tokens: number;
  directives: number;
  cost: number;
  batch: number;
  bodyBytes: number;
  /** Items of all the lists of one operation's input together (literals and variables). */
  listItems: number;
}

export interface Config {
  candidates: SearchOptions;
  candidateMemo: boolean;
  auth: AuthSettings;
  limits: Limits;
  introspection: boolean;
  /** Allowed browser origins; empty: CORS off. */
  corsOrigins: string[];
  feed: FeedLimits;
  metrics: MetricsAccess;
  tracing: TracingSettings;
  database: DatabaseSettings;
  databaseUrl: string;
  server: ServerSettings;
}

export function configFromEnv(source: Record<string, string | undefined> = process.env): Config {
  const e = parseSettings(env, source);
  return {
    ...deploymentFromEnv(source),
    candidates: {
      maxCandidates: e.PLACEMENT_MAX_CANDIDATES === -1 ? null : e.PLACEMENT_MAX_CANDIDATES,
      strategy: e.PLACEMENT_CANDIDATE_STRATEGY,
      maxSteps: e.PLACEMENT_MAX_SEARCH_STEPS === -1 ? null : e.PLACEMENT_MAX_SEARCH_STEPS,
    },
    candidateMemo: e.PLACEMENT_CANDIDATE_MEMO === 'on',
    auth: {
      mode: e.AUTH,
      tokenFile: e.AUTH_TOKEN_FILE,
      jwtSecret: e.JWT_SECRET,
      jwksFile: e.JWKS_FILE,
      jwksUrl: e.JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      maxLifetimeSeconds: e.JWT_MAX_LIFETIME_SECONDS,
    },
    limits: {
      depth: e.LIMIT_DEPTH,
      aliases: e.LIMIT_ALIASES,
      tokens: e.LIMIT_TOKENS,
      directives: e.LIMIT_DIRECTIVES,
      cost: e.LIMIT_COST,
      batch: e.LIMIT_BATCH,
      bodyBytes: e.LIMIT_BODY_BYTES,
      listItems: e.LIMIT_LIST_ITEMS,
    },
    introspection: e.INTROSPECTION === 'on',
    corsOrigins: e.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    feed: { maxSubscribers: e.PLACEMENT_FEED_MAX_SUBSCRIBERS, queueEvents: e.PLACEMENT_FEED_QUEUE_EVENTS, pollMs: e.PLACEMENT_FEED_POLL_MS },
    metrics: e.METRICS_TOKEN ? { token: e.METRICS_TOKEN } : e.AUTH === 'none' ? 'open' : 'off',
    tracing: {
      endpoint: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : null),
      serviceName: e.OTEL_SERVICE_NAME,
    },
  };
}

// ---- Deployment: database and listener settings (issue 14 item 4). The database layer takes these
// as arguments (openDatabase(url, settings)), never from the environment.

export const DEFAULT_DATABASE_URL = 'file:./data/placement.db';
const onOff = z.enum(['on', 'off']);
const whole = (min = 0) => z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(min, `must be at least ${min}`);
const count = (fallback: number, min = 0) => whole(min).default(fallback);
const deploymentEnv = z.object({
  /** SQLite file (`file:...`) or PostgreSQL server (`postgresql://...[?schema=name]`). */
  DATABASE_URL: z.string().min(1).default(DEFAULT_DATABASE_URL),
  /** PostgreSQL connections per process (the world cache and the change listener have one more each). */
  PLACEMENT_DB_POOL_SIZE: count(10, 1),
  /** PostgreSQL statement_timeout; 0: none. */
  PLACEMENT_STATEMENT_TIMEOUT_MS: count(30_000),
  /** Wait for a connection, or for a write transaction to start, before UNAVAILABLE. Unset: per engine, below. */
  PLACEMENT_DB_CONNECT_TIMEOUT_MS: whole().optional(),
  /** Server-side retries of a write that lost a generation race. */
  PLACEMENT_WRITE_RETRIES: count(10),
  /** Keep the candidate search's providers in memory (src/db/worldCache.ts). */
  PLACEMENT_WORLD_CACHE: onOff.default('on'),
  /** Change-log rows a prune keeps (src/db/changeLog.ts). */
  PLACEMENT_CHANGE_LOG_KEEP: count(10_000, 1),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** 0: any free port. */
  PORT: count(8080).pipe(z.number().max(65_535, 'must be at most 65535')),
  /** One log line per request. */
  LOG_REQUESTS: onOff.default('on'),
});

/** What src/db/client.ts opens a database with (Database.settings). */
export interface DatabaseSettings {
  /** PostgreSQL: pooled connections per process. */
  poolSize: number;
  /** PostgreSQL: longest statement, ms (0: no limit). */
  statementTimeoutMs: number;
  /** Wait for a connection or for a write transaction to start, ms. SQLite waits longer by default: its writes queue in one process rather than fail over to another replica. */
  connectTimeoutMs: { sqlite: number; postgres: number };
  /** Retries of a write transaction (or a claim) that lost a generation race. */
  writeRetries: number;
  /** Whether the world cache is kept. */
  worldCache: boolean;
  /** Change-log rows kept by a prune; a reader idle for longer than this many writes reloads. */
  changeLogKeep: number;
}

export interface ServerSettings {
  host: string;
  port: number;
  logRequests: boolean;
}

function deploymentFromEnv(source: Record<string, string | undefined>): Pick<Config, 'database' | 'databaseUrl' | 'server'> {
  const d = parseSettings(deploymentEnv, source);
  const connect = d.PLACEMENT_DB_CONNECT_TIMEOUT_MS;
  return {
    databaseUrl: d.DATABASE_URL,
    database: {
      poolSize: d.PLACEMENT_DB_POOL_SIZE,
      statementTimeoutMs: d.PLACEMENT_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: { sqlite: connect ?? 30_000, postgres: connect ?? 5_000 },
      writeRetries: d.PLACEMENT_WRITE_RETRIES,
      worldCache: d.PLACEMENT_WORLD_CACHE === 'on',
      changeLogKeep: d.PLACEMENT_CHANGE_LOG_KEEP,
    },
    server: { host: d.HOST, port: d.PORT, logRequests: d.LOG_REQUESTS === 'on' },
  };
}

/** Every setting's name (each documented in README.md or SECURITY.md: test/config.test.ts). */
export const settingNames = (): string[] => [...Object.keys(env.shape), ...Object.keys(deploymentEnv.shape)];

/** A setting that does not parse; its message is one line naming the setting (never its value: some are secrets). */
export class ConfigError extends Error {}

function parseSettings<T extends z.ZodType>(schema: T, source: Record<string, string | undefined>): z.output<T> {
  const parsed = schema.safeParse(source);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((i) => `invalid setting ${i.path.join('.')}: ${i.message}`).join('; '));
}
