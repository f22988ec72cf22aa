// Traits: filtered listing, get, ensure and delete CUSTOM_ ones.

import { traitCount, traitPage } from '../../db/pages.ts';
import { deleteTrait, ensureTrait, getTrait, type TraitRow, traitFilterSql } from '../../db/traits.ts';
import { isCustomName } from '../../domain/names.ts';
import { builder, mutationScopes, queryScopes, typeScopes } from '../builder.ts';
import { idPage } from '../pagination.ts';
import { runWrite } from '../payload.ts';

export const Trait = builder.objectRef<TraitRow>('Trait').implement({
  ...typeScopes('Trait'),
  description: 'A capability label on providers: HW_CPU_X86_AVX2, STORAGE_DISK_SSD, CUSTOM_*.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The trait name (^[A-Z0-9_]+$).' }),
    standard: t.boolean({ description: 'True for the standard traits, which are read-only.', resolve: (tr) => !isCustomName(tr.name) }),
  }),
});

const TraitFilter = builder.inputType('TraitFilter', {
  description: 'Conditions on traits; all given conditions must hold.',
  fields: (t) => ({
    namePrefix: t.string({ required: false, description: 'Names starting with this.' }),
    names: t.stringList({ required: false, description: 'Names in this set.' }),
    associated: t.boolean({ required: false, description: 'true: only traits some provider has; false: only traits no provider has.' }),
  }),
});

builder.queryFields((t) => ({
  traits: t.connection(
    {
      ...queryScopes('traits'),
      type: Trait,
      description: 'Traits matching a filter, a page at a time, in id order (standard traits first).',
      args: { filter: t.arg({ type: TraitFilter, required: false, description: 'Conditions on the traits returned.' }) },
      resolve: (_, args, ctx) => {
        const db = ctx.db.reader;
        const where = traitFilterSql(args.filter ?? {});
        return idPage<TraitRow>(
          args,
          (w) => traitPage(db, where, w),
          () => traitCount(db, where),
        );
      },
    },
    {
      description: 'A page of traits.',
      fields: (c) => ({
        totalCount: c.int({ description: 'How many traits match the filter in all.', resolve: (conn) => (conn as unknown as { totalCount: () => Promise<number> }).totalCount() }),
      }),
    },
    { description: 'A trait in a page.' },
  ),
  trait: t.field({
    ...queryScopes('trait'),
    type: Trait,
    nullable: true,
    description: 'One trait by name; null when there is none.',
    args: { name: t.arg.string({ required: true, description: 'The trait name.' }) },
    resolve: async (_, { name }, ctx) => (await getTrait(ctx.db.reader, name)) ?? null,
  }),
}));

builder.relayMutationField(
  'ensureTrait',
  {
    description: 'The trait that must exist.',
    inputFields: (t) => ({ name: t.string({ description: 'A CUSTOM_ trait name (or an existing standard one).' }) }),
  },
  {
    ...mutationScopes('ensureTrait'),
    description: 'Creates a CUSTOM_ trait unless it exists (idempotent). Errors: STANDARD_READ_ONLY (an unknown non-CUSTOM_ name), BAD_VALUE.',
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => ensureTrait(tx, input.name)),
  },
  {
    name: 'EnsureTraitPayload',
    description: 'The trait, and whether it was created now.',
    outputFields: (t) => ({
      trait: t.field({ type: Trait, description: 'The trait.', resolve: (r) => r.trait }),
      created: t.boolean({ description: 'False when the trait already existed.', resolve: (r) => r.created }),
    }),
  },
);

builder.relayMutationField(
  'deleteTrait',
  {
    description: 'The trait to delete.',
    inputFields: (t) => ({ name: t.string({ description: 'A CUSTOM_ trait name.' }) }),
  },
  {
    ...mutationScopes('deleteTrait'),
    description: 'Deletes a CUSTOM_ trait. Errors: NOT_FOUND, STANDARD_READ_ONLY, TRAIT_IN_USE (a provider has it).',
    resolve: (_, { input }, ctx, info) => runWrite(ctx, info, (tx) => deleteTrait(tx, input.name)),
  },
  {
    name: 'DeleteTraitPayload',
    description: 'The trait deleted.',
    outputFields: (t) => ({ trait: t.field({ type: Trait, description: 'The trait deleted.', resolve: (r) => r }) }),
  },
);
