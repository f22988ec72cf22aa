// Turns thrown errors into client-safe GraphQL errors. Domain errors keep their message and get
// their code in extensions.code; anything else is logged and replaced by a generic error, so SQL,
// stack traces and paths never reach a client.
import { GraphQLError } from 'graphql';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { DomainError, errorCodes } from '../domain/errors.ts';
import { log } from '../log.ts';
import { builder, queryScopes } from './builder.ts';
import { limitCode } from './limits.ts';

export function maskError(error: unknown): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  const at = error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {};
  if (original instanceof DomainError) {
    return new GraphQLError(original.message, { ...at, extensions: { ...original.facts, code: original.code } });
  }
  if (error instanceof GraphQLError && !original) {
    // Variable coercion errors (graphql-jit reports them without a code).
    if (!error.extensions?.code && /^Variable "\$/.test(error.message)) {
      return new GraphQLError(error.message, { ...at, extensions: { code: 'BAD_USER_INPUT' } });
    }
    return limitCode(error);
  }
  // graphql-js's own input errors (a variable that does not fit its type) are safe to show.
  if (error instanceof GraphQLError && original instanceof GraphQLError) {
    return new GraphQLError(error.message, { ...at, extensions: { code: original.extensions.code ?? 'BAD_USER_INPUT' } });
  }
  if (isDatabaseUnavailable(original)) {
    log('warn', 'database unavailable', { error: String((original as Error)?.message ?? original) });
    return new GraphQLError('The database is unavailable or too slow right now; retry shortly.', { ...at, extensions: { code: 'UNAVAILABLE' } });
  }
  log('error', 'unexpected error', { error: String((original as Error)?.stack ?? original) });
  return new GraphQLError('Unexpected error.', { ...at, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

const ErrorCode = builder.enumType('ErrorCode', {
  description: 'Every value `extensions.code` takes on an error this API returns, and what it means.',
  values: Object.fromEntries(Object.entries(errorCodes).map(([code, description]) => [code, { description }])) as Record<ErrorCodeName, { description: string }>,
});

type ErrorCodeName = keyof typeof errorCodes;

const ErrorCodeInfo = builder.objectRef<ErrorCodeName>('ErrorCodeInfo').implement({
  description: 'One value of `extensions.code` and what it means.',
  fields: (t) => ({
    code: t.field({ type: ErrorCode, description: 'The code, as `extensions.code` carries it.', resolve: (c) => c }),
    meaning: t.string({ description: 'When an error has this code.', resolve: (c) => errorCodes[c] }),
  }),
});

// A root field that returns ErrorCode, so that client code generators (which emit only the types a
// root reaches) give clients the enum to type `extensions.code` with.
builder.queryField('errorCodes', (t) =>
  t.field({
    ...queryScopes('errorCodes'),
    type: [ErrorCodeInfo],
    description:
      'Every error code with its meaning. Errors carry `extensions.code` (an ErrorCode) and, for some codes, facts a client can act on: ' +
      'CONCURRENT_UPDATE `kind`, `uuid`, `expectedGeneration`, `currentGeneration`; CAPACITY_EXCEEDED `providerUuid`, `resourceClass`, `requested`, `free`, `capacity`, `used`; ' +
      'BAD_VALUE `argumentPath` (where in the arguments) or `field` (which value, as the message names it).',
    resolve: () => Object.keys(errorCodes) as ErrorCodeName[],
  }),
);
