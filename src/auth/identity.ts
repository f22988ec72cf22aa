// Who is calling, and what the roles may do (SECURITY.md). The roles follow the reference's
// default policy in spirit: admin does everything; service (compute services, schedulers) reads
// everything and writes providers, inventories, traits, aggregates and allocations; reader reads
// everything; project-reader reads only its own project's consumers, allocations and usages.
export const ROLES = ['admin', 'service', 'reader', 'project-reader'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  subject: string;
  role: Role;
  /** The project a project-reader may read. */
  projectId?: string;
}

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** The scopes the schema checks, derived from the role. */
export function scopesOf(identity: Identity | null) {
  const role = identity?.role;
  return {
    admin: role === 'admin',
    service: role === 'admin' || role === 'service',
    reader: role === 'admin' || role === 'service' || role === 'reader',
    /** A project-reader of this project (or anyone who reads everything). */
    project: (projectId: string) => (role === 'project-reader' ? identity?.projectId === projectId : role !== undefined),
    projectReader: role === 'project-reader',
  };
}
