// The one Pothos schema builder. Fields are non-null unless a field says otherwise.
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import type { Database } from '../db/client.ts';

export interface Context {
  db: Database;
}

type Types = { Context: Context; DefaultFieldNullability: false; DefaultInputFieldRequiredness: true };
/** The input-field builder handed to `inputFields`, for helpers that build shared input fields. */
export type InputFields = PothosSchemaTypes.InputFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<Types>, 'InputObject'>;

export const builder = new SchemaBuilder<Types>({
  plugins: [RelayPlugin, DataloaderPlugin, SimpleObjectsPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeTypeOptions: { description: 'An object with a globally unique, opaque id (Relay).' },
    pageInfoTypeOptions: { description: 'Where a page of a connection starts and ends (Relay).' },
    nodeQueryOptions: { description: 'Fetches any object that has a global id (a provider or a consumer).', nullable: true },
    nodesQueryOptions: { description: 'Fetches several objects by global id; unknown ids give null.', nullable: true },
    idFieldOptions: { description: 'Opaque global id, for `node(id:)` and client caches.' },
    mutationInputArgOptions: { description: 'The input of this mutation.' },
  },
});

builder.queryType({ description: 'Reads: providers and their trees, classes, traits, consumers and usages.' });
builder.mutationType({ description: 'Writes. Each runs in one transaction: it happens entirely or not at all.' });
