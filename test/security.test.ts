// Who may do what (SECURITY.md): every mutation and every sensitive read against every role, with
// static bearer tokens and with JWTs. A refused request answers FORBIDDEN or UNAUTHENTICATED and
// leaves the database exactly as it was.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { snapshotDb, u, type Harness } from './helpers.ts';

const TOKENS = { admin: 'admin-token-0123456789', service: 'service-token-0123456789', reader: 'reader-token-0123456789', 'project-reader': 'project-token-0123456789' };
type Who = keyof typeof TOKENS | 'anonymous';
const WHO: Who[] = ['admin', 'service', 'reader', 'project-reader', 'anonymous'];

let td: TestDatabase;
let dir: string;
let call: (who: Who, query: string, headers?: Record<string, string>) => Promise<any>;

beforeAll(async () => {
  td = await openTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'placement-auth-'));
  const file = path.join(dir, 'tokens.json');
  writeFileSync(
    file,
    JSON.stringify({
      tokens: Object.entries(TOKENS).map(([role, token]) => ({ token, subject: role, role, ...(role === 'project-reader' ? { project: 'p1' } : {}) })),
    }),
  );
  const app = createApp(td.db, configFromEnv({ AUTH: 'token-file', AUTH_TOKEN_FILE: file }));
  call = async (who, query, headers = {}) => {
    const res = await app.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(who === 'anonymous' ? {} : { authorization: `Bearer ${TOKENS[who]}` }), ...headers },
      body: JSON.stringify({ query }),
    });
    return res.json();
  };
  const ok = async (q: string) => {
    const r = await call('admin', q);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
  };
  await ok(`mutation { createResourceProvider(input: {name: "host", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  await ok(`mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 64}]}) { resourceProvider { uuid } } }`);
  for (const [consumer, project] of [[u(501), 'p1'], [u(502), 'p2']]) {
    await ok(`mutation { setAllocations(input: {consumer: {consumerUuid: "${consumer}", consumerGeneration: null, projectId: "${project}", userId: "u",
      consumerType: "INSTANCE", allocations: [{providerUuid: "${u(1)}", resources: [{resourceClass: "VCPU", amount: 1}]}]}}) { consumers { uuid } } }`);
  }
});
afterAll(async () => {
  await td.drop();
  rmSync(dir, { recursive: true, force: true });
});

const harness = () => ({ db: td.db }) as unknown as Harness;
const code = (r: any) => r.errors?.[0]?.extensions?.code ?? 'OK';
const REFUSED = ['FORBIDDEN', 'UNAUTHENTICATED'];

// Each mutation with an input that would otherwise get past authorisation.
const mutations: [name: string, allowed: Who[], query: string][] = [
  ['createResourceProvider', ['admin', 'service'], `mutation { createResourceProvider(input: {name: "new-one"}) { resourceProvider { uuid } } }`],
  ['updateResourceProvider', ['admin', 'service'], `mutation { updateResourceProvider(input: {uuid: "${u(1)}", name: "renamed"}) { resourceProvider { uuid } } }`],
  ['deleteResourceProvider', ['admin', 'service'], `mutation { deleteResourceProvider(input: {uuid: "${u(9)}"}) { uuid } }`],
  ['setInventories', ['admin', 'service'], `mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 99, inventories: []}) { resourceProvider { uuid } } }`],
  ['setInventory', ['admin', 'service'], `mutation { setInventory(input: {providerUuid: "${u(1)}", providerGeneration: 99, inventory: {resourceClass: "DISK_GB", total: 1}}) { resourceProvider { uuid } } }`],
  ['deleteInventory', ['admin', 'service'], `mutation { deleteInventory(input: {providerUuid: "${u(1)}", resourceClass: "DISK_GB"}) { resourceProvider { uuid } } }`],
  ['deleteInventories', ['admin', 'service'], `mutation { deleteInventories(input: {providerUuid: "${u(9)}"}) { resourceProvider { uuid } } }`],
  ['setProviderTraits', ['admin', 'service'], `mutation { setProviderTraits(input: {providerUuid: "${u(1)}", providerGeneration: 99, traits: []}) { resourceProvider { uuid } } }`],
  ['clearProviderTraits', ['admin', 'service'], `mutation { clearProviderTraits(input: {providerUuid: "${u(1)}", providerGeneration: 99}) { resourceProvider { uuid } } }`],
  ['setProviderAggregates', ['admin', 'service'], `mutation { setProviderAggregates(input: {providerUuid: "${u(1)}", providerGeneration: 99, aggregates: []}) { resourceProvider { uuid } } }`],
  ['setAllocations', ['admin', 'service'], `mutation { setAllocations(input: {consumer: {consumerUuid: "${u(501)}", consumerGeneration: 99, projectId: "p1", userId: "u", consumerType: "INSTANCE", allocations: []}}) { consumers { uuid } } }`],
  ['setAllocationsBatch', ['admin', 'service'], `mutation { setAllocationsBatch(input: {consumers: []}) { consumers { uuid } } }`],
  ['deleteAllocations', ['admin', 'service'], `mutation { deleteAllocations(input: {consumerUuid: "${u(999)}"}) { consumerUuid } }`],
  ['reshape', ['admin', 'service'], `mutation { reshape(input: {inventories: [], allocations: []}) { consumers { uuid } } }`],
  ['claimAllocationCandidate', ['admin', 'service'], `mutation { claimAllocationCandidate(input: {request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1000}]}]}, consumerUuid: "${u(503)}", projectId: "p", userId: "u", consumerType: "INSTANCE"}) { consumer { uuid } } }`],
  ['ensureTrait', ['admin', 'service'], `mutation { ensureTrait(input: {name: "HW_CPU_X86_AVX2"}) { created } }`],
  ['deleteTrait', ['admin'], `mutation { deleteTrait(input: {name: "CUSTOM_NOT_THERE"}) { trait { name } } }`],
  ['createResourceClass', ['admin'], `mutation { createResourceClass(input: {name: "VCPU"}) { resourceClass { name } } }`],
  ['ensureResourceClass', ['admin'], `mutation { ensureResourceClass(input: {name: "VCPU"}) { created } }`],
  ['deleteResourceClass', ['admin'], `mutation { deleteResourceClass(input: {name: "CUSTOM_NOT_THERE"}) { resourceClass { name } } }`],
];

const everyone: Who[] = ['admin', 'service', 'reader'];
const reads: [name: string, allowed: Who[], query: string][] = [
  ['resourceProviders', everyone, `{ resourceProviders { totalCount } }`],
  ['resourceProvider.allocations', everyone, `{ resourceProvider(uuid: "${u(1)}") { allocations { consumer { uuid } } } }`],
  ['resourceClasses', everyone, `{ resourceClasses { name } }`],
  ['traits', everyone, `{ traits(first: 1) { totalCount } }`],
  ['allocationCandidates', everyone, `{ allocationCandidates(request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}]}]}) { allocationRequests { mappings { suffix } } } }`],
  ['node', everyone, `{ nodes(ids: []) { id } }`],
  ['usages of own project', [...everyone, 'project-reader'], `{ usages(projectId: "p1") { consumerCount } }`],
  ['usages of another project', everyone, `{ usages(projectId: "p2") { consumerCount } }`],
  ['consumer of own project', [...everyone, 'project-reader'], `{ consumer(uuid: "${u(501)}") { uuid allocations { resources { amount } } } }`],
  ['consumer of another project', everyone, `{ consumer(uuid: "${u(502)}") { uuid } }`],
];

describe('role matrix', () => {
  const cases = [...mutations, ...reads].flatMap(([name, allowed, query]) => WHO.map((who) => [name, who, allowed.includes(who), query] as const));
  it.each(cases)('%s as %s: allowed=%s', async (_, who, allowed, query) => {
    const before = await snapshotDb(harness());
    const r = await call(who, query);
    if (allowed) expect(REFUSED, JSON.stringify(r)).not.toContain(code(r));
    else {
      expect(code(r), JSON.stringify(r)).toBe(who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
      expect(await snapshotDb(harness())).toEqual(before);
    }
  });

  it('refuses a wrong or malformed token as UNAUTHENTICATED', async () => {
    for (const authorization of ['Bearer not-a-known-token-123456', 'Basic YWRtaW46YWRtaW4=', 'Bearer ']) {
      expect(code(await call('anonymous', `{ resourceClasses { name } }`, { authorization }))).toBe('UNAUTHENTICATED');
    }
  });
});

describe('JWT', () => {
  it('accepts HS256 tokens with a role claim and refuses forged or expired ones', async () => {
    const secret = 'a-secret-of-at-least-32-characters!!';
    const app = createApp(td.db, configFromEnv({ AUTH: 'jwt', JWT_SECRET: secret, JWT_ISSUER: 'keystone' }));
    const ask = async (token: string) =>
      (await (await app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ resourceClasses { name } }' }) })).json()) as any;
    const sign = (claims: Record<string, unknown>, key = secret, exp = '5m') =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('nova').setIssuer('keystone').setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(key));
    expect(code(await ask(await sign({ role: 'reader' })))).toBe('OK');
    expect(code(await ask(await sign({ role: 'project-reader', project_id: 'p1' })))).toBe('FORBIDDEN');
    expect(code(await ask(await sign({ role: 'reader' }, 'another-secret-of-32-characters-or-more')))).toBe('UNAUTHENTICATED');
    expect(code(await ask(await sign({ role: 'reader' }, secret, '-1m')))).toBe('UNAUTHENTICATED');
    expect(code(await ask(await sign({ role: 'superuser' })))).toBe('UNAUTHENTICATED');
  });
});

describe('JWKS and startup rules', () => {
  it('accepts ES256 tokens signed by a key of the JWKS file, and no other key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const other = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const file = path.join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [jwk] }));
    const app = createApp(td.db, configFromEnv({ AUTH: 'jwt', JWKS_FILE: file }));
    const ask = async (key: CryptoKey) => {
      const token = await new SignJWT({ role: 'service' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('nova').setExpirationTime('5m').sign(key);
      const res = await app.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ resourceClasses { name } }' }) });
      return code(await res.json());
    };
    expect(await ask(privateKey)).toBe('OK');
    expect(await ask(other.privateKey)).toBe('UNAUTHENTICATED');
  });

  it('refuses to start without authentication on a non-loopback address', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { ...process.env, AUTH: 'none', HOST: '0.0.0.0', PORT: '0', DATABASE_URL: `file:${path.join(dir, 'never.db')}` },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/AUTH=none is only allowed/);
  });
});
