// Polling (src/graphql/etag.ts): a GET query answer carries an ETag built from the change log's
// position, and a repeat naming it is answered 304 until anything is written, through this app or
// another replica; identities never share a tag; POSTs, mutations and errors stay no-store; hostile
// If-None-Match values are harmless. Query.changeToken is that position, and a subscription's cursor.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { logPosition, readEvents } from '../src/db/changeLog.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { u } from './helpers.ts';

const TOKENS = { admin: 'admin-token-0123456789', service: 'service-token-0123456789', reader: 'reader-token-0123456789', p1: 'p1-token-0123456789', p2: 'p2-token-0123456789' };
type Who = keyof typeof TOKENS | 'anonymous';

let td: TestDatabase;
let other: Database;
let dir: string;
let app: App;
let replica: App;

beforeAll(async () => {
  td = await openTestDatabase();
  other = await openDatabase(td.url); // another replica (PostgreSQL) or process (SQLite)
  dir = mkdtempSync(path.join(tmpdir(), 'placement-etag-'));
  const file = path.join(dir, 'tokens.json');
  const tokens = Object.entries(TOKENS).map(([who, token]) => (who === 'p1' || who === 'p2' ? { token, subject: who, role: 'project-reader', project: who } : { token, subject: who, role: who }));
  writeFileSync(file, JSON.stringify({ tokens }));
  const env = { AUTH: 'token-file', AUTH_TOKEN_FILE: file };
  app = createApp(td.db, configFromEnv(env));
  replica = createApp(other, configFromEnv(env));
  await write(app, `mutation { createResourceProvider(input: {name: "host", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
});
afterAll(async () => {
  await other.close();
  await td.drop();
  rmSync(dir, { recursive: true, force: true });
});

const auth = (who: Who): Record<string, string> => (who === 'anonymous' ? {} : { authorization: `Bearer ${TOKENS[who]}` });

/** A GET of `query` (with the CSRF header a GET needs). */
function get(who: Who, query: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>, on: App = app) {
  const params = new URLSearchParams({ query, ...(variables ? { variables: JSON.stringify(variables) } : {}) });
  return on.fetch(`http://test/graphql?${params}`, { headers: { 'x-graphql-yoga-csrf': '1', ...auth(who), ...headers } });
}

function post(who: Who, query: string, headers: Record<string, string> = {}, on: App = app) {
  return on.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...auth(who), ...headers }, body: JSON.stringify({ query }) });
}

let traits = 0;
async function write(on: App = app, query = `mutation { ensureTrait(input: {name: "CUSTOM_T${++traits}"}) { created } }`) {
  const body = (await (await post('service', query, {}, on)).json()) as any;
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
}

const DASHBOARD = '{ changeToken resourceProviders { totalCount edges { node { uuid name generation } } } }';

/** A 200 answer's tag, checking the headers that go with it. */
async function tagged(res: Response): Promise<string> {
  expect(res.status).toBe(200);
  const body = (await res.json()) as any;
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  expect(res.headers.get('cache-control')).toBe('private, no-cache');
  expect(res.headers.get('vary')).toMatch(/authorization/);
  const tag = res.headers.get('etag');
  expect(tag).toMatch(/^W\/"\d+-[A-Za-z0-9_-]+"$/);
  return tag!;
}

async function notModified(res: Response, tag: string) {
  expect(res.status).toBe(304);
  expect(await res.text()).toBe('');
  expect(res.headers.get('etag')).toBe(tag);
  expect(res.headers.get('cache-control')).toBe('private, no-cache');
  expect(res.headers.get('x-request-id')).toBeTruthy();
}

const codes = async (res: Response) => (((await res.json()) as any).errors ?? []).map((e: any) => e.extensions?.code);

describe('conditional GET', () => {
  it('answers 304 to an unchanged repeat, without a body', async () => {
    const tag = await tagged(await get('reader', DASHBOARD));
    const statements = td.db.stats.statements;
    await notModified(await get('reader', DASHBOARD, { 'if-none-match': tag }), tag);
    // Nothing executed: the one statement read the log's position.
    expect(td.db.stats.statements - statements).toBe(1);
    // The same tag for the same question while nothing changed.
    expect(await tagged(await get('reader', DASHBOARD))).toBe(tag);
  });

  it('answers in full with a new tag after a write through the API', async () => {
    const tag = await tagged(await get('reader', DASHBOARD));
    await write();
    const res = await get('reader', DASHBOARD, { 'if-none-match': tag });
    const fresh = await tagged(res);
    expect(fresh).not.toBe(tag);
    await notModified(await get('reader', DASHBOARD, { 'if-none-match': fresh }), fresh);
  });

  it('answers in full after a write through another replica', async () => {
    const tag = await tagged(await get('reader', DASHBOARD));
    await write(replica, `mutation { createResourceProvider(input: {name: "elsewhere", uuid: "${u(2)}"}) { resourceProvider { uuid } } }`);
    const res = await get('reader', DASHBOARD, { 'if-none-match': tag });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.data.resourceProviders.edges.map((e: any) => e.node.name)).toContain('elsewhere');
    expect(res.headers.get('etag')).not.toBe(tag);
  });

  it('tags per question: other variables or another query never validate', async () => {
    const q = 'query ($uuid: String!) { resourceProvider(uuid: $uuid) { name } }';
    const one = await tagged(await get('reader', q, {}, { uuid: u(1) }));
    const two = await tagged(await get('reader', q, {}, { uuid: u(2) }));
    expect(one).not.toBe(two);
    expect((await get('reader', q, { 'if-none-match': one }, { uuid: u(2) })).status).toBe(200);
    await notModified(await get('reader', q, { 'if-none-match': one }, { uuid: u(1) }), one);
  });

  it("never lets one identity revalidate with another identity's tag", async () => {
    const q = '{ changeToken }';
    const tags = new Map<Who, string>();
    for (const who of ['admin', 'service', 'reader', 'p1', 'p2'] as const) tags.set(who, await tagged(await get(who, q)));
    expect(new Set(tags.values()).size).toBe(5);
    for (const [who, tag] of tags) {
      for (const [owner, theirs] of tags) {
        const res = await get(who, q, { 'if-none-match': theirs });
        expect(res.status, `${who} with ${owner}'s tag`).toBe(owner === who ? 304 : 200);
      }
      // Anonymous callers are refused, whatever tag they send.
      const anon = await get('anonymous', q, { 'if-none-match': tag });
      expect(anon.status).not.toBe(304);
      expect(await codes(anon)).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('a refused or failed GET is no-store, untagged, and never a 304', async () => {
    for (const [who, q] of [
      ['p1', DASHBOARD],
      ['anonymous', '{ changeToken }'],
      ['reader', '{ resourceProviders(first: 5000) { totalCount } }'],
    ] as const) {
      const res = await get(who, q, { 'if-none-match': '*' });
      expect(res.status).not.toBe(304);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('etag')).toBeNull();
      expect((await codes(res)).length).toBeGreaterThan(0);
    }
  });

  it('tags JSON answers only, not an event stream', async () => {
    const res = await get('reader', '{ changeToken }', { accept: 'text/event-stream', 'if-none-match': '*' });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    await res.text();
  });

  it('a GET without the CSRF header is still refused', async () => {
    const res = await app.fetch(`http://test/graphql?query=${encodeURIComponent('{ changeToken }')}`, { headers: { ...auth('reader'), 'if-none-match': '*' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('a GET mutation is refused, no-store', async () => {
    const res = await get('service', 'mutation { ensureTrait(input: {name: "CUSTOM_BY_GET"}) { created } }', { 'if-none-match': '*' });
    expect(res.status).toBe(405);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('POST', () => {
  it('keeps no-store and no tag, for queries and mutations, whatever If-None-Match says', async () => {
    const tag = await tagged(await get('reader', DASHBOARD));
    for (const [who, q] of [
      ['reader', DASHBOARD],
      ['service', `mutation { ensureTrait(input: {name: "CUSTOM_POST"}) { created } }`],
    ] as const) {
      for (const condition of [tag, '*']) {
        const res = await post(who, q, { 'if-none-match': condition });
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('etag')).toBeNull();
        expect(await codes(res)).toEqual([]);
      }
    }
  });
});

describe('hostile If-None-Match', () => {
  it('never errs; lists, weak and strong forms and * follow RFC 9110', async () => {
    const tag = await tagged(await get('reader', DASHBOARD));
    const opaque = tag.slice(2);
    const cases: [string, number][] = [
      ['x'.repeat(1_000_000), 200],
      [`${tag}, `.repeat(2000), 200], // over the parsed length: as if absent
      ['"', 200],
      ['W/', 200],
      ['garbage, W/"b", "a"', 200],
      ['"\u0000\u00ff\uffff"', 200],
      [`"a", W/"b", ${tag}`, 304],
      [`"a",${opaque}`, 304], // the strong form of a weak tag matches weakly
      [`W/${opaque}`, 304],
      ['*', 304],
      [' * ', 304],
      ['*, "a"', 200], // not a valid value: no match
    ];
    for (const [value, status] of cases) {
      const res = await get('reader', DASHBOARD, { 'if-none-match': value });
      expect(res.status, value.slice(0, 40)).toBe(status);
      if (status === 200) expect(await codes(res)).toEqual([]);
    }
  });
});

describe('changeToken', () => {
  it('is the latest committed change-log sequence, grows with writes, and is a subscription cursor', async () => {
    const read = async (on: App = app) => ((await (await post('reader', '{ changeToken }', {}, on)).json()) as any).data.changeToken as string;
    const before = await read();
    expect(before).toMatch(/^\d+$/);
    expect(BigInt(before)).toBe(await logPosition(td.db.reader));
    await write();
    const after = await read();
    expect(BigInt(after)).toBeGreaterThan(BigInt(before));
    // Exactly the one write lies after `before`, and it is `after`: what a subscription from `before` delivers next.
    const page = await readEvents(td.db.reader, BigInt(before), 10);
    expect(page.transactions.map((t) => t.seq)).toEqual([BigInt(after)]);
    // Every replica names the same position.
    expect(await read(replica)).toBe(after);
  });

  it('in a GET answer is the position its tag was built from', async () => {
    const res = await get('reader', DASHBOARD);
    const body = (await res.json()) as any;
    expect(res.headers.get('etag')).toMatch(new RegExp(`^W/"${body.data.changeToken}-`));
  });

  it('is readable by every signed-in role', async () => {
    for (const who of ['admin', 'service', 'reader', 'p1'] as const) expect(await codes(await post(who, '{ changeToken }'))).toEqual([]);
  });
});
