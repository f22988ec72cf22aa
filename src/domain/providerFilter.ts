// Provider list filters (SPEC §6), validated and normalised before any SQL is built.

import type { ResourceAmount } from './allocation.ts';
import { DomainError } from './errors.ts';
import { badAmount } from './messages.ts';
import { assertUnique, parse, schemas } from './names.ts';

export interface ProviderFilterInput {
  name?: string | null;
  uuid?: string | null;
  /** Each entry is an any-of set of aggregate uuids; every entry must hold. */
  memberOf?: string[][] | null;
  /** Providers in any of these aggregates are excluded. */
  notMemberOf?: string[] | null;
  requiredTraits?: string[] | null;
  forbiddenTraits?: string[] | null;
  /** Each entry is an any-of set of traits; every entry must hold. */
  anyTraits?: string[][] | null;
  inTree?: string | null;
  /** true: only roots (providers without a parent). */
  rootsOnly?: boolean | null;
  resources?: ResourceAmount[] | null;
}

export interface ProviderFilter {
  name?: string;
  uuid?: string;
  memberOf: string[][];
  notMemberOf: string[];
  requiredTraits: string[];
  forbiddenTraits: string[];
  anyTraits: string[][];
  inTree?: string;
  rootsOnly: boolean;
  resources: ResourceAmount[];
}

const uuids = (list: readonly string[], field: string) => list.map((u) => parse(schemas.uuid, u, field));

export function normaliseProviderFilter(input: ProviderFilterInput = {}): ProviderFilter {
  const memberOf = (input.memberOf ?? []).map((set) => uuids(set, 'memberOf'));
  if (memberOf.some((set) => set.length === 0)) throw new DomainError('BAD_VALUE', 'memberOf: an aggregate set must not be empty');
  const anyTraits = input.anyTraits ?? [];
  if (anyTraits.some((set) => set.length === 0)) throw new DomainError('BAD_VALUE', 'anyTraits: a trait set must not be empty');
  const resources = input.resources ?? [];
  assertUnique(
    resources.map((r) => r.resourceClass),
    'resources: resource class',
  );
  for (const r of resources) {
    if (!Number.isInteger(r.amount) || r.amount < 1) throw badAmount('resources', r.resourceClass);
  }
  return {
    name: input.name ?? undefined,
    uuid: input.uuid == null ? undefined : parse(schemas.uuid, input.uuid, 'uuid'),
    memberOf,
    notMemberOf: uuids(input.notMemberOf ?? [], 'notMemberOf'),
    requiredTraits: input.requiredTraits ?? [],
    forbiddenTraits: input.forbiddenTraits ?? [],
    anyTraits,
    inTree: input.inTree == null ? undefined : parse(schemas.uuid, input.inTree, 'inTree'),
    rootsOnly: input.rootsOnly === true,
    resources,
  };
}

/** Every trait the filter names, to check they exist. */
export const traitsNamed = (f: ProviderFilter) => [...new Set([...f.requiredTraits, ...f.forbiddenTraits, ...f.anyTraits.flat()])];
