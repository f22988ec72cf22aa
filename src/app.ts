// The HTTP application: graphql-yoga over the schema, with one context (and so one set of
// DataLoaders) per request. Tests call `app.fetch` directly; src/server.ts listens on a port.
import { createYoga } from 'graphql-yoga';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { schema } from './graphql/schema.ts';
import { maskError } from './graphql/errors.ts';
import type { Database } from './db/client.ts';
import { configFromEnv, type Config } from './config.ts';

export function createApp(db: Database, config: Config = configFromEnv()) {
  return createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    context: () => ({ db, config }),
    maskedErrors: { maskError },
    // Queries run through graphql-jit: large answers (thousands of candidates, whole trees) spend
    // most of their time in generic field resolution, which compiled queries skip.
    plugins: [useGraphQlJit({}, { enableIf: (args) => args.document.definitions.some((d) => d.kind === 'OperationDefinition' && d.operation === 'query') })],
    graphiql: { title: 'placement-graphql' },
    landingPage: false,
    // Expected failures (domain errors) are answers, not incidents; maskError logs the unexpected ones.
    logging: false,
  });
}

export type App = ReturnType<typeof createApp>;
