// Server settings read from the environment, validated once at start (SECURITY.md lists them).
import { z } from 'zod';
import type { SearchOptions } from './domain/candidates/search.ts';
import type { AuthSettings } from './auth/authenticate.ts';
import type { TracingSettings } from './observability/tracing.ts';

const int = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const env = z.object({
  /** Most allocation candidates generated per request (the reference's max_allocation_candidates); -1: no cap. */
  PLACEMENT_MAX_CANDIDATES: z.coerce.number().int().min(-1).default(100_000),
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
  /** One JSON line per request. */
  LOG_REQUESTS: z.enum(['on', 'off']).default('on'),
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
  logRequests: boolean;
}

export function configFromEnv(source: Record<string, string | undefined> = process.env): Config {
  const e = env.parse(source);
  return {
    candidates: {
      maxCandidates: e.PLACEMENT_MAX_CANDIDATES === -1 ? null : e.PLACEMENT_MAX_CANDIDATES,
      strategy: e.PLACEMENT_CANDIDATE_STRATEGY,
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
    corsOrigins: e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    feed: { maxSubscribers: e.PLACEMENT_FEED_MAX_SUBSCRIBERS, queueEvents: e.PLACEMENT_FEED_QUEUE_EVENTS, pollMs: e.PLACEMENT_FEED_POLL_MS },
    metrics: e.METRICS_TOKEN ? { token: e.METRICS_TOKEN } : e.AUTH === 'none' ? 'open' : 'off',
    tracing: {
      endpoint: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : null),
      serviceName: e.OTEL_SERVICE_NAME,
    },
    logRequests: e.LOG_REQUESTS === 'on',
  };
}
