// Prometheus metrics of this process. Request counts, latencies and GraphQL errors come from yoga's
// Prometheus plugin (app.ts); the service's own counters live here and are bumped where things
// happen. Metrics are per process (as Prometheus scrapes them), so tests read deltas.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createCounter, createHistogram, usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { logPosition } from '../db/changeLog.ts';
import type { Database } from '../db/client.ts';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });

export const metrics = {
  errors: counter('placement_graphql_errors_total', 'Errors answered, by extensions.code (every path: HTTP edge, parse, execution).', ['code']),
  claims: counter('placement_claims_total', 'Claims and setAllocations writes answered by the claim pipeline, by kind and result (ok or the error code).', ['kind', 'result']),
  conflicts: counter('placement_generation_conflicts_total', 'CONCURRENT_UPDATE answers: a stale generation, or races lost more often than retried.'),
  writeRetries: counter('placement_write_retries_total', 'Write transactions (or pipeline claims) run again server-side after losing a race, by reason.', ['reason']),
  candidatesGenerated: counter('placement_candidates_generated_total', 'Allocation candidates found by searches (queries and claims).'),
  candidatesReturned: counter('placement_candidates_returned_total', 'Allocation candidates returned by allocationCandidates answers (memo hits included).'),
  memo: counter('placement_candidate_memo_total', 'Candidate answer memo look-ups, by result (hit or miss).', ['result']),
  worldCache: counter('placement_world_cache_catchups_total', 'World cache catch-ups, by result: unchanged (a hit), applied (providers re-read) or reload (everything read).', ['result']),
  batchSize: new Histogram({
    name: 'placement_pipeline_batch_size',
    help: 'Claims or writes placed in one pipeline transaction, by kind.',
    labelNames: ['kind'],
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  }),
  startRetries: counter('placement_db_transaction_start_waits_total', 'Write transactions that could not get a connection in time and were tried again (pool exhausted).'),
};

/** PostgreSQL pools to report (removed once ended). */
const pools = new Set<pg.Pool>();
export const watchPool = (pool: pg.Pool) => void pools.add(pool);

new Gauge({
  name: 'placement_db_pool_waiting',
  help: 'Queries waiting for a free PostgreSQL pool connection right now, all pools of this process.',
  registers: [registry],
  collect() {
    let waiting = 0;
    for (const pool of pools) {
      if (pool.ended) pools.delete(pool);
      else waiting += pool.waitingCount;
    }
    this.set(waiting);
  },
});

/** Counts the codes of one answer's errors (and the conflicts among them). */
export function countErrors(codes: readonly string[]): void {
  for (const code of codes) {
    metrics.errors.inc({ code });
    if (code === 'CONCURRENT_UPDATE') metrics.conflicts.inc();
  }
}

/** The Authorization header carries the metrics token (constant-time, on digests). */
export function hasMetricsToken(request: Request, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * Metrics read from one database at scrape time: how far this replica's world cache is behind the
 * change log (committed transactions it has not applied yet; it catches up before each search).
 */
export function databaseRegistry(db: Database): Registry {
  const own = new Registry();
  new Gauge({
    name: 'placement_change_log_lag',
    help: "Committed change-log transactions this replica's world cache has not applied yet (it catches up on the next search).",
    labelNames: ['reader'],
    registers: [own],
    async collect() {
      const applied = db.cache?.appliedPosition;
      if (applied === null || applied === undefined) return;
      // A database that does not answer must not fail the scrape (metrics matter most then): the series is left out.
      const latest = await logPosition(db.reader).catch(() => null);
      if (latest === null) return this.reset();
      this.set({ reader: 'world_cache' }, Number(latest > applied ? latest - applied : 0n));
    },
  });
  return own;
}

/** The text a scrape gets: this process's metrics and the database's. */
export const scrape = (own: Registry) => Registry.merge([registry, own]).metrics();

/** Distinct operation names labelled; later ones count as "other", so clients cannot grow the series without bound. */
const MAX_OPERATION_NAMES = 200;
const operationNames = new Set<string>();
function operationLabel(name: unknown): string {
  if (typeof name !== 'string' || !name) return 'Anonymous';
  if (operationNames.has(name)) return name;
  if (operationNames.size >= MAX_OPERATION_NAMES) return 'other';
  operationNames.add(name);
  return name;
}

type Labelled = { operationName?: string; operationType?: string };
const operationLabels = (p: Labelled) => ({ operationName: operationLabel(p.operationName), operationType: p.operationType ?? 'unknown' });

/**
 * yoga's Prometheus plugin with bounded labels: operation names capped (above), no URL or error
 * path labels (both are client-chosen), and only the metrics an operator reads. Its own /metrics
 * is off: app.ts serves ours behind the token.
 */
export function prometheusPlugin() {
  return usePrometheus({
    registry,
    endpoint: false,
    metrics: {
      graphql_envelop_request_duration: createHistogram({
        registry,
        histogram: {
          name: 'graphql_envelop_request_duration',
          help: 'Time spent on running the GraphQL operation from parse to execute, by operation.',
          labelNames: ['operationName', 'operationType'],
        },
        fillLabelsFn: operationLabels,
        phases: ['execute', 'subscribe'],
      }),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: { name: 'graphql_envelop_error_result', help: 'Errors reported by GraphQL phase and operation.', labelNames: ['operationName', 'operationType', 'phase'] },
        fillLabelsFn: (p) => ({ ...operationLabels(p), phase: p.errorPhase }),
        phases: ['parse', 'validate', 'context', 'execute', 'subscribe'],
      }),
      graphql_yoga_http_duration: createHistogram({
        registry,
        histogram: { name: 'graphql_yoga_http_duration', help: 'Time spent on the HTTP request, by operation and status.', labelNames: ['operationName', 'operationType', 'method', 'statusCode'] },
        fillLabelsFn: (p, { request, response }) => ({ ...operationLabels(p), method: request.method, statusCode: response.status }),
        phases: ['request'],
      }),
      graphql_envelop_request: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
    },
  });
}
