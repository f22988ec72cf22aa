// Pages of id-ordered tables for the GraphQL connections (cursor handling: src/graphql/pagination.ts):
// the rows after or before an id, the total under the same filter.

import type { Tx } from './client.ts';
import { Prisma as P } from './generated/client.ts';
import { numbers, type ProviderRow, providerSelect } from './reads.ts';
import type { TraitRow } from './traits.ts';

/** Which rows a page holds: ids strictly between the cursors, `limit` of them, from the end when `inverted`. */
export interface PageWindow {
  after?: number;
  before?: number;
  limit: number;
  inverted: boolean;
}

const windowed = (id: P.Sql, w: PageWindow) =>
  P.sql`${w.after !== undefined ? P.sql`AND ${id} > ${w.after}` : P.empty} ${w.before !== undefined ? P.sql`AND ${id} < ${w.before}` : P.empty}
    ORDER BY ${id} ${w.inverted ? P.sql`DESC` : P.sql`ASC`} LIMIT ${w.limit}`;

const count = async (db: Tx, from: P.Sql, where: P.Sql) => numbers(await db.$queryRaw<{ n: number }[]>`SELECT COUNT(*) AS n FROM ${from} WHERE ${where}`)[0].n;

/** Providers matching `where` (a condition on `p`, see providerFilterSql). */
export const providerPage = async (db: Tx, where: P.Sql, w: PageWindow) => numbers(await db.$queryRaw<ProviderRow[]>`${providerSelect} WHERE ${where} ${windowed(P.sql`p.id`, w)}`);

export const providerCount = (db: Tx, where: P.Sql) => count(db, P.sql`resource_providers p`, where);

/** Traits matching `where` (a condition on `t`, see traitFilterSql). */
export const traitPage = async (db: Tx, where: P.Sql, w: PageWindow) => numbers(await db.$queryRaw<TraitRow[]>`SELECT t.id, t.name FROM traits t WHERE ${where} ${windowed(P.sql`t.id`, w)}`);

export const traitCount = (db: Tx, where: P.Sql) => count(db, P.sql`traits t`, where);
