// Resource classes: standard ones are seeded and read-only; CUSTOM_ ones are created and deleted here.

import { DomainError } from '../domain/errors.ts';
import { isCustomName, parse, schemas } from '../domain/names.ts';
import { FIRST_CUSTOM_CLASS_ID } from '../domain/standard.ts';
import { catalogueChanged, type WriteTx } from './changes.ts';
import type { Tx } from './client.ts';
import { countInventoriesUsingClass } from './inventories.ts';
import { numbers } from './reads.ts';

export interface ResourceClassRow {
  id: number;
  name: string;
}

export const listResourceClasses = async (db: Tx) => numbers(await db.$queryRaw<ResourceClassRow[]>`SELECT id, name FROM resource_classes ORDER BY id`);

async function findClass(db: Tx, name: string): Promise<ResourceClassRow | undefined> {
  return numbers(await db.$queryRaw<ResourceClassRow[]>`SELECT id, name FROM resource_classes WHERE name = ${name}`)[0];
}

function customName(name: string): string {
  parse(schemas.standardName, name, 'resource class name');
  if (!isCustomName(name)) throw new DomainError('STANDARD_READ_ONLY', `${name} is not a CUSTOM_ name: standard resource classes cannot be created or deleted`);
  return parse(schemas.customName, name, 'resource class name');
}

async function insertClass(tx: WriteTx, name: string): Promise<ResourceClassRow> {
  const [{ next }] = numbers(await tx.$queryRaw<{ next: number | null }[]>`SELECT MAX(id) + 1 AS next FROM resource_classes WHERE id >= ${FIRST_CUSTOM_CLASS_ID}`);
  const id = next ?? FIRST_CUSTOM_CLASS_ID;
  await tx.$executeRaw`INSERT INTO resource_classes (id, name) VALUES (${id}, ${name})`;
  catalogueChanged(tx, 'RESOURCE_CLASS', name, true);
  return { id, name };
}

export async function createResourceClass(tx: WriteTx, name: string): Promise<ResourceClassRow> {
  customName(name);
  if (await findClass(tx, name)) throw new DomainError('DUPLICATE_NAME', `Resource class ${name} already exists`);
  return insertClass(tx, name);
}

/** Idempotent create: `created` tells whether it was new. */
export async function ensureResourceClass(tx: WriteTx, name: string): Promise<{ resourceClass: ResourceClassRow; created: boolean }> {
  customName(name);
  const existing = await findClass(tx, name);
  return existing ? { resourceClass: existing, created: false } : { resourceClass: await insertClass(tx, name), created: true };
}

export async function deleteResourceClass(tx: WriteTx, name: string): Promise<ResourceClassRow> {
  const existing = await findClass(tx, name);
  if (existing && !isCustomName(name)) throw new DomainError('STANDARD_READ_ONLY', `Standard resource class ${name} cannot be deleted`);
  if (!existing) throw new DomainError('NOT_FOUND', `No resource class named ${name}`);
  if ((await countInventoriesUsingClass(tx, existing.id)) > 0) {
    throw new DomainError('CLASS_IN_USE', `Resource class ${name} is used by inventories and cannot be deleted`);
  }
  await tx.$executeRaw`DELETE FROM resource_classes WHERE id = ${existing.id}`;
  catalogueChanged(tx, 'RESOURCE_CLASS', name, false);
  return existing;
}
