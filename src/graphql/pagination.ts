// Relay connections over an id-ordered table: cursors are ids; the rows and the lazily counted
// total come from the db layer (src/db/pages.ts).
import { resolveCursorConnection, type ResolveCursorConnectionArgs, type DefaultConnectionArguments } from '@pothos/plugin-relay';
import { DomainError } from '../domain/errors.ts';
import type { PageWindow } from '../db/pages.ts';

export const PAGE_DEFAULT = 100;
export const PAGE_MAX = 1000;

export async function idPage<T extends { id: number }>(
  args: DefaultConnectionArguments,
  fetch: (page: PageWindow) => Promise<T[]>,
  count: () => Promise<number>,
) {
  for (const n of [args.first, args.last]) {
    if (n != null && (n < 0 || n > PAGE_MAX)) throw new DomainError('BAD_VALUE', `first/last must be between 0 and ${PAGE_MAX}`);
  }
  const cursor = (c: string | undefined, name: string) => {
    if (c === undefined) return undefined;
    if (!/^\d{1,15}$/.test(c)) throw new DomainError('BAD_VALUE', `${name} is not a cursor this API returned`);
    return Number(c);
  };
  const connection = await resolveCursorConnection(
    { args, toCursor: (row: T) => String(row.id), defaultSize: PAGE_DEFAULT, maxSize: PAGE_MAX },
    ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) =>
      fetch({ before: cursor(before, 'before'), after: cursor(after, 'after'), limit, inverted }),
  );
  let total: Promise<number> | undefined;
  return { ...connection, totalCount: () => (total ??= count()) };
}
