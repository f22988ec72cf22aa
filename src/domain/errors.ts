// Stable, machine-readable failure codes. The GraphQL layer copies `code` into
// `extensions.code`; descriptions double as the schema's documentation of each code.

export const errorCodes = {
  CONCURRENT_UPDATE: 'A provider or consumer generation supplied by the client is stale, or a write lost a race to another writer more times than the server retries (placement.concurrent_update).',
  DUPLICATE_NAME: 'The name is already taken by another provider or resource class (placement.duplicate_name).',
  DUPLICATE_UUID: 'The uuid is already taken by another provider.',
  NOT_FOUND: 'The provider acted on or allocated from, the consumer whose allocations are deleted, the inventory removed, or the resource class or trait deleted does not exist.',
  PROVIDER_HAS_CHILDREN: 'A provider with child providers cannot be deleted (placement.resource_provider.cannot_delete_parent).',
  PROVIDER_IN_USE: 'A provider holding allocations cannot be deleted (placement.resource_provider.inuse).',
  INVENTORY_IN_USE: 'Inventory of a class that has allocations on the provider cannot be removed (placement.inventory.inuse).',
  CAPACITY_EXCEEDED: 'The allocation would take a provider past the capacity of an inventory.',
  NO_CANDIDATE: 'No allocation candidate fits the request, so nothing could be claimed.',
  CONSTRAINTS_VIOLATED: 'An allocated amount is below min_unit, above max_unit or not a multiple of step_size.',
  INVALID_INVENTORY: 'Inventory values break a rule: reserved > total, a value out of range, or no inventory of that class to allocate from.',
  INVALID_PARENT: 'The requested parent would make a provider its own ancestor, or does not fit the move.',
  BAD_VALUE: 'A value is malformed, out of range or contradictory (uuid, name, amount, filter), or names a resource class or trait that does not exist.',
  DUPLICATE_KEY: 'The same key (resource class, provider, consumer) appears twice in one request.',
  CLASS_IN_USE: 'A resource class that any inventory uses cannot be deleted.',
  TRAIT_IN_USE: 'A trait that any provider has cannot be deleted.',
  STANDARD_READ_ONLY: 'Standard resource classes and traits cannot be created, changed or deleted.',
  UNAVAILABLE: 'The database cannot be reached, or did not answer in time (statement timeout). Retry shortly.',
  UNAUTHENTICATED: 'No credentials, or credentials that are not valid (a bad or expired token).',
  FORBIDDEN: "The caller's role may not do this (see SECURITY.md for the role matrix).",
  LIMIT_EXCEEDED: 'The request breaks a limit (depth, aliases, tokens, directives, cost, batch size, body size, list items, page size, candidate search steps); the message names it.',
  TOO_MANY_SUBSCRIBERS: 'This server process already serves PLACEMENT_FEED_MAX_SUBSCRIBERS change-feed subscribers; subscribe to another replica or later.',
  SLOW_SUBSCRIBER: 'The change-feed subscriber read too slowly: more than PLACEMENT_FEED_QUEUE_EVENTS events waited for it, so it was ended. Reconnect with the cursor of the last event received.',
  INTERNAL_SERVER_ERROR: 'An unexpected failure; details are in the server log only.',
  BAD_REQUEST:
    'The HTTP request is not a GraphQL request: invalid JSON, no query, an empty batch, a wrong method, content type or Accept header; or a form or GET request without the x-graphql-yoga-csrf header (HTTP 403).',
  OPERATION_RESOLUTION_FAILURE: 'The document has several operations and operationName does not pick one.',
  GRAPHQL_PARSE_FAILED: 'The request is not syntactically valid GraphQL.',
  GRAPHQL_VALIDATION_FAILED: 'The request does not fit the schema (unknown field, wrong literal type, missing argument).',
  BAD_USER_INPUT: 'A variable does not fit its declared type.',
} as const;

export type ErrorCode = keyof typeof errorCodes;

/**
 * Machine-readable facts of a failure, copied into `extensions` beside `code`, so a client acts on
 * them (retry with the current generation, ask for less) without parsing the message.
 */
export type ErrorFacts = Record<string, string | number | null>;

/** A rule of the placement model was broken; nothing was written. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly facts: ErrorFacts = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const fail = (code: ErrorCode, message: string, facts?: ErrorFacts): never => {
  throw new DomainError(code, message, facts);
};
