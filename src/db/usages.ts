// Usage totals for a project (SPEC §10, microversion 1.38): grouped by consumer type with the
// number of consumers of each type.

import { parse, schemas } from '../domain/names.ts';
import type { Tx } from './client.ts';
import { Prisma as P } from './generated/client.ts';
import { numbers } from './reads.ts';

export interface UsageGroupRow {
  consumerType: string;
  consumerCount: number;
  resources: { resourceClass: string; used: number }[];
}

/** Consumers written before consumer types existed have none: reported under this name. */
export const UNKNOWN_CONSUMER_TYPE = 'unknown';
/** Selecting this type sums every consumer under one group. */
export const ALL_CONSUMER_TYPES = 'all';

export async function projectUsages(db: Tx, input: { projectId: string; userId?: string | null; consumerType?: string | null }): Promise<UsageGroupRow[]> {
  const projectId = parse(schemas.externalId, input.projectId, 'projectId');
  const where: P.Sql[] = [P.sql`pr.external_id = ${projectId}`];
  if (input.userId != null) where.push(P.sql`u.external_id = ${parse(schemas.externalId, input.userId, 'userId')}`);
  const type = input.consumerType;
  if (type != null && type !== ALL_CONSUMER_TYPES) {
    if (type === UNKNOWN_CONSUMER_TYPE) where.push(P.sql`c.consumer_type_id IS NULL`);
    else where.push(P.sql`ct.name = ${parse(schemas.consumerType, type, 'consumerType')}`);
  }
  const grouped = type === ALL_CONSUMER_TYPES ? P.sql`${ALL_CONSUMER_TYPES}` : P.sql`COALESCE(ct.name, ${UNKNOWN_CONSUMER_TYPE})`;
  const rows = numbers(
    await db.$queryRaw<{ consumerType: string; resourceClass: string; used: number }[]>`
      SELECT ${grouped} AS "consumerType", rc.name AS "resourceClass", SUM(a.used) AS used
      FROM allocations a
      JOIN consumers c ON c.id = a.consumer_id
      JOIN projects pr ON pr.id = c.project_id
      JOIN users u ON u.id = c.user_id
      LEFT JOIN consumer_types ct ON ct.id = c.consumer_type_id
      JOIN resource_classes rc ON rc.id = a.resource_class_id
      WHERE ${P.join(where, ' AND ')}
      GROUP BY 1, rc.name ORDER BY 1, rc.name`,
  );
  const counts = numbers(
    await db.$queryRaw<{ consumerType: string; consumerCount: number }[]>`
      SELECT ${grouped} AS "consumerType", COUNT(DISTINCT c.id) AS "consumerCount"
      FROM consumers c
      JOIN projects pr ON pr.id = c.project_id
      JOIN users u ON u.id = c.user_id
      LEFT JOIN consumer_types ct ON ct.id = c.consumer_type_id
      WHERE ${P.join(where, ' AND ')} AND EXISTS (SELECT 1 FROM allocations a WHERE a.consumer_id = c.id)
      GROUP BY 1`,
  );
  return counts.map((g) => ({
    consumerType: g.consumerType,
    consumerCount: g.consumerCount,
    resources: rows.filter((r) => r.consumerType === g.consumerType).map((r) => ({ resourceClass: r.resourceClass, used: r.used })),
  }));
}
