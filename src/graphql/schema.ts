// Assembles the schema from the per-domain type files.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './errors.ts';
import './types/refs.ts';
import './types/inventory.ts';
import './types/provider.ts';
import './types/providerTree.ts';
import './types/resourceClass.ts';
import './types/trait.ts';
import './types/consumer.ts';
import './types/candidates.ts';
import './types/explain.ts';
import './types/changeToken.ts';
import './types/changes.ts';

export const schema = builder.toSchema({ sortSchema: true });

/** The SDL committed as schema.graphql. */
export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;
