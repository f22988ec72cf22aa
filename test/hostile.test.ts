// Hostile input (SECURITY.md), then the query limits and the operational endpoints and headers.
// The inputs are derived from the schema (test/hostile/): every position of every argument of
// every field of Query and Mutation, spoiled with each bad value of its type, the other positions
// valid; then raw bodies, content types, query strings, methods and headers. On both databases,
// each answer is data (reads only) or errors with a code of the ErrorCode enum, never
// INTERNAL_SERVER_ERROR nor a 5xx, leaking no SQL, stack or path; a refused write leaves every
// table as it was (checked after each); and the server prints nothing: no "unexpected error".
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { errorCodes } from '../src/domain/errors.ts';
import { schema } from '../src/graphql/schema.ts';
import { type Harness, setup, snapshotDb } from './helpers.ts';
import { baselines, seed } from './hostile/baselines.ts';
import { everyInputPosition, hostileRequests } from './hostile/generate.ts';
import { rawRequests } from './hostile/raw.ts';

let h: Harness;
let app: ReturnType<typeof createApp>;
const send = (body: string, headers: Record<string, string> = {}) => app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

beforeAll(async () => {
  h = await setup();
  // A body limit above the 10 MB values, so that they reach the checks behind it.
  app = createApp(h.db, configFromEnv({ LIMIT_BODY_BYTES: String(12 * 1024 * 1024) }));
  await seed(h);
});
afterAll(() => h.close());

const CODES = new Set(Object.keys(errorCodes));
const LEAK = /SELECT |INSERT INTO|UPDATE \w+ SET|DELETE FROM|sqlite|prisma|postgres|\.ts\b|\.js\b|\/work\/|node_modules|\n\s+at |at \w+ \(/i;
const digest = async () => JSON.stringify(await snapshotDb(h));

/** The GraphQL results in an answer: one, a batch, or the parts of an event stream or multipart answer. */
function resultsOf(res: Response, text: string): unknown[] {
  const type = res.headers.get('content-type') ?? '';
  if (type.startsWith('text/event-stream')) return [...text.matchAll(/^data: (\{.*\})$/gm)].map((m) => JSON.parse(m[1]));
  if (type.startsWith('multipart/mixed')) return [...text.matchAll(/^(\{.*\})\r?$/gm)].map((m) => JSON.parse(m[1]));
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** What is wrong with an answer, or null: a 5xx, an uncoded or unexpected error, a leak, or an accepted write. */
function problemWith(res: Response, text: string, mayAccept: boolean): string | null {
  if (res.status >= 500) return `status ${res.status}`;
  let results: unknown[];
  try {
    results = resultsOf(res, text);
  } catch {
    return `not a GraphQL answer (${res.status} ${res.headers.get('content-type')})`;
  }
  if (!results.length) return 'no result';
  for (const r of results as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] }[]) {
    if (!r.errors?.length) {
      if (mayAccept && r.data) continue;
      return 'accepted';
    }
    for (const e of r.errors) {
      const code = e.extensions?.code;
      if (!code || !CODES.has(code)) return `code ${code}`;
      if (code === 'INTERNAL_SERVER_ERROR') return 'INTERNAL_SERVER_ERROR';
      if (LEAK.test(e.message.slice(0, 2000))) return `leak: ${e.message.slice(0, 200)}`;
    }
  }
  return null;
}

/** Captures console output (into `printed`) until the returned function is called. */
const printed: string[] = [];
function capturingConsole() {
  printed.length = 0;
  const spies = (['log', 'error', 'warn', 'info', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void printed.push(a.map(String).join(' '))));
  return () => {
    for (const s of spies) s.mockRestore();
  };
}

describe('hostile input', () => {
  const generated = hostileRequests(schema, baselines);

  it('gives a bad value to every argument and input field of the schema', () => {
    const missing = [...everyInputPosition(schema)].filter((p) => !generated.covered.has(p));
    expect(missing).toEqual([]);
    expect(generated.requests.length).toBeGreaterThanOrEqual(5000);
  });

  it('answers every generated input with data (reads) or coded errors, refusing every write and changing nothing', async () => {
    const before = await digest();
    const failures: string[] = [];
    const tally = { sent: 0, readsAnswered: 0, refused: 0 };
    const restore = capturingConsole();
    try {
      for (const r of generated.requests) {
        const res = await send(r.body);
        const text = await res.text();
        const isRead = r.field.startsWith('Query.');
        tally.sent++;
        const problem = problemWith(res, text, isRead);
        if (problem) failures.push(`${r.label}: ${problem}: ${text.slice(0, 200)}`);
        else if (!text.includes('"errors"')) tally.readsAnswered++;
        else tally.refused++;
        if (!isRead && (await digest()) !== before) {
          failures.push(`${r.label}: the database changed`);
          break;
        }
      }
    } finally {
      restore();
    }
    console.log(JSON.stringify({ hostileInputs: tally }));
    expect(failures.slice(0, 30)).toEqual([]);
    expect(printed).toEqual([]);
    expect(await digest()).toBe(before);
  }, 240_000);

  it('answers hostile bodies, content types, query strings, methods and headers with coded errors, changing nothing', async () => {
    const before = await digest();
    const failures: string[] = [];
    const restore = capturingConsole();
    let sent = 0;
    try {
      for (const r of rawRequests()) {
        let res: Response;
        try {
          res = await app.fetch(`http://test${r.target}`, r.init);
        } catch (err) {
          failures.push(`${r.label}: threw ${String(err)}`);
          continue;
        }
        sent++;
        const text = await res.text();
        // GraphiQL answers a browser's GET; liveness and readiness answer as they do.
        if (r.init.method === 'GET' && res.headers.get('content-type')?.startsWith('text/html') && res.status === 200) continue;
        const problem = problemWith(res, text, true);
        if (problem) failures.push(`${r.label}: ${problem}: ${res.status} ${text.slice(0, 200)}`);
        if ((await digest()) !== before) {
          failures.push(`${r.label}: the database changed`);
          break;
        }
      }
    } finally {
      restore();
    }
    console.log(JSON.stringify({ hostileRawRequests: sent }));
    expect(failures).toEqual([]);
    expect(printed).toEqual([]);
    expect(await digest()).toBe(before);
  }, 120_000);
});

describe('query limits', () => {
  const limited = () =>
    createApp(
      h.db,
      configFromEnv({ LIMIT_DEPTH: '5', LIMIT_ALIASES: '3', LIMIT_TOKENS: '200', LIMIT_DIRECTIVES: '2', LIMIT_COST: '50', LIMIT_BATCH: '2', LIMIT_BODY_BYTES: '4000', INTROSPECTION: 'off' }),
    );
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
    const w = await d.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation { ensureTrait(input: {name: "CUSTOM_DRAIN"}) { created } }` }),
    });
    expect(((await w.json()) as any).errors[0].extensions.code).toBe('UNAVAILABLE');
    const r = await d.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ __typename }` }) });
    expect(((await r.json()) as any).data.__typename).toBe('Query');
  });
});
