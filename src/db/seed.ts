// The standard resource classes and traits exist from the first start; seeding is idempotent so
// every start (and every replica) may run it, and a newer standard list only adds names.
import { Prisma as P } from './generated/client.ts';
import type { Tx } from './client.ts';
import { standardResourceClasses, standardTraits } from '../domain/standard.ts';

export async function seedStandardNames(db: Tx): Promise<void> {
  const classes = standardResourceClasses.map((name, id) => P.sql`(${id}, ${name})`);
  await db.$executeRaw`INSERT INTO resource_classes (id, name) VALUES ${P.join(classes)} ON CONFLICT DO NOTHING`;
  const traits = standardTraits.map((name) => P.sql`(${name})`);
  await db.$executeRaw`INSERT INTO traits (name) VALUES ${P.join(traits)} ON CONFLICT DO NOTHING`;
}
