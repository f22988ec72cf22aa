// Global ids and the inputs that name a provider or a consumer. Our global ids are base64 of
// "Type:uuid" for the two node types (src/graphql/types/refs.ts), under 100 characters. Every
// input that names a provider or consumer takes its uuid or its global id, decoded here only.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { DomainError } from '../domain/errors.ts';
import { quoted } from '../domain/messages.ts';
import { schemas } from '../domain/names.ts';

export type NodeType = 'ResourceProvider' | 'Consumer';
const NODE_TYPES = new Set<string>(['ResourceProvider', 'Consumer']);
// A long one is refused before decoding: the base64 check behind Pothos's decoder overflows the
// regexp stack on megabytes.
const MAX_GLOBAL_ID = 256;

/** The node a global id of this API names, or null for anything else. */
export function decodeNodeId(id: string): { typename: NodeType; id: string } | null {
  try {
    const decoded = id.length <= MAX_GLOBAL_ID ? decodeGlobalID(id) : null;
    // Both node types are keyed by uuid: anything else in an id was not made here (and a NUL
    // hidden in base64 would otherwise reach the database).
    if (decoded && NODE_TYPES.has(decoded.typename) && schemas.uuid.safeParse(decoded.id).success) return decoded as { typename: NodeType; id: string };
  } catch {
    // malformed: not ours
  }
  return null;
}

/** For `node(id:)` and `nodes(ids:)`: a global id of this API, else BAD_VALUE. */
export function decodeOurGlobalID(id: string) {
  const decoded = decodeNodeId(id);
  if (decoded) return decoded;
  throw new DomainError('BAD_VALUE', `Not a global id of this API: ${JSON.stringify(id.slice(0, 100))}${id.length > 100 ? '…' : ''}`, { argumentPath: 'id' });
}

/**
 * The uuid an input names, given as a uuid or as the global id of a `type` node; `argumentPath`
 * locates it in the arguments (it goes into the error's extensions). Anything that is neither is
 * passed on unchanged, for the domain to refuse with its usual message; a global id of the other
 * node type is BAD_VALUE here.
 */
export function uuidOf<T extends string | null | undefined>(value: T, type: NodeType, argumentPath: string): T {
  if (value == null || schemas.uuid.safeParse(value).success) return value;
  const decoded = decodeNodeId(value);
  if (!decoded) return value;
  if (decoded.typename !== type) {
    throw new DomainError('BAD_VALUE', `${argumentPath}: ${quoted(value)} is the global id of a ${decoded.typename}, not of a ${type}`, { argumentPath });
  }
  return decoded.id as T;
}

/** The provider of a mutation input's `providerUuid`. */
export const providerOf = (input: { providerUuid: string }) => uuidOf(input.providerUuid, 'ResourceProvider', 'input.providerUuid');
