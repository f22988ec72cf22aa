// Bad values by GraphQL input type, for test/hostile.test.ts: each is put in one position of one
// argument while the others hold valid values. `value` travels in the variables (JSON); `literal`
// is written into the document instead (for what JSON cannot carry, and for literal syntax).
// No Int here lies in 1..7, the generations and amounts the baselines rely on being refused.

export interface Bad {
  label: string;
  value?: unknown;
  literal?: string;
}

/** JSON text spliced into the variables as is: nesting too deep for JSON.stringify to write. */
export class RawJson {
  constructor(readonly text: string) {}
}
const deepList = new RawJson('['.repeat(100_000) + ']'.repeat(100_000));
const deepObject = new RawJson(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);

const v = (label: string, value: unknown): Bad => ({ label, value });
const lit = (label: string, literal: string): Bad => ({ label, literal });

/** Strings no field takes as a valid name, uuid, class, trait, id or cursor. */
const strings: Bad[] = [
  v('empty', ''),
  v('1 MB', 'x'.repeat(1_000_000)),
  v('1 MB of astral characters', '🙂'.repeat(250_000)),
  v('NUL', 'a\u0000b'),
  v('NUL alone', '\u0000'),
  v('lone high surrogate', 'a\ud800b'),
  v('lone low surrogate', '\udc00'),
  v('reversed surrogates', '\udc00\ud800'),
  v('control characters', 'a\u0007b\u001bc\u0008'),
  v('bidi override', '\u202eevil\u202c'),
  v('zero width and BOM', '\ufeff\u200bx'),
  v('newline and tab', 'a\nb\tc'),
  v('sql drop', "x'); DROP TABLE resource_providers; --"),
  v('sql or', "' OR '1'='1"),
  v('sql comment', 'x/**/--'),
  v('like wildcards', '%_%'),
  v('backslashes', '\\\\x\\'),
  v('script', '<script>alert(1)</script>'),
  v('path', '../../etc/passwd'),
  v('format string', '%s%n%x%d'),
  v('json', '{"a":1}'),
  v('padded', ' VCPU '),
  v('padded uuid', ' 00000000-0000-0000-0000-000000000001 '),
  v('uuid with a bad digit', '00000000-0000-0000-0000-00000000000g'),
  v('uuid too long', '00000000-0000-0000-0000-0000000000010'),
  v('uuid in braces', '{00000000-0000-0000-0000-000000000001}'),
  v('uuid urn', 'urn:uuid:00000000-0000-0000-0000-000000000001'),
  v('bare CUSTOM_', 'CUSTOM_'),
  v('lower-case CUSTOM_', 'CUSTOM_lower'),
  v('lower-case prefix', 'custom_UPPER'),
  v('CUSTOM_ with a dash', 'CUSTOM_A-B'),
  v('CUSTOM_ with a non-ASCII letter', 'CUSTOM_Ä'),
  v('256-character CUSTOM_ name', `CUSTOM_${'A'.repeat(249)}`),
  v('300 characters', 'N'.repeat(300)),
  v('NaN', 'NaN'),
  v('Infinity', 'Infinity'),
  v('negative number', '-1'),
  v('overflowing number', '99999999999999999999'),
  v('null word', 'null'),
];

const wrongForString: Bad[] = [v('number', 5), v('float', 1.5), v('boolean', true), v('object', { a: 1 }), v('empty list', []), v('null', null)];

const ints: Bad[] = [
  v('min Int', -2147483648),
  v('below min Int', -2147483649),
  v('max Int', 2147483647),
  v('above max Int', 2147483648),
  v('2^53 - 1', 9007199254740991),
  v('-2^53', -9007199254740992),
  v('1e21', 1e21),
  v('negative', -1),
  v('zero', 0),
  v('float', 1.5),
  v('negative float', -0.5),
  v('numeric string', '5'),
  v('NaN string', 'NaN'),
  v('Infinity string', 'Infinity'),
  v('boolean', true),
  v('null', null),
  v('list', [8]),
  v('object', { a: 1 }),
  lit('literal above max Int', '99999999999'),
  lit('literal 1e400', '1e400'),
  lit('literal float', '8.0'),
  lit('literal NaN', 'NaN'),
  lit('literal string', '"8"'),
];

const floats: Bad[] = [
  v('zero', 0),
  v('negative', -1),
  v('smallest subnormal', 5e-324),
  v('largest single-precision float', 3.4028234663852886e38),
  v('past single precision', 3.5e38),
  v('largest double', 1.7976931348623157e308),
  v('lowest double', -1.7976931348623157e308),
  v('2^53', 9007199254740992),
  v('numeric string', '1.0'),
  v('NaN string', 'NaN'),
  v('Infinity string', 'Infinity'),
  v('boolean', true),
  v('null', null),
  v('list', [1.0]),
  v('object', { a: 1 }),
  lit('literal 1e400', '1e400'),
  lit('literal -1e400', '-1e400'),
  lit('literal Infinity', 'Infinity'),
  lit('literal NaN', 'NaN'),
];

const booleans: Bad[] = [
  v('string true', 'true'),
  v('one', 1),
  v('zero', 0),
  v('yes', 'yes'),
  v('empty', ''),
  v('null', null),
  v('list', [true]),
  v('object', { a: true }),
  lit('upper-case TRUE', 'TRUE'),
  lit('quoted', '"false"'),
];

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ids: Bad[] = [
  ...strings,
  v('number', 5),
  v('huge number', 1e21),
  v('unknown type', b64('Nothing:1')),
  v('type without id', b64('ResourceProvider:')),
  v('type only', b64('ResourceProvider')),
  v('unknown provider', b64('ResourceProvider:00000000-0000-0000-0000-000000000999')),
  v('provider with a bad uuid', b64("ResourceProvider:' OR '1'='1")),
  v('consumer with NUL', b64('Consumer:\u0000')),
  v('5 MB of base64', 'QUFB'.repeat(1_250_000)),
  v('boolean', true),
  v('object', { a: 1 }),
  v('null', null),
];

const enums: Bad[] = [
  v('unknown', 'SOMETIMES'),
  v('lower-case', 'none'),
  v('empty', ''),
  v('padded', ' NONE '),
  v('NUL', 'NONE\u0000'),
  v('number', 1),
  v('boolean', true),
  v('list', ['NONE']),
  v('object', { a: 1 }),
  v('null', null),
  lit('bare unknown', 'SOMETIMES'),
  lit('bare lower-case', 'none'),
  lit('quoted', '"NONE"'),
];

/** For positions that are lists: wrong shapes around (valid or bad) elements. */
export function listValues(element: unknown): Bad[] {
  return [
    v('null', null),
    v('empty', []),
    v('null element', [null]),
    v('nested too deep', [[element]]),
    v('object', { a: element }),
    v('bare element', element),
    v('number', 5),
    v(
      '10000 copies',
      Array.from({ length: 10_000 }, () => element),
    ),
    v('nested 100000 deep', deepList),
    lit('literal empty', '[]'),
    lit('literal null element', '[null]'),
    lit('literal object', '{}'),
  ];
}

/** For positions that are input objects. */
export function objectValues(valid: Record<string, unknown>): Bad[] {
  return [
    v('null', null),
    v('empty', {}),
    v('list', [valid]),
    v('string', 'x'),
    v('number', 5),
    v('unknown field', { ...valid, nope: 1 }),
    v('nested object 100000 deep', { ...valid, nope: deepObject }),
    lit('literal empty', '{}'),
    lit('literal unknown field', '{nope: 1}'),
    lit('literal list', '[]'),
  ];
}

const literalStrings: Bad[] = [
  lit('escaped NUL', '"a\\u0000b"'),
  lit('escaped lone surrogate', '"\\uD800"'),
  lit('braced escape', '"\\u{10FFFF}"'),
  lit('block string', '"""block\n  string"""'),
  lit('unterminated', '"abc'),
  lit('number', '5'),
  lit('bare name', 'NONE'),
  lit('undeclared variable', '$nope'),
];

/** Bad values for a named scalar or enum type. */
export function scalarValues(type: string, isEnum: boolean): Bad[] {
  if (isEnum) return enums;
  switch (type) {
    case 'String':
      return [...strings, ...wrongForString, ...literalStrings];
    case 'ID':
      return [...ids, ...literalStrings];
    case 'Int':
      return ints;
    case 'Float':
      return floats;
    case 'Boolean':
      return booleans;
    default:
      throw new Error(`no catalogue for scalar ${type}`);
  }
}
