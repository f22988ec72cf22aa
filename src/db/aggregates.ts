// A provider's aggregate memberships: aggregates are bare uuids, created on first use.

import { parse, schemas } from '../domain/names.ts';
import type { WriteTx } from './changes.ts';
import { Prisma as P } from './generated/client.ts';
import { requireProvider } from './providers.ts';
import { numbers } from './reads.ts';
import { bumpProviderGeneration, expectGeneration } from './tx.ts';

/** Replaces the provider's aggregates (empty clears them); duplicates collapse. `generation` null: no check. */
export async function setProviderAggregates(tx: WriteTx, uuid: string, generation: number | null, aggregates: readonly string[]) {
  const rp = await requireProvider(tx, uuid);
  if (generation !== null) expectGeneration('provider', uuid, generation, rp.generation);
  const uuids = [...new Set(aggregates.map((a) => parse(schemas.uuid, a, 'aggregate uuid')))];
  await tx.$executeRaw`DELETE FROM resource_provider_aggregates WHERE resource_provider_id = ${rp.id}`;
  if (uuids.length) {
    await tx.$executeRaw`INSERT INTO aggregates (uuid) VALUES ${P.join(uuids.map((u) => P.sql`(${u})`))} ON CONFLICT DO NOTHING`;
    const ids = numbers(await tx.$queryRaw<{ id: number }[]>`SELECT id FROM aggregates WHERE uuid IN (${P.join(uuids)})`);
    await tx.$executeRaw`INSERT INTO resource_provider_aggregates (resource_provider_id, aggregate_id) VALUES ${P.join(ids.map((r) => P.sql`(${rp.id}, ${r.id})`))}`;
  }
  await bumpProviderGeneration(tx, rp.id, rp.generation, 'AGGREGATES');
  return rp;
}
