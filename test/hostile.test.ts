// Hostile input and query limits (SECURITY.md). Over 2000 generated bad requests across every
// mutation and filter: each answer is a well-formed GraphQL error with a code, never a stack, SQL
// or a file path, and the database is byte-for-byte unchanged afterwards. Then each query limit,
// and the operational endpoints and headers.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { errorCodes } from '../src/domain/errors.ts';
import { setup, snapshotDb, u, type Harness } from './helpers.ts';

let h: Harness;
let app: ReturnType<typeof createApp>;
const send = (body: string, headers: Record<string, string> = {}) =>
  app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

beforeAll(async () => {
  h = await setup();
  app = createApp(h.db, configFromEnv({ LIMIT_BODY_BYTES: String(12 * 1024 * 1024) }));
  await h.ok(`mutation { createResourceProvider(input: {name: "host", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  await h.ok(`mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { resourceProvider { uuid } } }`);
});
afterAll(() => h.close());

// Bad values, by category. Strings go into every string slot, numbers into every int slot.
const badStrings: [string, unknown][] = [
  ['empty', ''],
  ['10 MB', 'x'.repeat(10 * 1024 * 1024)],
  ['sql', "x'); DROP TABLE resource_providers; --"],
  ['sql-or', "' OR '1'='1"],
  ['script', '<script>alert(1)</script>'],
  ['control', 'a\u0000b\u0007c\u001b'],
  ['unicode', 'ñ字🙂\u202e\ufeff'],
  ['lowercase custom', 'CUSTOM_lower'],
  ['bad custom', 'CUSTOM_'],
  ['uuid-ish', '00000000-0000-0000-0000-00000000000g'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['path', '../../etc/passwd'],
  ['json', '{"a":1}'],
  ['long name', 'N'.repeat(300)],
];
// Variants of the short ones: behind a CUSTOM_ prefix, and padded with spaces.
badStrings.push(
  ...badStrings
    .filter(([, v]) => typeof v === 'string' && v.length < 1000)
    .flatMap(([n, v]): [string, unknown][] => [
      // (never one that turns into a valid name)
      ...(/^CUSTOM_[A-Z0-9_]{1,248}$/.test(`CUSTOM_${v}`) ? [] : [[`custom ${n}`, `CUSTOM_${v}`] as [string, unknown]]),
      [`spaced ${n}`, ` ${v} `],
    ]),
);
const badInts: [string, unknown][] = [
  ['min int', -2147483648],
  ['exponent', 1e21],
  ['negative float', -0.5],
  ['array', [1]],
  ['negative', -1],
  ['zero', 0],
  ['huge', 2 ** 31],
  ['huger', Number.MAX_SAFE_INTEGER],
  ['float', 1.5],
  ['string', '5'],
  ['NaN string', 'NaN'],
  ['null', null],
  ['bool', true],
  ['object', { a: 1 }],
];

// Operation templates with one $v slot of a given kind.
const stringSlots = [
  `mutation($v: String!) { createResourceProvider(input: {name: $v, uuid: "${u(1)}"}) { resourceProvider { uuid } } }`,
  `mutation($v: String!) { createResourceProvider(input: {name: "host", uuid: $v}) { resourceProvider { uuid } } }`,
  `mutation($v: String!) { createResourceProvider(input: {name: "host", parentUuid: $v}) { resourceProvider { uuid } } }`,
  `mutation($v: String!) { updateResourceProvider(input: {uuid: $v, name: "x"}) { resourceProvider { uuid } } }`,
  `mutation($v: String!) { deleteResourceProvider(input: {uuid: $v}) { uuid } }`,
  `mutation($v: String!) { setInventory(input: {providerUuid: "${u(1)}", providerGeneration: 99, inventory: {resourceClass: $v, total: 1}}) { resourceProvider { uuid } } }`,
  `mutation($v: String!) { deleteInventory(input: {providerUuid: "${u(1)}", resourceClass: $v}) { resourceProvider { uuid } } }`,
  `mutation($v: String!) { setProviderTraits(input: {providerUuid: "${u(1)}", providerGeneration: 99, traits: [$v]}) { resourceProvider { uuid } } }`,
  `mutation($v: String!) { setProviderAggregates(input: {providerUuid: "${u(1)}", providerGeneration: 99, aggregates: [$v]}) { resourceProvider { uuid } } }`,
  `mutation($v: String!) { createResourceClass(input: {name: $v}) { resourceClass { name } } }`,
  `mutation($v: String!) { deleteResourceClass(input: {name: $v}) { resourceClass { name } } }`,
  `mutation($v: String!) { ensureTrait(input: {name: $v}) { created } }`,
  `mutation($v: String!) { deleteTrait(input: {name: $v}) { trait { name } } }`,
  `mutation($v: String!) { setAllocations(input: {consumer: {consumerUuid: $v, consumerGeneration: null, projectId: "p", userId: "u", consumerType: "INSTANCE", allocations: [{providerUuid: "${u(1)}", resources: [{resourceClass: "VCPU", amount: 100}]}]}}) { consumers { uuid } } }`,
  `mutation($v: String!) { setAllocations(input: {consumer: {consumerUuid: "${u(600)}", consumerGeneration: null, projectId: $v, userId: "u", consumerType: "INSTANCE", allocations: [{providerUuid: "${u(1)}", resources: [{resourceClass: "VCPU", amount: 100}]}]}}) { consumers { uuid } } }`,
  `mutation($v: String!) { setAllocations(input: {consumer: {consumerUuid: "${u(600)}", consumerGeneration: null, projectId: "p", userId: "u", consumerType: $v, allocations: [{providerUuid: "${u(1)}", resources: [{resourceClass: "VCPU", amount: 100}]}]}}) { consumers { uuid } } }`,
  `mutation($v: String!) { deleteAllocations(input: {consumerUuid: $v}) { consumerUuid } }`,
  `query($v: String!) { resourceProviders(filter: {requiredTraits: [$v]}) { totalCount } }`,
  `query($v: String!) { resourceProviders(filter: {memberOf: [[$v]]}) { totalCount } }`,
  `query($v: String!) { resourceProviders(filter: {inTree: $v}) { totalCount } }`,
  `query($v: String!) { resourceProviders(filter: {resources: [{resourceClass: $v, amount: 1}]}) { totalCount } }`,
  `query($v: String!) { resourceProviders(after: $v) { totalCount } }`,
  `query($v: String!) { allocationCandidates(request: {groups: [{resources: [{resourceClass: $v, amount: 1}]}]}) { allocationRequests { mappings { suffix } } } }`,
  `query($v: String!) { allocationCandidates(request: {groups: [{suffix: $v, resources: [{resourceClass: "VCPU", amount: 1}]}]}) { allocationRequests { mappings { suffix } } } }`,
  `query($v: String!) { allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}], inTree: $v}]}) { allocationRequests { mappings { suffix } } } }`,
  `query($v: String!) { allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}], requiredTraits: [$v]}]}) { allocationRequests { mappings { suffix } } } }`,
  `query($v: String!) { usages(projectId: "p", consumerType: $v) { consumerCount } }`,
  `query($v: ID!) { node(id: $v) { id } }`,
];
const intSlots = [
  `mutation($v: Int!) { setInventory(input: {providerUuid: "${u(1)}", providerGeneration: 99, inventory: {resourceClass: "DISK_GB", total: $v}}) { resourceProvider { uuid } } }`,
  `mutation($v: Int!) { setInventory(input: {providerUuid: "${u(1)}", providerGeneration: 99, inventory: {resourceClass: "DISK_GB", total: 10, reserved: $v, minUnit: 1}}) { resourceProvider { uuid } } }`,
  `mutation($v: Int!) { setInventory(input: {providerUuid: "${u(1)}", providerGeneration: 99, inventory: {resourceClass: "DISK_GB", total: 10, stepSize: $v}}) { resourceProvider { uuid } } }`,
  `mutation($v: Int!) { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: $v, inventories: []}) { resourceProvider { uuid } } }`,
  `mutation($v: Int!) { setAllocations(input: {consumer: {consumerUuid: "${u(600)}", consumerGeneration: null, projectId: "p", userId: "u", consumerType: "INSTANCE", allocations: [{providerUuid: "${u(1)}", resources: [{resourceClass: "VCPU", amount: $v}]}]}}) { consumers { uuid } } }`,
  `query($v: Int!) { resourceProviders(first: $v) { totalCount } }`,
  `query($v: Int!) { allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: $v}]}]}) { allocationRequests { mappings { suffix } } } }`,
  `query($v: Int!) { allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: 100}]}], limit: $v}) { allocationRequests { mappings { suffix } } } }`,
];
// Whole bodies that are not GraphQL, or not even JSON.
const rawBodies = [
  '',
  '{',
  'null',
  '[1]',
  '"query"',
  '{"query": 5}',
  '{"query": "{"}',
  '{"query": "mutation { createResourceProvider(input: {name: 1}) { resourceProvider { uuid } } }"}',
  '{"query": "{ resourceProviders { edges { node { nope } } } }"}',
  '{"query": "{ resourceClasses { name } }", "variables": "not an object"}',
  '{"query": "{ __typename }", "query": "{ resourceClasses { name } }"}',
  '{"query": "query($p: GroupPolicy) { __typename }", "variables": {"p": "SOMETIMES"}}',
  `{"query": "${'{ a: __typename '.repeat(200)}${'}'.repeat(200)}"}`,
  `{"query": "{ ${'resourceProviders { edges { node { children { '.repeat(15)} uuid ${'} } } }'.repeat(15)} }"}`,
  '\u0000\u0001\u0002',
  '{"query": "{ resourceClasses { name } }", "operationName": {"x": 1}}',
];

const LEAK = /SELECT |INSERT INTO|UPDATE \w+ SET|DELETE FROM|sqlite|prisma|postgres|\.ts\b|\.js\b|\/work\/|node_modules|\n\s+at |at \w+ \(/i;

describe('hostile input', () => {
  it('answers over 2000 bad requests with coded errors, leaking nothing and changing nothing', async () => {
    const before = await snapshotDb(h);
    const tally: Record<string, number> = {};
    let sent = 0;
    let acceptedReads = 0;
    let isRead = false;
    const check = async (category: string, res: Response) => {
      sent++;
      tally[category] = (tally[category] ?? 0) + 1;
      expect(res.status, category).toBeLessThan(500);
      const text = await res.text();
      const parsed = JSON.parse(text);
      // A batch answers with one result per operation; each must be a coded error.
      for (const body of Array.isArray(parsed) ? parsed : [parsed]) {
        // A read may legitimately accept a value that is bad elsewhere (an empty group suffix is the
        // unsuffixed group); reads change nothing, and are counted apart.
        if (!body.errors && body.data && isRead) {
          acceptedReads += 1;
          continue;
        }
        expect(Array.isArray(body.errors) && body.errors.length > 0, `${category}: ${text.slice(0, 300)}`).toBe(true);
        for (const e of body.errors) {
          expect(Object.keys(errorCodes), `${category}: ${text.slice(0, 300)}`).toContain(e.extensions?.code);
          expect(e.message.slice(0, 2000)).not.toMatch(LEAK);
        }
      }
    };
    for (const template of stringSlots) {
      isRead = template.startsWith('query');
      for (const [name, value] of badStrings) await check(`string:${name}`, await send(JSON.stringify({ query: template, variables: { v: value } })));
      for (const [name, value] of badInts) if (typeof value !== 'string') await check(`string-slot-wrong-type:${name}`, await send(JSON.stringify({ query: template, variables: { v: value } })));
    }
    for (const template of intSlots) {
      isRead = template.startsWith('query');
      for (const [name, value] of badInts) await check(`int:${name}`, await send(JSON.stringify({ query: template, variables: { v: value } })));
      for (const [name, value] of badStrings.slice(0, 6)) await check(`int-slot-string:${name}`, await send(JSON.stringify({ query: template, variables: { v: value } })));
    }
    // Literals straight in the document (no variables), including unknown enum values.
    for (const template of [...stringSlots, ...intSlots]) {
      isRead = template.startsWith('query');
      for (const literal of ['"\\u0000"', '-99999999999', '1e400', 'NaN', 'SOMETIMES', '{a: 1}', '[1, 2]', 'null']) {
        const query = template.replace(/^(mutation|query)\(\$v: [A-Za-z]+!\) /, '$1 ').replace('$v', literal);
        await check('literal', await send(JSON.stringify({ query })));
      }
    }
    // Candidate requests with groups out of shape.
    for (const groups of ['[]', '[{suffix: "a b"}]', '[{resources: []}]', '[{resources: [{resourceClass: "VCPU", amount: 1}], memberOf: [[]]}]', '[{resources: [{resourceClass: "VCPU", amount: 1}], anyOfTraits: [[]]}]']) {
      for (const extra of ['', ', groupPolicy: ISOLATE', ', sameSubtree: [["nope"]]', ', limit: -5', ', rootRequiredTraits: ["x"]']) {
        await check('candidates-shape', await send(JSON.stringify({ query: `{ allocationCandidates(request: {groups: ${groups}${extra}}) { allocationRequests { mappings { suffix } } } }` })));
      }
    }
    for (let i = 0; i < 10; i++) for (const body of rawBodies) await check('raw', await send(body));
    expect(sent).toBeGreaterThanOrEqual(2000);
    console.log(JSON.stringify({ hostileRequests: sent, acceptedReads, byCategory: tally }));
    expect(acceptedReads).toBeLessThan(sent / 10);
    expect(await snapshotDb(h)).toEqual(before);
  }, 300_000);
});

describe('query limits', () => {
  const limited = () => createApp(h.db, configFromEnv({ LIMIT_DEPTH: '5', LIMIT_ALIASES: '3', LIMIT_TOKENS: '200', LIMIT_DIRECTIVES: '2', LIMIT_COST: '50', LIMIT_BATCH: '2', LIMIT_BODY_BYTES: '4000', INTROSPECTION: 'off' }));
  const post = async (a: ReturnType<typeof createApp>, body: unknown) => {
    const res = await a.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const codeOf = (b: any) => (Array.isArray(b) ? b.map((x) => x.errors?.[0]?.extensions?.code) : b.errors?.[0]?.extensions?.code);

  it.each([
    ['depth', `{ resourceProviders { edges { node { children { children { children { uuid } } } } } } }`, /depth/i],
    ['aliases', `{ a: __typename b: __typename c: __typename d: __typename }`, /alias/i],
    ['tokens', `{ ${'resourceClasses { name } '.repeat(80)} }`, /token/i],
    ['directives', `{ resourceClasses @skip(if: false) @include(if: true) @skip(if: false) { name } }`, /directive/i],
    ['cost', `{ resourceProviders { edges { node { uuid name generation children { uuid name generation } inventories { total used capacity } } } } }`, /cost/i],
  ])('refuses a query over the %s limit with LIMIT_EXCEEDED naming it', async (_, query, names) => {
    const { body } = await post(limited(), { query });
    expect(codeOf(body), JSON.stringify(body)).toBe('LIMIT_EXCEEDED');
    expect(body.errors[0].message).toMatch(names);
  });

  it('caps batches and body size, and can turn introspection off', async () => {
    const a = limited();
    const batch = await post(a, [{ query: '{ __typename }' }, { query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(batch.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(batch.body)).toMatch(/batch/i);
    const big = await post(a, { query: `{ resourceClasses { name } }`, variables: { pad: 'x'.repeat(5000) } });
    expect(big.status).toBe(413);
    expect(codeOf(big.body)).toBe('LIMIT_EXCEEDED');
    expect(codeOf((await post(a, { query: '{ __schema { types { name } } }' })).body)).toBe('GRAPHQL_VALIDATION_FAILED');
    // With the defaults, introspection is on: schema tooling depends on it.
    expect((await post(app, { query: '{ __schema { queryType { name } } }' })).body.data.__schema.queryType.name).toBe('Query');
  });

  it('enforces the page size limit', async () => {
    const { body } = await post(app, { query: `{ resourceProviders(first: 5000) { totalCount } }` });
    expect(['LIMIT_EXCEEDED', 'BAD_VALUE']).toContain(codeOf(body));
  });
});

describe('operations', () => {
  it('sets a request id (keeping a sane incoming one) and no-store on every answer', async () => {
    const res = await send(JSON.stringify({ query: '{ __typename }' }), { 'x-request-id': 'abc-123' });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const other = await send(JSON.stringify({ query: '{ __typename }' }), { 'x-request-id': 'bad id with spaces' });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs each request as one JSON line carrying its request id', async () => {
    const logged = createApp(h.db, configFromEnv({}), { logRequests: true });
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      await logged.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-42' }, body: JSON.stringify({ query: '{ __typename }' }) });
    } finally {
      spy.mockRestore();
    }
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ level: 'info', msg: 'request', requestId: 'req-42', status: 200 }));
  });

  it('answers liveness and readiness', async () => {
    expect((await app.fetch('http://test/healthz')).status).toBe(200);
    expect((await app.fetch('http://test/readyz')).status).toBe(200);
  });

  it('allows configured CORS origins only', async () => {
    const cors = createApp(h.db, configFromEnv({ CORS_ORIGINS: 'https://dash.example' }));
    const pre = async (origin: string) =>
      (await cors.fetch('http://test/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } })).headers.get('access-control-allow-origin');
    expect(await pre('https://dash.example')).toBe('https://dash.example');
    expect(await pre('https://evil.example')).not.toBe('https://evil.example');
    const off = await app.fetch('http://test/graphql', { method: 'OPTIONS', headers: { origin: 'https://dash.example', 'access-control-request-method': 'POST' } });
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses writes while draining, still answering reads', async () => {
    let draining = false;
    const d = createApp(h.db, configFromEnv({}), { draining: () => draining });
    draining = true;
    const w = await d.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `mutation { ensureTrait(input: {name: "CUSTOM_DRAIN"}) { created } }` }) });
    expect(((await w.json()) as any).errors[0].extensions.code).toBe('UNAVAILABLE');
    const r = await d.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ __typename }` }) });
    expect(((await r.json()) as any).data.__typename).toBe('Query');
  });
});
