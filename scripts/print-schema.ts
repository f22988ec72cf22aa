// Writes schema.graphql from the code (sorted SDL). `npm run schema:print`.
import { writeFileSync } from 'node:fs';
import { printedSchema } from '../src/graphql/schema.ts';

writeFileSync(new URL('../schema.graphql', import.meta.url), printedSchema());
console.log('schema.graphql written');
