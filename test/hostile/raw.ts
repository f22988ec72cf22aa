// Hostile HTTP requests for test/hostile.test.ts: bodies that are not GraphQL or not JSON, content
// types, methods, query strings and headers. None is a write that could succeed. GET and
// non-JSON requests carry the CSRF header, so each tests what it means to.

export interface RawRequest {
  label: string;
  /** Path and query string. */
  target: string;
  init: RequestInit;
}

const CSRF = { 'x-graphql-yoga-csrf': '1' };
const JSON_TYPE = { 'content-type': 'application/json' };
const read = JSON.stringify({ query: '{ resourceClasses { name } }' });
const deep = (open: string, close: string, n: number) => open.repeat(n) + close.repeat(n);
const chunks = (text: string, size: number) => {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size));
      c.close();
    },
  });
};

const bodies: [string, BodyInit][] = [
  ['empty', ''],
  ['open brace', '{'],
  ['null', 'null'],
  ['number', '5'],
  ['string', '"query"'],
  ['list of a number', '[1]'],
  ['empty batch', '[]'],
  ['batch of empty objects', '[{}, {}]'],
  ['batch over the limit', JSON.stringify(Array.from({ length: 11 }, () => ({ query: '{ __typename }' })))],
  ['batch of 100000', `[${Array.from({ length: 100_000 }, () => '{}').join(',')}]`],
  ['batch mixing good and bad', JSON.stringify([{ query: '{ __typename }' }, { query: '{' }, { query: 5 }])],
  ['query a number', '{"query": 5}'],
  ['query an object', '{"query": {"a": 1}}'],
  ['query unparsable', '{"query": "{"}'],
  ['query empty', '{"query": ""}'],
  ['query only a comment', '{"query": "# nothing"}'],
  ['query with NUL', '{"query": "{ __typename \\u0000 }"}'],
  ['query with a lone surrogate', '{"query": "{ __typename \\ud800 }"}'],
  ['unknown field', '{"query": "{ resourceProviders { edges { node { nope } } } }"}'],
  ['wrong literal type', '{"query": "mutation { createResourceProvider(input: {name: 1}) { resourceProvider { uuid } } }"}'],
  ['variables a string', '{"query": "{ __typename }", "variables": "not an object"}'],
  ['variables a list', '{"query": "{ __typename }", "variables": [1]}'],
  ['variables nested 100000 deep', `{"query": "query($v: [String]) { __typename }", "variables": {"v": ${deep('[', ']', 100_000)}}}`],
  ['variable 1e400', '{"query": "query($v: Float) { __typename }", "variables": {"v": 1e400}}'],
  ['variable -0', '{"query": "query($v: Int) { resourceProviders(first: $v) { totalCount } }", "variables": {"v": -0}}'],
  ['undeclared variable', '{"query": "{ resourceProviders(first: $n) { totalCount } }", "variables": {"n": 1}}'],
  ['duplicate keys', '{"query": "{ __typename }", "query": "{ resourceClasses { name } }"}'],
  ['unknown enum value', '{"query": "query($p: GroupPolicy) { __typename }", "variables": {"p": "SOMETIMES"}}'],
  ['operationName an object', '{"query": "{ __typename }", "operationName": {"x": 1}}'],
  ['operationName unknown', '{"query": "query A { __typename }", "operationName": "B"}'],
  ['two operations, none chosen', '{"query": "query A { __typename } query B { __typename }"}'],
  ['subscription', '{"query": "subscription { resourceClasses { name } }"}'],
  ['extensions a string', '{"query": "{ __typename }", "extensions": "x"}'],
  ['persisted query hash only', '{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}'],
  ['unexpected parameter', '{"query": "{ __typename }", "nope": 1}'],
  ['200 aliases', `{"query": "{ ${'a: __typename '.repeat(200)}}"}`],
  ['selections 15 deep', `{"query": "{ ${'resourceProviders { edges { node { children { '.repeat(15)} uuid ${'} } } }'.repeat(15)} }"}`],
  ['selections 3000 deep', JSON.stringify({ query: `{ ${'resourceProviders { edges { node { children { '.repeat(750)} uuid ${'} } } }'.repeat(750)} }` })],
  ['list literal 100000 deep', JSON.stringify({ query: `{ traits(filter: {names: ${deep('[', ']', 100_000)}}) { totalCount } }` })],
  ['6000 tokens', JSON.stringify({ query: `{ ${'__typename '.repeat(6000)}}` })],
  ['fragment cycle', '{"query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"}'],
  ['fragment chain of 500', JSON.stringify({ query: `{ ...F0 } ${Array.from({ length: 500 }, (_, i) => `fragment F${i} on Query { ${i < 499 ? `...F${i + 1}` : '__typename'} }`).join(' ')}` })],
  ['directive unknown', '{"query": "{ __typename @nope }"}'],
  ['introspection deep', `{"query": "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }"}`],
  [
    'mutation via a 10 MB string',
    JSON.stringify({
      query: 'mutation($n: String!) { createResourceProvider(input: {name: $n, uuid: "00000000-0000-0000-0000-000000000001"}) { resourceProvider { uuid } } }',
      variables: { n: 'x'.repeat(10 * 1024 * 1024) },
    }),
  ],
  ['NUL bytes', '\u0000\u0001\u0002'],
  ['byte order mark', `\ufeff${read}`],
  ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d])],
  ['UTF-16', new Uint8Array([0xff, 0xfe, ...[...read].flatMap((c) => [c.charCodeAt(0), 0])])],
  ['chunked in single bytes', chunks(read, 1)],
  ['chunked 13 MB', chunks(`{"query": "{ __typename }", "variables": {"x": "${'x'.repeat(13 * 1024 * 1024)}"}}`, 65536)],
];

const contentTypes = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/graphql',
  'application/graphql-response+json',
  'application/json; charset=utf-16',
  'application/json; charset=nonsense; boundary=;;',
  'application/json, text/plain',
  'APPLICATION/JSON',
  'application/jsonx',
  '*/*',
  `application/json; ${'p=x; '.repeat(2000)}`,
];

const queryStrings = [
  '',
  '?query=',
  '?query=%7B__typename%7D&variables=%7B',
  '?query=%7B__typename%7D&variables=null',
  '?query=%7B__typename%7D&variables=%5B1%5D',
  '?query=%7B__typename%7D&extensions=%7B%22a',
  '?query=%7B__typename%7D&operationName=%7B',
  '?query=%ZZ',
  '?query=%7B__typename%7D&query=%7BresourceClasses%7Bname%7D%7D',
  '?query=mutation%7BensureTrait(input%3A%7Bname%3A%22CUSTOM_GET%22%7D)%7Bcreated%7D%7D',
  '?query=subscription%7Bx%7D',
  '?query=%7B__typename%20%00%7D',
  `?query=${encodeURIComponent(`{ ${'a: __typename '.repeat(100)}}`)}`,
  `?query=%7B__typename%7D&variables=${encodeURIComponent(JSON.stringify({ v: 'x'.repeat(100_000) }))}`,
  `?query=${'%7B'.repeat(5000)}`,
];

const headerSets: [string, Record<string, string>][] = [
  ['accept html', { accept: 'text/html' }],
  ['accept xml', { accept: 'application/xml' }],
  ['accept nothing sensible', { accept: ';;;,,,' }],
  ['accept event stream', { accept: 'text/event-stream' }],
  ['accept multipart', { accept: 'multipart/mixed' }],
  ['accept graphql-response', { accept: 'application/graphql-response+json' }],
  ['accept with q=0 json', { accept: 'application/json;q=0, text/html' }],
  ['bearer without token', { authorization: 'Bearer' }],
  ['basic credentials', { authorization: 'Basic dXNlcjpwYXNz' }],
  ['10 KB token', { authorization: `Bearer ${'a'.repeat(10_000)}` }],
  ['request id with spaces', { 'x-request-id': 'bad id <script>' }],
  ['request id 10 KB', { 'x-request-id': 'r'.repeat(10_000) }],
  ['content-length not a number', { 'content-length': 'abc' }],
  ['content-length negative', { 'content-length': '-1' }],
  ['content-length twice', { 'content-length': '10, 10' }],
  ['content-length understated', { 'content-length': '1' }],
  ['content-encoding gzip (not)', { 'content-encoding': 'gzip' }],
  ['transfer-encoding', { 'transfer-encoding': 'chunked' }],
  ['origin elsewhere', { origin: 'https://evil.example' }],
  ['cookie garbage', { cookie: '=;;=; a' }],
  ['host odd', { 'x-forwarded-host': '../../' }],
  ['64 KB header', { 'x-padding': 'p'.repeat(65_536) }],
];

const methods = ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'FOO'];

export function rawRequests(): RawRequest[] {
  const out: RawRequest[] = [];
  for (const [label, body] of bodies) {
    const stream = body instanceof ReadableStream;
    out.push({ label: `body: ${label}`, target: '/graphql', init: { method: 'POST', headers: JSON_TYPE, body, ...(stream ? { duplex: 'half' } : {}) } as RequestInit });
  }
  for (const type of contentTypes) {
    for (const [label, body] of [
      ['a read', read],
      ['a form', 'query=%7B__typename%7D&variables=%7B'],
      ['text', '{ __typename }'],
    ]) {
      out.push({ label: `content type ${type.slice(0, 60)}: ${label}`, target: '/graphql', init: { method: 'POST', headers: { 'content-type': type, ...CSRF }, body } });
    }
  }
  out.push({ label: 'no content type', target: '/graphql', init: { method: 'POST', headers: CSRF, body: read } });
  for (const qs of queryStrings) out.push({ label: `GET ${qs.slice(0, 60)}`, target: `/graphql${qs}`, init: { method: 'GET', headers: CSRF } });
  for (const [label, headers] of headerSets) {
    out.push({ label: `headers: ${label}`, target: '/graphql', init: { method: 'POST', headers: { ...JSON_TYPE, ...headers }, body: read } });
    out.push({ label: `GET headers: ${label}`, target: '/graphql?query=%7B__typename%7D', init: { method: 'GET', headers: { ...CSRF, ...headers } } });
  }
  for (const method of methods) {
    const body = method === 'HEAD' ? undefined : read;
    out.push({ label: `method ${method}`, target: '/graphql', init: { method, headers: { ...JSON_TYPE, ...CSRF }, body } });
  }
  for (const path of ['/', '/graphql/', '/GRAPHQL', '/graphql%2F..%2Fhealthz', '/%00', `/${'a'.repeat(10_000)}`]) {
    out.push({ label: `path ${path.slice(0, 30)}`, target: path, init: { method: 'POST', headers: JSON_TYPE, body: read } });
  }
  return out;
}
