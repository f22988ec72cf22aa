// Relay connections over an id-ordered table: cursors are opaque (base64url of "cursor:<row id>", so
// clients do not come to rely on their form); the rows and the lazily counted total come from the
// db layer (src/db/pages.ts).
import { type DefaultConnectionArguments, type ResolveCursorConnectionArgs, resolveCursorConnection } from '@pothos/plugin-relay';
import type { PageWindow } from '../db/pages.ts';
import { DomainError } from '../domain/errors.ts';

export const PAGE_DEFAULT = 100;
export const PAGE_MAX = 1000;

const encodeCursor = (id: number) => Buffer.from(`cursor:${id}`).toString('base64url');

/** The row id a cursor of encodeCursor holds; anything else (forged, truncated, another API's) is BAD_VALUE. */
function decodeCursor(cursor: string, name: string): number {
  const text = /^[A-Za-z0-9_-]{1,32}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('latin1') : '';
  const id = /^cursor:(\d{1,15})$/.exec(text)?.[1];
  if (id === undefined || encodeCursor(Number(id)) !== cursor) throw new DomainError('BAD_VALUE', `${name} is not a cursor this API returned`, { argumentPath: name });
  return Number(id);
}

export async function idPage<T extends { id: number }>(args: DefaultConnectionArguments, fetch: (page: PageWindow) => Promise<T[]>, count: () => Promise<number>) {
  for (const n of [args.first, args.last]) {
    if (n != null && (n < 0 || n > PAGE_MAX)) throw new DomainError('BAD_VALUE', `first/last must be between 0 and ${PAGE_MAX}`);
  }
  const cursor = (c: string | undefined, name: string) => (c === undefined ? undefined : decodeCursor(c, name));
  const connection = await resolveCursorConnection(
    { args, toCursor: (row: T) => encodeCursor(row.id), defaultSize: PAGE_DEFAULT, maxSize: PAGE_MAX },
    ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) => fetch({ before: cursor(before, 'before'), after: cursor(after, 'after'), limit, inverted }),
  );
  let total: Promise<number> | undefined;
  return { ...connection, totalCount: () => (total ??= count()) };
}
