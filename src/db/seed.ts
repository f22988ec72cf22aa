// The standard resource classes and traits exist from the first start; seeding is idempotent so
// every start (and every replica) may run it, and a newer standard list only adds names. Names
// added to a database that already had some (an upgrade) are logged like any write, so replicas
// already running, pollers' change tokens and the change feed hear of them; a new database simply
// starts with them.

import { standardResourceClasses, standardTraits } from '../domain/standard.ts';
import type { Dialect } from './candidates.ts';
import { appendChanges } from './changeLog.ts';
import { catalogueChanged, isEmpty, writeContext } from './changes.ts';
import type { Prisma as PrismaClient } from './client.ts';
import { Prisma as P } from './generated/client.ts';

/** `keep`: the change log's retention (Database.settings.changeLogKeep), for the upgrade's log row. */
export async function seedStandardNames(db: PrismaClient, dialect: Dialect, keep: number): Promise<void> {
  await db.$transaction(
    async (raw) => {
      const tx = writeContext(raw, dialect === 'postgres');
      const classes = standardResourceClasses.map((name, id) => P.sql`(${id}, ${name})`);
      const newClasses = await tx.$queryRaw<{ name: string }[]>`INSERT INTO resource_classes (id, name) VALUES ${P.join(classes)} ON CONFLICT DO NOTHING RETURNING name`;
      const traits = standardTraits.map((name) => P.sql`(${name})`);
      const newTraits = await tx.$queryRaw<{ name: string }[]>`INSERT INTO traits (name) VALUES ${P.join(traits)} ON CONFLICT DO NOTHING RETURNING name`;
      const upgrade = newClasses.length < classes.length || newTraits.length < traits.length;
      if (!upgrade) return;
      for (const { name } of newClasses) catalogueChanged(tx, 'RESOURCE_CLASS', name, true);
      for (const { name } of newTraits) catalogueChanged(tx, 'TRAIT', name, true);
      if (!isEmpty(tx.changes)) await appendChanges(tx, dialect, keep);
    },
    { timeout: 60_000 },
  );
}
