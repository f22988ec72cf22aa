// The HTTP application: graphql-yoga over the schema, with one context (and so one set of
// DataLoaders, one identity) per request. Tests call `app.fetch` directly; src/server.ts listens.
import { randomUUID } from 'node:crypto';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { SpanStatusCode } from '@opentelemetry/api';
import { type DefinitionNode, type ExecutionResult, GraphQLError, getOperationAST, NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { BadCredentials, createAuthenticator } from './auth/authenticate.ts';
import { csrfPrevention } from './auth/csrf.ts';
import { type Config, configFromEnv } from './config.ts';
import { dashboard } from './dashboard/serve.ts';
import { logPosition } from './db/changeLog.ts';
import type { Database } from './db/client.ts';
import { maskError } from './graphql/errors.ts';
import { conditionalGets } from './graphql/etag.ts';
import { limitPlugins } from './graphql/limits.ts';
import { bodyTooLargeResponse, requestRules } from './graphql/requests.ts';
import { schema } from './graphql/schema.ts';
import { storableText } from './graphql/text.ts';
import { typenamesInVariables } from './graphql/typenames.ts';
import { log, type RequestStore, requestContext } from './log.ts';
import { countErrors, databaseRegistry, hasMetricsToken, prometheusPlugin, registry, scrape } from './observability/metrics.ts';
import { startRequestSpan } from './observability/tracing.ts';

export interface AppOptions {
  /** Set while the server drains on shutdown: new mutations are refused. */
  draining?: () => boolean;
  /** One log line per request (the server turns it on unless LOG_REQUESTS=off; tests leave it off). */
  logRequests?: boolean;
}

/** What one request's log line, span and metrics report, gathered while it runs. */
interface RequestRecord {
  store: RequestStore;
  started: number;
  operations: string[];
  codes: string[];
}

/** Codes an operator must see (warn); INTERNAL_SERVER_ERROR is an incident (error); the rest are answers (info). */
const WARN_CODES = new Set(['CONCURRENT_UPDATE', 'UNAVAILABLE', 'LIMIT_EXCEEDED', 'TOO_MANY_SUBSCRIBERS', 'SLOW_SUBSCRIBER']);
const levelOf = (status: number, codes: readonly string[]) => (status >= 500 || codes.includes('INTERNAL_SERVER_ERROR') ? 'error' : codes.some((c) => WARN_CODES.has(c)) ? 'warn' : 'info');

const codesOf = (result: ExecutionResult | ExecutionResult[]): string[] =>
  (Array.isArray(result) ? result : [result]).flatMap((r) => (r.errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));

/** `f`'s first answer, for every later call too. */
const once = <T>(f: () => Promise<T>) => {
  let answer: Promise<T> | undefined;
  return () => (answer ??= f());
};

export function createApp(db: Database, config: Config = configFromEnv(), options: AppOptions = {}) {
  const authenticate = createAuthenticator(config.auth);
  const requests = new WeakMap<Request, RequestRecord>();
  const metricsOfDb = databaseRegistry(db);

  /** Names an operation in logs and spans: its type and name (or "anonymous"). */
  const noteOperation = (request: Request | undefined, document: Parameters<typeof getOperationAST>[0], operationName?: string | null) => {
    const record = request && requests.get(request);
    if (!record) return;
    const op = getOperationAST(document, operationName);
    const name = op?.name?.value ?? 'anonymous';
    record.operations.push(name);
    record.store.span?.updateName(`${op?.operation ?? 'graphql'} ${name}`);
    record.store.span?.setAttributes({ 'graphql.operation.name': name, 'graphql.operation.type': op?.operation ?? 'unknown' });
  };

  const operations: Plugin = {
    // Request id: accept a sane incoming one, else make one; echoed on every response.
    onRequest({ request, url, endResponse, fetchAPI }) {
      const incoming = request.headers.get('x-request-id');
      const requestId = incoming && /^[A-Za-z0-9._:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
      const store: RequestStore = { requestId, tally: { statements: 0 }, span: startRequestSpan(request, requestId) };
      requests.set(request, { store, started: performance.now(), operations: [], codes: [] });
      // Everything this request does from here on logs with its id (and counts its statements, traces under its span).
      requestContext.enterWith(store);
      if (url.pathname === '/healthz') endResponse(new fetchAPI.Response('ok', { status: 200 }));
      // An honest Content-Length over the limit is refused unread; yoga counts the bytes of the rest.
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > config.limits.bodyBytes) endResponse(bodyTooLargeResponse(config.limits.bodyBytes));
    },
    onExecute({ args }) {
      noteOperation((args.contextValue as { request?: Request }).request, args.document, args.operationName);
    },
    onSubscribe({ args }) {
      noteOperation((args.contextValue as { request?: Request }).request, args.document, args.operationName);
    },
    // Answers after masking: the codes clients get. (A stream's codes are its events', not counted here.)
    onResultProcess({ request, result }) {
      const record = requests.get(request);
      if (!record || Symbol.asyncIterator in (result as object)) return;
      const codes = codesOf(result as ExecutionResult | ExecutionResult[]);
      record.codes.push(...codes);
      countErrors(codes);
    },
    onResponse({ request, response }) {
      const record = requests.get(request);
      response.headers.set('x-request-id', record?.store.requestId ?? randomUUID());
      if (!record) return;
      const { store, operations, codes } = record;
      const ms = Math.round((performance.now() - record.started) * 10) / 10;
      const span = store.span;
      if (span) {
        span.setAttributes({ 'http.response.status_code': response.status, 'placement.statements': store.tally.statements });
        if (codes.length) span.setAttributes({ 'placement.error_codes': codes });
        if (response.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR')) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      if (options.logRequests) {
        const path = new URL(request.url).pathname;
        log(levelOf(response.status, codes), 'request', {
          requestId: store.requestId,
          method: request.method,
          path,
          status: response.status,
          ms,
          ...(operations.length ? { operationName: operations.length === 1 ? operations[0] : operations } : {}),
          ...(codes.length ? { errors: [...new Set(codes)] } : {}),
          statements: store.tally.statements,
        });
      }
    },
  };

  // GET /metrics for Prometheus: behind METRICS_TOKEN, open only without authentication (see MetricsAccess).
  const metricsEndpoint: Plugin = {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/metrics') return;
      const access = config.metrics;
      if (access === 'off') return endResponse(new fetchAPI.Response('metrics are off: set METRICS_TOKEN', { status: 404 }));
      if (access !== 'open' && !hasMetricsToken(request, access.token)) {
        return endResponse(new fetchAPI.Response('metrics need Authorization: Bearer <METRICS_TOKEN>', { status: 401, headers: { 'www-authenticate': 'Bearer' } }));
      }
      endResponse(new fetchAPI.Response(await scrape(metricsOfDb), { status: 200, headers: { 'content-type': registry.contentType } }));
    },
  };

  const readiness: Plugin = {
    async onRequest({ url, endResponse }) {
      if (url.pathname !== '/readyz') return;
      try {
        await db.reader.$queryRawUnsafe('SELECT 1');
        endResponse(new Response('ready', { status: 200 }));
      } catch {
        endResponse(new Response('database unavailable', { status: 503 }));
      }
    },
  };

  const drain: Plugin = {
    onExecute({ args }) {
      if (!options.draining?.()) return;
      const mutation = args.document.definitions.some((d: DefinitionNode) => d.kind === 'OperationDefinition' && d.operation === 'mutation');
      if (mutation) throw new GraphQLError('The server is shutting down; send the write to another replica.', { extensions: { code: 'UNAVAILABLE' } });
    },
  };

  const introspection: Plugin = config.introspection ? {} : { onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) };

  return createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    context: async ({ request }) => {
      try {
        return { db, config, identity: await authenticate(request), requestId: requests.get(request)?.store.requestId, changePosition: once(() => logPosition(db.reader)) };
      } catch (err) {
        if (err instanceof BadCredentials) throw new GraphQLError(`Invalid credentials: ${err.message}.`, { extensions: { code: 'UNAUTHENTICATED' } });
        throw err;
      }
    },
    maskedErrors: { maskError },
    batching: { limit: config.limits.batch },
    maxRequestBodySize: config.limits.bodyBytes,
    // No file uploads (the schema has no Upload scalar): multipart bodies are refused, not parsed.
    multipart: false,
    cors: config.corsOrigins.length ? { origin: config.corsOrigins, credentials: true, methods: ['POST', 'GET', 'OPTIONS'], exposedHeaders: ['etag'] } : false,
    plugins: [
      // First: its onResponse may replace an answer, which the others then decorate.
      requestRules(config.limits),
      // Before `operations`, so a 304 it makes still gets the request id; it sets cache-control on every answer.
      conditionalGets(config),
      operations,
      metricsEndpoint,
      // Requests and latency by operation name, errors by phase (its /metrics is ours, above).
      // Left out when nobody may read /metrics: it costs time on every request (README, Metrics).
      ...(config.metrics === 'off' ? [] : [prometheusPlugin()]),
      readiness,
      // The live dashboard's static page (README, Dashboard): a client of this API like any other.
      dashboard,
      csrfPrevention(),
      drain,
      introspection,
      ...limitPlugins(config.limits),
      storableText,
      // A candidate read back with __typename may be sent straight to setAllocations.
      typenamesInVariables,
      // Queries run through graphql-jit: large answers (thousands of candidates, whole trees) spend
      // most of their time in generic field resolution, which compiled queries skip.
      useGraphQlJit({}, { enableIf: (args) => args.document.definitions.some((d) => d.kind === 'OperationDefinition' && d.operation === 'query') }),
    ],
    graphiql: { title: 'placement-graphql' },
    // GraphiQL with its scripts and styles inlined from the package, not fetched from a CDN, so the
    // page works on a machine without internet. The bundle is 9 MB: loaded on the first page view.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    landingPage: false,
    // Expected failures (domain errors) are answers, not incidents; maskError logs the unexpected ones.
    logging: false,
  });
}

export type App = ReturnType<typeof createApp>;
