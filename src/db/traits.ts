// Traits: the catalogue (standard read-only, CUSTOM_ created/deleted) and each provider's set.

import { DomainError } from '../domain/errors.ts';
import { assertKnown } from '../domain/messages.ts';
import { isCustomName, parse, schemas } from '../domain/names.ts';
import { catalogueChanged, type WriteTx } from './changes.ts';
import type { Tx } from './client.ts';
import { Prisma as P } from './generated/client.ts';
import { requireProvider } from './providers.ts';
import { numbers, traitIds } from './reads.ts';
import { bumpProviderGeneration, expectGeneration } from './tx.ts';

export interface TraitRow {
  id: number;
  name: string;
}

export interface TraitFilter {
  namePrefix?: string | null;
  names?: string[] | null;
  /** true: only traits some provider has; false: only traits no provider has. */
  associated?: boolean | null;
}

export function traitFilterSql(f: TraitFilter): P.Sql {
  const where: P.Sql[] = [P.sql`1 = 1`];
  if (f.namePrefix != null) where.push(P.sql`substr(t.name, 1, ${f.namePrefix.length}) = ${f.namePrefix}`);
  if (f.names != null) where.push(f.names.length ? P.sql`t.name IN (${P.join(f.names)})` : P.sql`1 = 0`);
  if (f.associated != null) {
    const linked = P.sql`EXISTS (SELECT 1 FROM resource_provider_traits rpt WHERE rpt.trait_id = t.id)`;
    where.push(f.associated ? linked : P.sql`NOT ${linked}`);
  }
  return P.join(where, ' AND ');
}

async function findTrait(db: Tx, name: string): Promise<TraitRow | undefined> {
  return numbers(await db.$queryRaw<TraitRow[]>`SELECT id, name FROM traits WHERE name = ${name}`)[0];
}

export async function getTrait(db: Tx, name: string) {
  return findTrait(db, name);
}

/** Idempotent create of a CUSTOM_ trait; a standard name that exists is simply "already there". */
export async function ensureTrait(tx: WriteTx, name: string): Promise<{ trait: TraitRow; created: boolean }> {
  parse(schemas.standardName, name, 'trait name');
  const existing = await findTrait(tx, name);
  if (existing) return { trait: existing, created: false };
  if (!isCustomName(name)) throw new DomainError('STANDARD_READ_ONLY', `${name} is not a CUSTOM_ name: only custom traits can be created`);
  parse(schemas.customName, name, 'trait name');
  await tx.$executeRaw`INSERT INTO traits (name) VALUES (${name})`;
  catalogueChanged(tx, 'TRAIT', name, true);
  return { trait: (await findTrait(tx, name))!, created: true };
}

export async function deleteTrait(tx: WriteTx, name: string): Promise<TraitRow> {
  const existing = await findTrait(tx, name);
  if (existing && !isCustomName(name)) throw new DomainError('STANDARD_READ_ONLY', `Standard trait ${name} cannot be deleted`);
  if (!existing) throw new DomainError('NOT_FOUND', `No trait named ${name}`);
  const [{ n }] = numbers(await tx.$queryRaw<{ n: number }[]>`SELECT COUNT(*) AS n FROM resource_provider_traits WHERE trait_id = ${existing.id}`);
  if (n > 0) throw new DomainError('TRAIT_IN_USE', `Trait ${name} is set on providers and cannot be deleted`);
  await tx.$executeRaw`DELETE FROM traits WHERE id = ${existing.id}`;
  catalogueChanged(tx, 'TRAIT', name, false);
  return existing;
}

/** Replaces a provider's traits; every trait must already exist. `generation` null: no check (clear). */
export async function setProviderTraits(tx: WriteTx, uuid: string, generation: number | null, names: readonly string[]) {
  const rp = await requireProvider(tx, uuid);
  if (generation !== null) expectGeneration('provider', uuid, generation, rp.generation);
  const unique = [...new Set(names)];
  const ids = await traitIds(tx, unique);
  assertKnown('trait', unique, (n) => ids.has(n));
  await tx.$executeRaw`DELETE FROM resource_provider_traits WHERE resource_provider_id = ${rp.id}`;
  if (unique.length) {
    await tx.$executeRaw`INSERT INTO resource_provider_traits (resource_provider_id, trait_id) VALUES ${P.join(unique.map((n) => P.sql`(${rp.id}, ${ids.get(n)})`))}`;
  }
  await bumpProviderGeneration(tx, rp.id, rp.generation, 'TRAITS');
  return rp;
}
