// The one Pothos schema builder. Fields are non-null unless a field says otherwise.
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import { GraphQLError } from 'graphql';
import { GraphQLSafeInt } from 'graphql-scalars';
import { type Access, MUTATION_ACCESS, type MutationName, QUERY_ACCESS, type QueryName, SUBSCRIPTION_ACCESS, type SubscriptionName, TYPE_ACCESS, type TypeName } from '../auth/access.ts';
import { type Identity, scopesOf } from '../auth/identity.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { decodeOurGlobalID } from './globalIds.ts';

export interface Context {
  db: Database;
  config: Config;
  /** Null when the request carried no credentials. */
  identity: Identity | null;
  requestId?: string;
  /** The change log's position when this request first asked (src/graphql/etag.ts asks before executing). */
  changePosition: () => Promise<bigint>;
}

type Types = {
  Context: Context;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
  AuthScopes: { admin: boolean; service: boolean; reader: boolean; signedIn: boolean; project: string };
  // Capacities and sums of allocations go past Int's 32 bits (2147483647 × a ratio of 2, two large
  // allocations); they stay below 2^53 (src/domain/inventory.ts), which SafeInt carries exactly.
  Scalars: { SafeInt: { Input: number; Output: number } };
};
/** The input-field builder handed to `inputFields`, for helpers that build shared input fields. */
export type InputFields = PothosSchemaTypes.InputFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<Types>, 'InputObject'>;

// The scopes each access asks for: one object per access, which scope-auth evaluates once per request.
type ScopeMap = { admin: true } | { service: true } | { reader: true } | { signedIn: true } | { project: string };
const STATIC: Record<Exclude<Access, 'project'>, ScopeMap> = { admin: { admin: true }, service: { service: true }, reader: { reader: true }, 'signed-in': { signedIn: true } };

/** Type options: the type's row of the access matrix. `projectOf` names the project of a `project` type's object. */
export function typeScopes<T>(name: TypeName, projectOf?: (parent: T) => string) {
  const access: Access = TYPE_ACCESS[name];
  if (access !== 'project') return { authScopes: STATIC[access] };
  if (!projectOf) throw new Error(`${name} is read per project: it needs projectOf`);
  return { authScopes: (parent: T) => ({ project: projectOf(parent) }) };
}

/** Field options of a root field: its row of the access matrix (a `project` field reads its projectId argument). */
function rootScopes(access: Access) {
  return {
    skipTypeScopes: true,
    authScopes: access === 'project' ? (_: unknown, args: Record<string, unknown>) => ({ project: args.projectId as string }) : STATIC[access],
  } as const;
}

export const builder = new SchemaBuilder<Types>({
  // scope-auth first, so no other plugin's wrapper runs before authorisation (its docs advise so).
  plugins: [ScopeAuthPlugin, RelayPlugin, DataloaderPlugin, SimpleObjectsPlugin],
  scopeAuth: {
    authScopes: (ctx) => scopesOf(ctx.identity),
    // A subscription is authorised once, when it starts, not on every event it delivers.
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, ctx) =>
      ctx.identity
        ? new GraphQLError(`Role ${ctx.identity.role} may not do this.`, { extensions: { code: 'FORBIDDEN' } })
        : new GraphQLError('Authentication required: send Authorization: Bearer <token>.', { extensions: { code: 'UNAUTHENTICATED' } }),
  },
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  relay: {
    decodeGlobalID: decodeOurGlobalID,
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeTypeOptions: { description: 'An object with a globally unique, opaque id (Relay).' },
    pageInfoTypeOptions: { description: 'Where a page of a connection starts and ends (Relay).' },
    nodeQueryOptions: {
      ...rootScopes(QUERY_ACCESS.node),
      description: 'Fetches any object that has a global id (a provider or a consumer).',
      nullable: true,
      args: { id: { description: 'A global id returned by this API.' } },
    },
    nodesQueryOptions: {
      ...rootScopes(QUERY_ACCESS.nodes),
      description: 'Fetches several objects by global id; unknown ids give null.',
      args: { ids: { description: 'Global ids returned by this API.' } },
    },
    startCursorFieldOptions: { description: 'Cursor of the first edge of the page.' },
    endCursorFieldOptions: { description: 'Cursor of the last edge of the page.' },
    hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items precede this page.' },
    firstArgOptions: { description: 'Page size counting from the start or from `after` (at most 1000, default 100).' },
    afterArgOptions: { description: 'Return items after this cursor.' },
    lastArgOptions: { description: 'Page size counting back from the end or from `before` (at most 1000).' },
    beforeArgOptions: { description: 'Return items before this cursor.' },
    edgesFieldOptions: { description: 'The items of this page with their cursors.' },
    pageInfoFieldOptions: { description: 'Where this page starts and ends.' },
    cursorFieldOptions: { description: 'Opaque cursor of this item, for `after` / `before`.' },
    nodeFieldOptions: { description: 'The item.' },
    idFieldOptions: { description: 'Opaque global id, for `node(id:)` and client caches.' },
    mutationInputArgOptions: { description: 'The input of this mutation.' },
  },
});

builder.addScalarType('SafeInt', GraphQLSafeInt);

// Fail closed: a root field without a row in the matrix needs reader (reads) or admin (writes).
builder.queryType({ description: 'Reads: providers and their trees, classes, traits, consumers and usages.', authScopes: { reader: true } });
builder.mutationType({
  description: 'Writes. Each runs in one transaction: it happens entirely or not at all, and its payload shows what that transaction left (also when several mutations share one document).',
  authScopes: { admin: true },
});

builder.subscriptionType({ description: 'Streams, over server-sent events (Accept: text/event-stream).', authScopes: { reader: true } });

export const queryScopes = (name: QueryName) => rootScopes(QUERY_ACCESS[name]);
export const subscriptionScopes = (name: SubscriptionName) => rootScopes(SUBSCRIPTION_ACCESS[name]);
export const mutationScopes = (name: MutationName) => rootScopes(MUTATION_ACCESS[name]);
