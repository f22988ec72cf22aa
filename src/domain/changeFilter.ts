// Which change events a subscriber hears: the filter it asked for, within what its role may read.
import type { ChangeEvent, ChangeKind } from './changeEvents.ts';

export interface ChangeFilter {
  kinds?: readonly ChangeKind[] | null;
  providerUuids?: readonly string[] | null;
  rootUuids?: readonly string[] | null;
  consumerUuids?: readonly string[] | null;
}

/** Null: everything; a project: only allocation events of that project's consumers (a project-reader). */
export type Audience = { project: string } | null;

const ALLOCATIONS: readonly ChangeKind[] = ['ALLOCATIONS_WRITTEN', 'ALLOCATIONS_REMOVED'];

const setOf = (list: readonly string[] | null | undefined) => (list ? new Set(list) : null);

/** A given set must hold the event's value, or one of its values (an allocation's providers or roots). */
const matches = (set: Set<string> | null, one: string | undefined, many: readonly string[] | undefined) => !set || (one !== undefined && set.has(one)) || (many ?? []).some((x) => set.has(x));

/** Every given condition must hold. HISTORY_PRUNED always passes: a subscriber must hear that it missed events. */
export function changeMatcher(filter: ChangeFilter, audience: Audience): (e: ChangeEvent) => boolean {
  const kinds = filter.kinds ? new Set(filter.kinds) : null;
  const [providers, roots, consumers] = [setOf(filter.providerUuids), setOf(filter.rootUuids), setOf(filter.consumerUuids)];
  return (e) => {
    if (e.kind === 'HISTORY_PRUNED') return true;
    if (audience && !(ALLOCATIONS.includes(e.kind) && e.project === audience.project)) return false;
    if (kinds && !kinds.has(e.kind)) return false;
    if (consumers && !(e.consumer !== undefined && consumers.has(e.consumer))) return false;
    return matches(providers, e.provider, e.providers) && matches(roots, e.root, e.roots);
  };
}
