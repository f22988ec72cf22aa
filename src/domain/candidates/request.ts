// An allocation candidates request (SPEC §12), validated and normalised before any data is read.
// The rules are the reference's (1.39): which shapes are bad requests is part of the contract.

import type { ResourceAmount } from '../allocation.ts';
import { fail } from '../errors.ts';
import { assertKnown, badAmount } from '../messages.ts';
import { assertUnique, parse, schemas } from '../names.ts';

export interface GroupInput {
  suffix?: string | null;
  resources?: ResourceAmount[] | null;
  requiredTraits?: string[] | null;
  forbiddenTraits?: string[] | null;
  anyOfTraits?: string[][] | null;
  memberOf?: string[][] | null;
  forbiddenAggregates?: string[] | null;
  inTree?: string | null;
}

export type GroupPolicy = 'none' | 'isolate';

export interface CandidatesInput {
  groups: GroupInput[];
  groupPolicy?: GroupPolicy | null;
  sameSubtree?: string[][] | null;
  rootRequiredTraits?: string[] | null;
  rootForbiddenTraits?: string[] | null;
  limit?: number | null;
  randomize?: boolean | null;
}

export interface Group {
  /** "" for the unsuffixed group. */
  suffix: string;
  /** Resource class → amount, in the order given. */
  resources: Map<string, number>;
  /** Each set: at least one of these traits (a required trait is a set of one). */
  required: Set<string>[];
  forbidden: Set<string>;
  memberOf: Set<string>[];
  forbiddenAggregates: Set<string>;
  inTree: string | null;
}

export interface CandidatesRequest {
  groups: Group[];
  groupPolicy: GroupPolicy | null;
  sameSubtree: Set<string>[];
  rootRequired: Set<string>;
  rootForbidden: Set<string>;
  limit: number | null;
  randomize: boolean;
}

const SUFFIX = /^[a-zA-Z0-9_-]{1,64}$/;

function normaliseGroup(g: GroupInput): Group {
  const suffix = g.suffix ?? '';
  if (suffix !== '' && !SUFFIX.test(suffix)) fail('BAD_VALUE', `group suffix ${JSON.stringify(suffix)} must match [a-zA-Z0-9_-]{1,64}`);
  const label = suffix ? `group ${suffix}` : 'unsuffixed group';
  const resources = g.resources ?? [];
  assertUnique(
    resources.map((r) => r.resourceClass),
    `${label}: resource class`,
  );
  for (const r of resources) {
    if (!Number.isInteger(r.amount) || r.amount < 1) throw badAmount(label, r.resourceClass);
  }
  const memberOf = (g.memberOf ?? []).map((set) => new Set(set.map((a) => parse(schemas.uuid, a, `${label}: memberOf`))));
  const anyOf = g.anyOfTraits ?? [];
  if (memberOf.some((s) => s.size === 0)) fail('BAD_VALUE', `${label}: memberOf: an aggregate set must not be empty`);
  if (anyOf.some((s) => s.length === 0)) fail('BAD_VALUE', `${label}: anyOfTraits: a trait set must not be empty`);
  const forbidden = new Set(g.forbiddenTraits ?? []);
  const required = [...(g.requiredTraits ?? []).map((t) => new Set([t])), ...anyOf.map((s) => new Set(s))];
  // A set every member of which is forbidden can never be met: the reference calls that a bad request.
  const conflicts = required.filter((s) => [...s].every((t) => forbidden.has(t)));
  if (conflicts.length) {
    fail('BAD_VALUE', `${label}: traits both required and forbidden: ${conflicts.map((s) => [...s].join(' or ')).join(', ')}`);
  }
  return {
    suffix,
    resources: new Map(resources.map((r) => [r.resourceClass, r.amount])),
    required,
    forbidden,
    memberOf,
    forbiddenAggregates: new Set((g.forbiddenAggregates ?? []).map((a) => parse(schemas.uuid, a, `${label}: forbiddenAggregates`))),
    inTree: g.inTree == null ? null : parse(schemas.uuid, g.inTree, `${label}: inTree`),
  };
}

export function normaliseCandidatesRequest(input: CandidatesInput): CandidatesRequest {
  const groups = input.groups.map(normaliseGroup);
  assertUnique(
    groups.map((g) => g.suffix || '(unsuffixed)'),
    'group suffix',
  );
  if (!groups.some((g) => g.resources.size)) fail('BAD_VALUE', 'at least one request group must ask for resources');
  const sameSubtree = (input.sameSubtree ?? []).map((list) => new Set(list));
  const suffixes = new Set(groups.map((g) => g.suffix));
  for (const set of sameSubtree) {
    if (set.size === 0) fail('BAD_VALUE', 'sameSubtree: a list of groups must not be empty');
    if (set.has('')) fail('BAD_VALUE', 'sameSubtree: the unsuffixed group cannot be named in sameSubtree');
    const unknown = [...set].filter((s) => !suffixes.has(s));
    if (unknown.length) fail('BAD_VALUE', `sameSubtree: no request group has suffix ${unknown.join(', ')}`);
  }
  const inSubtree = new Set(sameSubtree.flatMap((s) => [...s]));
  for (const g of groups) {
    if (g.resources.size === 0 && !inSubtree.has(g.suffix)) {
      fail('BAD_VALUE', g.suffix ? `group ${g.suffix} asks for no resources, so it must be named in sameSubtree` : 'the unsuffixed group must ask for resources');
    }
  }
  if (!input.groupPolicy && groups.filter((g) => g.suffix).length > 1) {
    fail('BAD_VALUE', 'groupPolicy is required when more than one named request group is given');
  }
  const rootRequired = new Set(input.rootRequiredTraits ?? []);
  const rootForbidden = new Set(input.rootForbiddenTraits ?? []);
  const both = [...rootRequired].filter((t) => rootForbidden.has(t));
  if (both.length) fail('BAD_VALUE', `root traits both required and forbidden: ${both.join(', ')}`);
  if (input.limit != null && (!Number.isInteger(input.limit) || input.limit < 1)) fail('BAD_VALUE', 'limit must be a positive integer');
  return {
    groups,
    groupPolicy: input.groupPolicy ?? null,
    sameSubtree,
    rootRequired,
    rootForbidden,
    limit: input.limit ?? null,
    randomize: input.randomize ?? false,
  };
}

/** Every trait and resource class the request names, to check they exist before searching. */
export function namesUsed(r: CandidatesRequest): { traits: string[]; classes: string[] } {
  const traits = new Set([...r.rootRequired, ...r.rootForbidden]);
  const classes = new Set<string>();
  for (const g of r.groups) {
    for (const s of g.required) for (const t of s) traits.add(t);
    for (const t of g.forbidden) traits.add(t);
    for (const rc of g.resources.keys()) classes.add(rc);
  }
  return { traits: [...traits], classes: [...classes] };
}

/** BAD_VALUE (as the reference's 400) for the first unknown resource class, then trait, the request names. */
export function assertNamesKnown(r: CandidatesRequest, isClass: (name: string) => boolean, isTrait: (name: string) => boolean): void {
  const { traits, classes } = namesUsed(r);
  assertKnown('resource class', classes, isClass);
  assertKnown('trait', traits, isTrait);
}

/** One string per distinct request (group order and all), to recognise a question asked again. */
export function requestKey(r: CandidatesRequest): string {
  return JSON.stringify(r, (_, v) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v));
}
