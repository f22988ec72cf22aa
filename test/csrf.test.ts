// Cross-site writes (SECURITY.md): requests a browser sends without a CORS preflight (urlencoded and
// multipart forms, text/plain, GET) are refused unless they carry the x-graphql-yoga-csrf header,
// and write nothing; JSON POSTs, and urlencoded or GET requests carrying the header, work as before
// (multipart is never parsed: there are no uploads).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppOn, appOn, type Harness, setup, snapshotDb } from './helpers.ts';

let h: Harness;
let on: AppOn;
beforeAll(async () => {
  h = await setup(); // AUTH=none: everyone is an admin, as on a developer's machine
  on = appOn(h.db);
});
afterAll(() => h.close());

const EVIL = { origin: 'http://evil.example' };
const ensure = (name: string) => `mutation { ensureTrait(input: {name: "${name}"}) { created } }`;
const urlencoded = (query: string, headers: Record<string, string> = {}) =>
  on.app.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ query }).toString(),
  });
const multipart = (query: string, headers: Record<string, string> = {}) => {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query }));
  form.set('map', '{}');
  return on.app.fetch('http://test/graphql', { method: 'POST', headers, body: form });
};
const textPlain = (query: string, headers: Record<string, string> = {}) =>
  on.app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: JSON.stringify({ query }) });

describe('requests a browser sends without a preflight', () => {
  it.each([
    ['urlencoded', urlencoded],
    ['multipart', multipart],
    ['text/plain', textPlain],
  ] as const)('a %s mutation from another origin is refused as BAD_REQUEST and writes nothing', async (_, send) => {
    const before = await snapshotDb(h);
    const res = await send(ensure('CUSTOM_FROM_EVIL'), EVIL);
    expect(res.status).toBe(403);
    const body = (await res.json()) as any;
    expect(body.data).toBeUndefined();
    expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_REQUEST']);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('a GET query without the header is refused', async () => {
    const res = await on.app.fetch(`http://test/graphql?query=${encodeURIComponent('{ resourceClasses { name } }')}`, { headers: EVIL });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});

describe('requests that still work', () => {
  it('an urlencoded mutation carrying the header', async () => {
    const a = (await (await urlencoded(ensure('CUSTOM_FORM_A'), { 'x-graphql-yoga-csrf': '1' })).json()) as any;
    expect(a).toEqual({ data: { ensureTrait: { created: true } } });
  });

  it('multipart is not a way in even with the header: the schema takes no uploads, so it is not parsed', async () => {
    const before = await snapshotDb(h);
    const res = await multipart(ensure('CUSTOM_FORM_B'), { 'x-graphql-yoga-csrf': '1' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(((await res.json()) as any).errors.map((e: any) => e.extensions.code)).toEqual(['BAD_REQUEST']);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('a GET query carrying the header', async () => {
    const res = await on.app.fetch(`http://test/graphql?query=${encodeURIComponent('{ resourceClass(name: "VCPU") { name } }')}`, {
      headers: { 'x-graphql-yoga-csrf': '1' },
    });
    expect(await res.json()).toEqual({ data: { resourceClass: { name: 'VCPU' } } });
  });

  it('a JSON POST, without the header', async () => {
    const res = await on.app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ensure('CUSTOM_JSON') }) });
    expect(await res.json()).toEqual({ data: { ensureTrait: { created: true } } });
  });

  it('GraphiQL in a browser', async () => {
    const res = await on.app.fetch('http://test/graphql', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });
});
