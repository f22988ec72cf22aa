// schema.graphql is printed from the code and committed; every type, field and argument is described.
import { readFileSync } from 'node:fs';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../src/domain/errors.ts';
import { printedSchema, schema } from '../src/graphql/schema.ts';

describe('schema', () => {
  it('matches the committed schema.graphql (run `npm run schema:print` after changing types)', () => {
    expect(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')).toBe(printedSchema());
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type)) for (const v of type.getValues()) if (!v.description) missing.push(`${type.name}.${v.name}`);
    }
    expect(missing).toEqual([]);
  });

  it('documents every error code in the ErrorCode enum', () => {
    const codes = schema.getType('ErrorCode');
    expect(
      isEnumType(codes) &&
        codes
          .getValues()
          .map((v) => v.name)
          .sort(),
    ).toEqual(Object.keys(errorCodes).sort());
  });
});
