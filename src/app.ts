// The HTTP application: graphql-yoga over the schema, with one context (and so one set of
// DataLoaders, one identity) per request. Tests call `app.fetch` directly; src/server.ts listens.
import { randomUUID } from 'node:crypto';
import { createYoga, type Plugin } from 'graphql-yoga';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type DefinitionNode } from 'graphql';
import { schema } from './graphql/schema.ts';
import { maskError } from './graphql/errors.ts';
import { limitPlugins } from './graphql/limits.ts';
import { storableText } from './graphql/text.ts';
import { typenamesInVariables } from './graphql/typenames.ts';
import { bodyTooLargeResponse, requestRules } from './graphql/requests.ts';
import type { Database } from './db/client.ts';
import { configFromEnv, type Config } from './config.ts';
import { BadCredentials, createAuthenticator } from './auth/authenticate.ts';
import { csrfPrevention } from './auth/csrf.ts';
import { conditionalGets } from './graphql/etag.ts';
import { logPosition } from './db/changeLog.ts';
import { log, requestContext } from './log.ts';

export interface AppOptions {
  /** Set while the server drains on shutdown: new mutations are refused. */
  draining?: () => boolean;
  /** One log line per request (the server turns it on; tests leave it off). */
  logRequests?: boolean;
}


/** `f`'s first answer, for every later call too. */
const once = <T>(f: () => Promise<T>) => {
  let answer: Promise<T> | undefined;
  return () => (answer ??= f());
};

export function createApp(db: Database, config: Config = configFromEnv(), options: AppOptions = {}) {
  const authenticate = createAuthenticator(config.auth);
  const requestIds = new WeakMap<Request, string>();
  const started = new WeakMap<Request, number>();

  const operations: Plugin = {
    // Request id: accept a sane incoming one, else make one; echoed on every response.
    onRequest({ request, url, endResponse, fetchAPI }) {
      const incoming = request.headers.get('x-request-id');
      const requestId = incoming && /^[A-Za-z0-9._:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
      requestIds.set(request, requestId);
      started.set(request, performance.now());
      // Everything this request does from here on logs with its id.
      requestContext.enterWith({ requestId });
      if (url.pathname === '/healthz') endResponse(new fetchAPI.Response('ok', { status: 200 }));
      // An honest Content-Length over the limit is refused unread; yoga counts the bytes of the rest.
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > config.limits.bodyBytes) endResponse(bodyTooLargeResponse(config.limits.bodyBytes));
    },
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIds.get(request) ?? randomUUID());
      if (options.logRequests) {
        const ms = Math.round((performance.now() - (started.get(request) ?? performance.now())) * 10) / 10;
        log('info', 'request', { requestId: requestIds.get(request), method: request.method, path: new URL(request.url).pathname, status: response.status, ms });
      }
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
        return { db, config, identity: await authenticate(request), requestId: requestIds.get(request), changePosition: once(() => logPosition(db.reader)) };
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
      readiness,
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
