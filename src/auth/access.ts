// The role matrix, as data: the access every object type and every root field needs. The schema
// takes its auth scopes from these tables (src/graphql/builder.ts), on the types themselves as well
// as on the root fields, so no path through the graph reaches data its caller may not read;
// SECURITY.md prints the tables and test/security.test.ts walks the schema against them.
import type { Role } from './identity.ts';

export type Access = 'admin' | 'service' | 'reader' | 'project' | 'signed-in';

/** The roles each access admits. `project` admits a project-reader only for its own project's data. */
export const ADMITTED: Record<Access, readonly Role[]> = {
  admin: ['admin'],
  service: ['admin', 'service'],
  reader: ['admin', 'service', 'reader'],
  project: ['admin', 'service', 'reader', 'project-reader'],
  'signed-in': ['admin', 'service', 'reader', 'project-reader'],
};

/**
 * Every object type that holds data of its own. Left out: the relay plugin's wrappers (pages, edges,
 * PageInfo, mutation payloads), reached only through the root field or checked type that makes them,
 * and VALUE_TYPES.
 */
export const TYPE_ACCESS = {
  ResourceProvider: 'reader',
  Inventory: 'reader',
  Usage: 'reader',
  ProviderAllocation: 'reader',
  AllocationCandidates: 'reader',
  CandidatesExplanation: 'reader',
  ResourceClass: 'reader',
  Trait: 'reader',
  /** A consumer of another project is, to a project-reader, as missing (null), not refused: that would tell it exists. */
  Consumer: 'project',
} as const satisfies Record<string, Access>;

/**
 * Values inside the types above (or a payload): every field that returns one belongs to one of them,
 * so they are read only through a check and need none of their own. A check costs a little on each
 * field of each object, and a candidates answer holds thousands of these: checking them too made
 * serving a 2000-candidate answer about twice as slow.
 */
export const VALUE_TYPES = [
  'AllocationRequest',
  'CandidateAllocation',
  'GroupMapping',
  'ProviderSummary',
  'SummaryResource',
  'ConsumerAllocation',
  'UsageGroup',
  'ResourceAmount',
  'ResourceTotal',
  /** Only the subscription delivers them, after its own check and filtered for the caller (SUBSCRIPTION_ACCESS). */
  'ChangeEvent',
  'SubtreeResource',
  'ProviderTreeNode',
  'TreeExplanation',
  'ExclusionReason',
  'ExplanationSummary',
  'ReasonCount',
  'ClassFree',
  /** An error code and its meaning: documentation, no data. */
  'ErrorCodeInfo',
] as const;

export const QUERY_ACCESS = {
  resourceProvider: 'reader',
  resourceProviders: 'reader',
  resourceClass: 'reader',
  resourceClasses: 'reader',
  trait: 'reader',
  traits: 'reader',
  allocationCandidates: 'reader',
  explainAllocationCandidates: 'reader',
  node: 'reader',
  nodes: 'reader',
  /** Anyone may ask; the answer is null for a consumer the caller may not read (Consumer above). */
  consumer: 'signed-in',
  /** `project`: of the projectId argument. */
  usages: 'project',
  /** A number, no data: every signed-in caller may poll it (and resume a subscription from it). */
  changeToken: 'signed-in',
  /** The codes and their meanings: documentation, no data. */
  errorCodes: 'signed-in',
} as const satisfies Record<string, Access>;

export const MUTATION_ACCESS = {
  createResourceProvider: 'service',
  updateResourceProvider: 'service',
  deleteResourceProvider: 'service',
  setInventories: 'service',
  setInventory: 'service',
  deleteInventory: 'service',
  deleteInventories: 'service',
  setProviderTraits: 'service',
  clearProviderTraits: 'service',
  setProviderAggregates: 'service',
  ensureTrait: 'service',
  setAllocations: 'service',
  setAllocationsBatch: 'service',
  deleteAllocations: 'service',
  reshape: 'service',
  claimAllocationCandidate: 'service',
  createResourceClass: 'admin',
  ensureResourceClass: 'admin',
  deleteResourceClass: 'admin',
  deleteTrait: 'admin',
} as const satisfies Record<string, Access>;

export const SUBSCRIPTION_ACCESS = {
  /** A project-reader is admitted but hears only allocation events of its own project's consumers. */
  changes: 'signed-in',
} as const satisfies Record<string, Access>;

export type TypeName = keyof typeof TYPE_ACCESS;
export type QueryName = keyof typeof QUERY_ACCESS;
export type MutationName = keyof typeof MUTATION_ACCESS;
export type SubscriptionName = keyof typeof SUBSCRIPTION_ACCESS;
