// Who is calling, and what the roles may do (SECURITY.md). The roles follow the reference's
// default policy in spirit: admin does everything; service (compute services, schedulers) reads
// everything and writes providers, inventories, traits, aggregates and allocations; reader reads
// everything; project-reader reads only its own project's consumers, allocations and usages.
import { type Access, ADMITTED } from './access.ts';

export const ROLES = ['admin', 'service', 'reader', 'project-reader'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  subject: string;
  role: Role;
  /** The project a project-reader may read. */
  projectId?: string;
}

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** The scopes the schema checks, derived from the role by the access matrix (access.ts). */
export function scopesOf(identity: Identity | null) {
  const role = identity?.role;
  const admits = (access: Access) => role !== undefined && ADMITTED[access].includes(role);
  return {
    admin: admits('admin'),
    service: admits('service'),
    reader: admits('reader'),
    signedIn: admits('signed-in'),
    /** Data of this project: readers of everything, and a project-reader of this project. */
    project: (projectId: string) => admits('reader') || (role === 'project-reader' && identity?.projectId === projectId),
  };
}
