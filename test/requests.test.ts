// The HTTP edge (issue 11, items 7 and 8): every malformed request is a coded error, never
// INTERNAL_SERVER_ERROR. The body limit counts the bytes read (a chunked body, a lying
// Content-Length), the batch limit is LIMIT_EXCEEDED, an empty batch and a subscription not asked for as
// a stream are refused, nesting thousands deep is refused by the depth limit before anything recurses, and a
// malformed global id is BAD_VALUE. GET and non-JSON requests carry the CSRF header.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { type Harness, setup, snapshotDb, u } from './helpers.ts';

let h: Harness;
let app: ReturnType<typeof createApp>;
const LIMIT = 4000;
beforeAll(async () => {
  h = await setup();
  app = createApp(h.db, configFromEnv({ LIMIT_BODY_BYTES: String(LIMIT), LIMIT_BATCH: '2' }));
});
afterAll(() => h.close());

const CSRF = { 'x-graphql-yoga-csrf': '1' };
const json = { 'content-type': 'application/json' };
async function answer(res: Response) {
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}
const post = async (a: ReturnType<typeof createApp>, body: BodyInit, headers: Record<string, string> = json, extra: RequestInit = {}) =>
  answer(await a.fetch('http://test/graphql', { method: 'POST', headers, body, ...extra }));
const get = async (a: ReturnType<typeof createApp>, params: string) => answer(await a.fetch(`http://test/graphql?${params}`, { headers: CSRF }));
const codes = (body: any): string[] => (Array.isArray(body) ? body.flatMap(codes) : (body.errors ?? []).map((e: any) => e.extensions?.code));

/** A body of exactly `bytes` bytes that would create provider `name` if run. */
function creating(name: string, bytes: number): string {
  const shell = (pad: string) => JSON.stringify({ query: `mutation($n: String!) { createResourceProvider(input: {name: $n}) { resourceProvider { uuid } } }`, variables: { n: name, pad } });
  const body = shell('x'.repeat(bytes - shell('').length));
  expect(Buffer.byteLength(body)).toBe(bytes);
  return body;
}
const exists = async (name: string) => (await h.ok(`query($n: String!) { resourceProviders(filter: {name: $n}) { totalCount } }`, { n: name })).resourceProviders.totalCount === 1;
/** Sends the body in 1000-byte chunks, with no Content-Length. */
const chunked = (body: string) => {
  const bytes = new TextEncoder().encode(body);
  return new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += 1000) c.enqueue(bytes.slice(i, i + 1000));
      c.close();
    },
  });
};

describe('the body limit, on the bytes read', () => {
  it('runs a body of exactly the limit and refuses one byte more, sent whole or chunked', async () => {
    expect(codes((await post(app, creating('whole-at-limit', LIMIT))).body)).toEqual([]);
    expect(await exists('whole-at-limit')).toBe(true);
    expect(codes((await post(app, chunked(creating('chunked-at-limit', LIMIT)), json, { duplex: 'half' } as RequestInit)).body)).toEqual([]);
    expect(await exists('chunked-at-limit')).toBe(true);

    const before = await snapshotDb(h);
    for (const [name, body, extra] of [
      ['whole-over', creating('whole-over', LIMIT + 1), {}],
      ['chunked-over', chunked(creating('chunked-over', LIMIT + 1)), { duplex: 'half' }],
    ] as const) {
      const res = await post(app, body, json, extra as RequestInit);
      expect(res.status, name).toBe(413);
      expect(codes(res.body), name).toEqual(['LIMIT_EXCEEDED']);
      expect(res.body.errors[0].message).toBe(`Request body larger than the limit of ${LIMIT} bytes.`);
    }
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('refuses, without running it, a 10 MB chunked body under the default limit', async () => {
    const defaults = createApp(h.db, configFromEnv({}));
    const res = await post(defaults, chunked(creating('ten-megabytes', 10 * 1024 * 1024)), json, { duplex: 'half' } as RequestInit);
    expect([res.status, codes(res.body)]).toEqual([413, ['LIMIT_EXCEEDED']]);
    expect(res.body.errors[0].message).toMatch(/limit of 1000000 bytes/);
    expect(await exists('ten-megabytes')).toBe(false);
  });

  it('counts the bytes, not a Content-Length that understates them', async () => {
    const res = await post(app, creating('lying-length', 20_000), { ...json, 'content-length': '100' });
    expect([res.status, codes(res.body)]).toEqual([413, ['LIMIT_EXCEEDED']]);
    expect(await exists('lying-length')).toBe(false);
  });

  it('refuses multipart bodies unread: there are no uploads', async () => {
    const res = await post(
      app,
      chunked(`--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${'x'.repeat(10_000)}\r\n--x--\r\n`),
      {
        'content-type': 'multipart/form-data; boundary=x',
        ...CSRF,
      },
      { duplex: 'half' } as RequestInit,
    );
    expect([res.status, codes(res.body)]).toEqual([415, ['BAD_REQUEST']]);
  });
});

describe('batches', () => {
  const op = { query: '{ __typename }' };
  it('runs a batch at the limit and refuses a larger one with LIMIT_EXCEEDED', async () => {
    expect((await post(app, JSON.stringify([op, op]))).body).toEqual([{ data: { __typename: 'Query' } }, { data: { __typename: 'Query' } }]);
    const over = await post(app, JSON.stringify([op, op, op]));
    expect([over.status, codes(over.body)]).toEqual([413, ['LIMIT_EXCEEDED']]);
    expect(over.body.errors[0].message).toMatch(/batch limit of 2/);
  });

  it('refuses an empty batch', async () => {
    const res = await post(app, '[]');
    expect([res.status, codes(res.body)]).toEqual([400, ['BAD_REQUEST']]);
    expect(res.body.errors[0].message).toMatch(/empty batch/);
  });
});

describe('malformed requests', () => {
  it('refuses malformed JSON in GET and form parameters with BAD_REQUEST', async () => {
    for (const params of ['query=%7B__typename%7D&variables=%7B', 'query=%7B__typename%7D&variables=%5B1', 'query=%7B__typename%7D&extensions=nope']) {
      const res = await get(app, params);
      expect([res.status, codes(res.body)], params).toEqual([400, ['BAD_REQUEST']]);
    }
    const form = await post(app, 'query=%7B__typename%7D&variables=%7B', { 'content-type': 'application/x-www-form-urlencoded', ...CSRF });
    expect([form.status, codes(form.body)]).toEqual([400, ['BAD_REQUEST']]);
  });

  it('refuses a subscription asked for as JSON (it streams only as server-sent events), and one the schema does not have', async () => {
    const streamed = await post(app, JSON.stringify({ query: 'subscription { changes { kind } }' }));
    expect([streamed.status, codes(streamed.body)], streamed.text).toEqual([406, ['BAD_REQUEST']]);
    expect(streamed.body.errors[0].message).toMatch(/text\/event-stream/);
    for (const [query, operationName] of [['subscription { resourceClasses { name } }'], ['query A { __typename } subscription B { x }', 'A']]) {
      const res = await post(app, JSON.stringify({ query, operationName }));
      expect(codes(res.body), res.text).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
  });

  it('gives an answer it cannot serve, or a body it cannot read, a coded error', async () => {
    const html = await post(app, JSON.stringify({ query: '{ __typename }' }), { ...json, accept: 'text/html' });
    expect([html.status, codes(html.body)]).toEqual([406, ['BAD_REQUEST']]);
    for (const type of ['text/plain', 'application/xml', 'image/png']) {
      const res = await post(app, JSON.stringify({ query: '{ __typename }' }), { 'content-type': type, ...CSRF });
      expect([res.status, codes(res.body)], type).toEqual([415, ['BAD_REQUEST']]);
    }
  });
});

describe('nesting and global ids', () => {
  it('refuses selections and values nested thousands deep with the depth limit, before recursing', async () => {
    // A large token limit, so only the depth guard stands between the parser and the stack.
    const roomy = createApp(h.db, configFromEnv({ LIMIT_TOKENS: '10000000', LIMIT_BODY_BYTES: '10000000' }));
    const errors = vi.spyOn(console, 'log');
    try {
      for (const query of [
        `{ ${'resourceProviders { edges { node { children { '.repeat(750)} uuid ${'} } } }'.repeat(750)} }`,
        `{ ${'a { '.repeat(100_000)}b${' }'.repeat(100_000)} }`,
        `{ traits(filter: {names: ${'['.repeat(100_000)}"A"${']'.repeat(100_000)}}) { totalCount } }`,
        `query($v: ${'['.repeat(50_000)}String${']'.repeat(50_000)}) { __typename }`,
      ]) {
        const res = await post(roomy, JSON.stringify({ query }));
        expect(codes(res.body), res.text.slice(0, 300)).toEqual(['LIMIT_EXCEEDED']);
        expect(res.body.errors[0].message).toMatch(/depth limit of 12/);
      }
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it('still answers the deepest queries and inputs the limits allow', async () => {
    // Depth 12 with inline fragments, and the most deeply nested input of the schema.
    const deep = `{ resourceProviders { edges { node { ... on ResourceProvider { ${'children { '.repeat(8)} uuid ${'} '.repeat(8)} } } } } }`;
    expect((await h.gql(deep)).errors).toBeUndefined();
    expect(codes(await h.gql(deep.replace('uuid', 'children { uuid }')))).toEqual(['LIMIT_EXCEEDED']);
    const reshape = `mutation { reshape(input: {inventories: [], allocations: [{consumerUuid: "${u(9)}", consumerGeneration: null, projectId: "p", userId: "u",
      consumerType: "INSTANCE", allocations: [{providerUuid: "${u(8)}", resources: [{resourceClass: "VCPU", amount: 1}]}]}]}) { consumers { uuid } } }`;
    expect(codes(await h.gql(reshape))).toEqual(['NOT_FOUND']);
  });

  it('refuses any malformed global id with BAD_VALUE', async () => {
    const big = createApp(h.db, configFromEnv({ LIMIT_BODY_BYTES: String(12 * 1024 * 1024) }));
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    for (const id of [
      '',
      'abc',
      '!!!!',
      b64('Nothing:1'),
      b64('ResourceProvider'),
      b64('ResourceProvider:'),
      b64('Consumer:\u0000'),
      b64('ResourceProvider:not-a-uuid'),
      'QQ'.repeat(500_000),
      'x'.repeat(10 * 1024 * 1024),
    ]) {
      const res = await post(big, JSON.stringify({ query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id } }));
      expect(codes(res.body), id.slice(0, 40)).toEqual(['BAD_VALUE']);
      expect(res.body.errors[0].message.length).toBeLessThan(200);
    }
    const many = await post(big, JSON.stringify({ query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids: ['x'.repeat(5_000_000)] } }));
    expect(codes(many.body)).toEqual(['BAD_VALUE']);
  });
});
