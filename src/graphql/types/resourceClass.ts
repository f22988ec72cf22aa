// Resource classes: list and get, create / ensure / delete CUSTOM_ ones.

import { createResourceClass, deleteResourceClass, ensureResourceClass, listResourceClasses, type ResourceClassRow } from '../../db/resourceClasses.ts';
import { isCustomName } from '../../domain/names.ts';
import { builder, type InputFields, mutationScopes, queryScopes, typeScopes } from '../builder.ts';
import { runWrite } from '../payload.ts';

export const ResourceClass = builder.objectRef<ResourceClassRow>('ResourceClass').implement({
  ...typeScopes('ResourceClass'),
  description: 'A kind of resource: VCPU, MEMORY_MB, DISK_GB, ... or a CUSTOM_ class.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The class name (^[A-Z0-9_]+$).' }),
    standard: t.boolean({ description: 'True for the standard classes, which are read-only.', resolve: (rc) => !isCustomName(rc.name) }),
  }),
});

builder.queryFields((t) => ({
  resourceClasses: t.field({
    ...queryScopes('resourceClasses'),
    type: [ResourceClass],
    description: 'Every resource class, standard ones first in their fixed order, then custom ones in creation order.',
    resolve: (_, __, ctx) => listResourceClasses(ctx.db.reader),
  }),
  resourceClass: t.field({
    ...queryScopes('resourceClass'),
    type: ResourceClass,
    nullable: true,
    description: 'One resource class by name; null when there is none.',
    args: { name: t.arg.string({ required: true, description: 'The class name.' }) },
    resolve: async (_, { name }, ctx) => (await listResourceClasses(ctx.db.reader)).find((rc) => rc.name === name) ?? null,
  }),
}));

const nameInput = (description: string) => ({
  description,
  inputFields: (t: InputFields) => ({
    name: t.string({ description: 'A CUSTOM_ name (^CUSTOM_[A-Z0-9_]+$, at most 255 characters).' }),
  }),
});

const classPayload = (name: string, description: string, withCreated = false) => ({
  name,
  description,
  // biome-ignore lint/suspicious/noExplicitAny: a payload shape shared by several relayMutationFields; Pothos types its field builder per field
  outputFields: (t: any) => ({
    resourceClass: t.field({ type: ResourceClass, description: 'The resource class.', resolve: (r: { resourceClass: ResourceClassRow }) => r.resourceClass }),
    ...(withCreated ? { created: t.boolean({ description: 'False when the class already existed.', resolve: (r: { created: boolean }) => r.created }) } : {}),
  }),
});

builder.relayMutationField(
  'createResourceClass',
  nameInput('The class to create.'),
  {
    ...mutationScopes('createResourceClass'),
    description: 'Creates a CUSTOM_ resource class. Errors: DUPLICATE_NAME, STANDARD_READ_ONLY (not a CUSTOM_ name), BAD_VALUE.',
    resolve: async (_, { input }, ctx, info) => ({ resourceClass: await runWrite(ctx, info, (tx) => createResourceClass(tx, input.name)) }),
  },
  classPayload('CreateResourceClassPayload', 'The class created.'),
);

builder.relayMutationField(
  'ensureResourceClass',
  nameInput('The class that must exist.'),
  {
    ...mutationScopes('ensureResourceClass'),
    description: 'Creates a CUSTOM_ resource class unless it exists (idempotent). Errors: STANDARD_READ_ONLY, BAD_VALUE.',
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => ensureResourceClass(tx, input.name)),
  },
  classPayload('EnsureResourceClassPayload', 'The class, and whether it was created now.', true),
);

builder.relayMutationField(
  'deleteResourceClass',
  nameInput('The class to delete.'),
  {
    ...mutationScopes('deleteResourceClass'),
    description: 'Deletes a CUSTOM_ resource class. Errors: NOT_FOUND, STANDARD_READ_ONLY, CLASS_IN_USE (an inventory uses it).',
    resolve: async (_, { input }, ctx, info) => ({ resourceClass: await runWrite(ctx, info, (tx) => deleteResourceClass(tx, input.name)) }),
  },
  classPayload('DeleteResourceClassPayload', 'The class deleted.'),
);
