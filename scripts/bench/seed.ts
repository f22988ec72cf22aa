// Bulk-seeds a workload straight into a database, for the scale scenario: loading 100 000
// providers through the API would measure the loader for an hour, not the candidate search.
// The rows are exactly what the API would write (generation 3 = inventories, traits, aggregates).

import { inventoryOf, type ProviderSpec } from '../../conformance/model.ts';
import type { Database } from '../../src/db/client.ts';
import { Prisma as P } from '../../src/db/generated/client.ts';

const BATCH = 1000;

export async function seed(db: Database, providers: Iterable<ProviderSpec>): Promise<number> {
  const ids = async (table: string, column: string) =>
    new Map((await db.writer.$queryRawUnsafe<{ id: number; name: string }[]>(`SELECT id, ${column} AS name FROM ${table}`)).map((r) => [r.name, Number(r.id)]));
  const classes = await ids('resource_classes', 'name');
  const traits = await ids('traits', 'name');
  let batch: ProviderSpec[] = [];
  let count = 0;
  const flush = async () => {
    if (!batch.length) return;
    const aggs = [...new Set(batch.flatMap((p) => p.aggregates ?? []))];
    await db.writer.$transaction(
      async (tx) => {
        if (aggs.length) await tx.$executeRaw`INSERT INTO aggregates (uuid) VALUES ${P.join(aggs.map((a) => P.sql`(${a})`))} ON CONFLICT DO NOTHING`;
        const aggIds = new Map(
          (await tx.$queryRaw<{ id: number; uuid: string }[]>`SELECT id, uuid FROM aggregates WHERE uuid IN (${P.join(aggs.length ? aggs : [''])})`).map((r) => [r.uuid, Number(r.id)]),
        );
        await tx.$executeRaw`INSERT INTO resource_providers (uuid, name, generation) VALUES ${P.join(batch.map((p) => P.sql`(${p.uuid}, ${p.name}, ${3})`))}`;
        const rows = await tx.$queryRaw<{ id: number; uuid: string }[]>`SELECT id, uuid FROM resource_providers WHERE uuid IN (${P.join(batch.map((p) => p.uuid))})`;
        const idOf = new Map(rows.map((r) => [r.uuid, Number(r.id)]));
        await tx.$executeRaw`UPDATE resource_providers SET root_provider_id = id WHERE root_provider_id IS NULL AND parent_provider_id IS NULL AND id IN (${P.join(rows.map((r) => Number(r.id)))})`;
        for (const p of batch) {
          if (!p.parent) continue;
          const id = idOf.get(p.uuid)!;
          const parent = p.parent ? (idOf.get(p.parent) ?? Number((await tx.$queryRaw<{ id: number }[]>`SELECT id FROM resource_providers WHERE uuid = ${p.parent}`)[0].id)) : null;
          const root = parent === null ? id : Number((await tx.$queryRaw<{ r: number }[]>`SELECT root_provider_id AS r FROM resource_providers WHERE id = ${parent}`)[0].r);
          await tx.$executeRaw`UPDATE resource_providers SET parent_provider_id = ${parent}, root_provider_id = ${root} WHERE id = ${id}`;
        }
        const inv = batch.flatMap((p) =>
          Object.entries(p.inventories ?? {}).map(([rc, v]) => {
            const i = inventoryOf(v);
            return P.sql`(${idOf.get(p.uuid)}, ${classes.get(rc)}, ${i.total}, ${i.reserved ?? 0}, ${i.minUnit ?? 1}, ${i.maxUnit ?? 2147483647}, ${i.stepSize ?? 1}, ${i.allocationRatio ?? 1})`;
          }),
        );
        if (inv.length) await tx.$executeRaw`INSERT INTO inventories (resource_provider_id, resource_class_id, total, reserved, min_unit, max_unit, step_size, allocation_ratio) VALUES ${P.join(inv)}`;
        const tr = batch.flatMap((p) => (p.traits ?? []).map((t) => P.sql`(${idOf.get(p.uuid)}, ${traits.get(t)})`));
        if (tr.length) await tx.$executeRaw`INSERT INTO resource_provider_traits (resource_provider_id, trait_id) VALUES ${P.join(tr)}`;
        const ag = batch.flatMap((p) => (p.aggregates ?? []).map((a) => P.sql`(${idOf.get(p.uuid)}, ${aggIds.get(a)})`));
        if (ag.length) await tx.$executeRaw`INSERT INTO resource_provider_aggregates (resource_provider_id, aggregate_id) VALUES ${P.join(ag)}`;
      },
      { timeout: 120_000 },
    );
    count += batch.length;
    batch = [];
  };
  for (const p of providers) {
    batch.push(p);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return count;
}
