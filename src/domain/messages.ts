// The wording of mistakes a client can make in several places: an unknown resource class reads the
// same in an inventory, an allocation, a provider filter or a candidates request. Made here only.
import { DomainError } from './errors.ts';

const PLURAL = { 'resource class': 'resource classes', trait: 'traits' } as const;

/** BAD_VALUE naming, sorted, every one of `names` that does not exist; quiet when all do. */
export function assertKnown(kind: keyof typeof PLURAL, names: Iterable<string>, exists: (name: string) => boolean): void {
  const unknown = [...new Set(names)].filter((n) => !exists(n)).sort();
  if (unknown.length) throw new DomainError('BAD_VALUE', `Unknown ${unknown.length === 1 ? kind : PLURAL[kind]}: ${unknown.join(', ')}`);
}

/** NOT_FOUND naming the provider uuids that do not exist. */
export function noSuchProviders(uuids: readonly string[]): DomainError {
  const sorted = [...new Set(uuids)].sort();
  return new DomainError('NOT_FOUND', `No resource provider with uuid${sorted.length === 1 ? '' : 's'} ${sorted.join(', ')}`);
}

/** BAD_VALUE for an amount below 1; `where` is the place in the input ("group _GPU", "resources"). */
export function badAmount(where: string, resourceClass: string): DomainError {
  return new DomainError('BAD_VALUE', `${where}: amount of ${resourceClass} must be a positive integer`);
}

/** A client's value quoted in a message, cut short so a huge one is not echoed back. */
export const quoted = (value: unknown) => {
  const s = String(value);
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
};
