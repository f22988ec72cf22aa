// Who may do what (SECURITY.md): the access matrix (src/auth/access.ts) walked from the schema, every
// field reachable from every root field as every role, with static bearer tokens; then JWTs and the
// startup rules. A refused request answers FORBIDDEN or UNAUTHENTICATED and writes nothing.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GraphQLObjectType, getNamedType, isObjectType } from 'graphql';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { type Access, ADMITTED, MUTATION_ACCESS, type MutationName, QUERY_ACCESS, type QueryName, SUBSCRIPTION_ACCESS, TYPE_ACCESS, type TypeName, VALUE_TYPES } from '../src/auth/access.ts';
import { configFromEnv } from '../src/config.ts';
import { schema } from '../src/graphql/schema.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';
import { graphql, type Harness, post, snapshotDb, u } from './helpers.ts';
import { fieldPaths } from './schemaPaths.ts';
import { openSse, type SseStream } from './sse.ts';

const TOKENS = { admin: 'admin-token-0123456789', service: 'service-token-0123456789', reader: 'reader-token-0123456789', 'project-reader': 'project-token-0123456789' };
type Who = keyof typeof TOKENS | 'anonymous';
const WHO: Who[] = ['admin', 'service', 'reader', 'project-reader', 'anonymous'];

let td: TestDatabase;
let dir: string;
/** Global ids of the fixture provider and of the consumers of p1 (own) and p2 (other). */
const ids: Record<string, string> = {};
let call: (who: Who, query: string, headers?: Record<string, string>) => Promise<any>;
let stream: (who: Who, query: string) => Promise<SseStream>;

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
  stream = (who, query) => openSse(app, query, {}, who === 'anonymous' ? {} : { authorization: `Bearer ${TOKENS[who]}` });
  call = async (who, query, headers = {}) => {
    return graphql(app, { query }, { ...(who === 'anonymous' ? {} : { authorization: `Bearer ${TOKENS[who]}` }), ...headers });
  };
  const ok = async (q: string) => {
    const r = await call('admin', q);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
  };
  await ok(`mutation { createResourceProvider(input: {name: "host", uuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  await ok(`mutation { createResourceProvider(input: {name: "numa0", uuid: "${u(2)}", parentUuid: "${u(1)}"}) { resourceProvider { uuid } } }`);
  await ok(`mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 64}]}) { resourceProvider { uuid } } }`);
  await ok(`mutation { ensureTrait(input: {name: "CUSTOM_FAST"}) { created } }`);
  await ok(`mutation { setProviderTraits(input: {providerUuid: "${u(1)}", providerGeneration: 1, traits: ["CUSTOM_FAST"]}) { resourceProvider { uuid } } }`);
  await ok(`mutation { setProviderAggregates(input: {providerUuid: "${u(1)}", providerGeneration: 2, aggregates: ["${u(900)}"]}) { resourceProvider { uuid } } }`);
  for (const [consumer, project] of [
    [u(501), 'p1'],
    [u(502), 'p2'],
  ]) {
    await ok(`mutation { setAllocations(input: {consumer: {consumerUuid: "${consumer}", consumerGeneration: null, projectId: "${project}", userId: "u",
      consumerType: "INSTANCE", allocations: [{providerUuid: "${u(1)}", resources: [{resourceClass: "VCPU", amount: 1}]}]}}) { consumers { uuid } } }`);
  }
  const found = await call('admin', `{ p: resourceProvider(uuid: "${u(1)}") { id } own: consumer(uuid: "${u(501)}") { id } other: consumer(uuid: "${u(502)}") { id } }`);
  Object.assign(ids, { provider: found.data.p.id, own: found.data.own.id, other: found.data.other.id });
});
afterAll(async () => {
  await td.drop();
  rmSync(dir, { recursive: true, force: true });
});

const harness = () => ({ db: td.db }) as unknown as Harness;
const code = (r: any) => r.errors?.[0]?.extensions?.code ?? 'OK';
const REFUSED = ['FORBIDDEN', 'UNAUTHENTICATED'];

// Arguments for each root field: one variant per kind of data it can reach. `owner`: whose project
// the data belongs to, as the project-reader (of p1) sees it.
type Variant = { name: string; args: () => string; owner?: 'own' | 'other' };
const QUERY_VARIANTS: Record<QueryName, Variant[]> = {
  resourceProvider: [{ name: 'root', args: () => `uuid: "${u(1)}"` }],
  resourceProviders: [{ name: 'all', args: () => '' }],
  resourceClass: [{ name: 'VCPU', args: () => 'name: "VCPU"' }],
  resourceClasses: [{ name: 'all', args: () => '' }],
  trait: [{ name: 'custom', args: () => 'name: "CUSTOM_FAST"' }],
  traits: [{ name: 'all', args: () => '' }],
  allocationCandidates: [{ name: 'one VCPU', args: () => 'request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}]}]}' }],
  explainAllocationCandidates: [{ name: 'one VCPU', args: () => 'request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1}]}]}' }],
  node: [
    { name: 'provider', args: () => `id: "${ids.provider}"` },
    { name: 'own consumer', args: () => `id: "${ids.own}"`, owner: 'own' },
    { name: "another project's consumer", args: () => `id: "${ids.other}"`, owner: 'other' },
  ],
  nodes: [{ name: 'provider and consumers', args: () => `ids: ["${ids.provider}", "${ids.own}", "${ids.other}"]` }],
  consumer: [
    { name: 'own project', args: () => `uuid: "${u(501)}"`, owner: 'own' },
    { name: 'another project', args: () => `uuid: "${u(502)}"`, owner: 'other' },
  ],
  usages: [
    { name: 'own project', args: () => 'projectId: "p1"', owner: 'own' },
    { name: 'another project', args: () => 'projectId: "p2"', owner: 'other' },
  ],
  changeToken: [{ name: 'position', args: () => '' }],
  errorCodes: [{ name: 'all', args: () => '' }],
};

// An input for each mutation that gets past authorisation; most then fail a rule, so the fixture
// data stays as it is whichever role runs them.
const MUTATION_INPUTS: Record<MutationName, string> = {
  createResourceProvider: `{name: "new-one"}`,
  updateResourceProvider: `{uuid: "${u(1)}", name: "renamed"}`,
  deleteResourceProvider: `{uuid: "${u(9)}"}`,
  setInventories: `{providerUuid: "${u(1)}", providerGeneration: 99, inventories: []}`,
  setInventory: `{providerUuid: "${u(1)}", providerGeneration: 99, inventory: {resourceClass: "DISK_GB", total: 1}}`,
  deleteInventory: `{providerUuid: "${u(1)}", resourceClass: "DISK_GB"}`,
  deleteInventories: `{providerUuid: "${u(9)}"}`,
  setProviderTraits: `{providerUuid: "${u(1)}", providerGeneration: 99, traits: []}`,
  clearProviderTraits: `{providerUuid: "${u(1)}", providerGeneration: 99}`,
  setProviderAggregates: `{providerUuid: "${u(1)}", providerGeneration: 99, aggregates: []}`,
  setAllocations: `{consumer: {consumerUuid: "${u(501)}", consumerGeneration: 99, projectId: "p1", userId: "u", consumerType: "INSTANCE", allocations: []}}`,
  setAllocationsBatch: `{consumers: []}`,
  deleteAllocations: `{consumerUuid: "${u(999)}"}`,
  reshape: `{inventories: [], allocations: []}`,
  claimAllocationCandidate: `{request: {groups: [{resources: [{resourceClass: "VCPU", amount: 1000}]}]}, consumerUuid: "${u(503)}", projectId: "p", userId: "u", consumerType: "INSTANCE"}`,
  ensureTrait: `{name: "HW_CPU_X86_AVX2"}`,
  deleteTrait: `{name: "CUSTOM_NOT_THERE"}`,
  createResourceClass: `{name: "VCPU"}`,
  ensureResourceClass: `{name: "VCPU"}`,
  deleteResourceClass: `{name: "CUSTOM_NOT_THERE"}`,
};

type Outcome = 'ALLOWED' | 'FORBIDDEN' | 'UNAUTHENTICATED' | 'HIDDEN';

/** What the matrix says `who` gets for a path: refused at the root or at a type, or hidden (as missing). Values and wrappers check nothing themselves. */
function expected(who: Who, root: Access, owner: Variant['owner'], types: string[]): Outcome {
  if (who === 'anonymous') return 'UNAUTHENTICATED';
  const admits = (access: Access) => ADMITTED[access].includes(who) && (access !== 'project' || who !== 'project-reader' || owner === 'own');
  if (!admits(root)) return 'FORBIDDEN';
  for (const type of types) {
    const access: Access | undefined = TYPE_ACCESS[type as TypeName];
    if (access && !admits(access)) return access === 'project' ? 'HIDDEN' : 'FORBIDDEN';
  }
  return 'ALLOWED';
}

/** Why an answer does not fit the outcome, or null when it does. */
function misfit(outcome: Outcome, kind: 'query' | 'mutation', rootField: string, r: any): string | null {
  const codes: string[] = (r.errors ?? []).map((e: any) => e.extensions?.code);
  switch (outcome) {
    case 'ALLOWED':
      // A write may fail a rule of the model (that is its fixture's point), never authorisation.
      if (kind === 'query' ? codes.length === 0 : !codes.some((c) => [...REFUSED, 'INTERNAL_SERVER_ERROR'].includes(c))) return null;
      break;
    case 'HIDDEN':
      if (codes.length === 0 && r.data?.[rootField] === null) return null;
      break;
    default:
      if (codes.length > 0 && codes.every((c) => c === outcome)) return null;
  }
  return `expected ${outcome}, got ${JSON.stringify(r)}`;
}

const WRAPPER = /^(PageInfo|\w+Connection|\w+ConnectionEdge|\w+Payload)$/;

describe('role matrix, walked from the schema', () => {
  it('has a row for every root field and every object type that holds data; values and wrappers are read only through them', () => {
    const objectTypes = Object.values(schema.getTypeMap()).filter(
      (t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__') && !['Query', 'Mutation', 'Subscription'].includes(t.name),
    );
    expect(Object.keys(schema.getQueryType()!.getFields()).sort()).toEqual(Object.keys(QUERY_ACCESS).sort());
    expect(Object.keys(schema.getMutationType()!.getFields()).sort()).toEqual(Object.keys(MUTATION_ACCESS).sort());
    expect(Object.keys(schema.getSubscriptionType()!.getFields()).sort()).toEqual(Object.keys(SUBSCRIPTION_ACCESS).sort());
    // …and the walk below has arguments for each.
    expect(Object.keys(QUERY_VARIANTS).sort()).toEqual(Object.keys(QUERY_ACCESS).sort());
    expect(Object.keys(MUTATION_INPUTS).sort()).toEqual(Object.keys(MUTATION_ACCESS).sort());
    const values: readonly string[] = VALUE_TYPES;
    expect(
      objectTypes
        .map((t) => t.name)
        .filter((n) => !WRAPPER.test(n))
        .sort(),
    ).toEqual([...Object.keys(TYPE_ACCESS), ...values].sort());
    // Every field returning a value belongs to a checked type, a value or a payload; every field
    // returning a wrapper is a root field or belongs to a checked type (a provider's children page) or a wrapper.
    for (const owner of [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!, ...objectTypes]) {
      for (const field of Object.values(owner.getFields())) {
        const returned = getNamedType(field.type).name;
        const root = ['Query', 'Mutation', 'Subscription'].includes(owner.name);
        if (values.includes(returned)) expect(root || owner.name in TYPE_ACCESS || values.includes(owner.name) || /Payload$/.test(owner.name), `${owner.name}.${field.name}`).toBe(true);
        if (WRAPPER.test(returned)) expect(root || owner.name in TYPE_ACCESS || WRAPPER.test(owner.name), `${owner.name}.${field.name}`).toBe(true);
      }
    }
  });

  it('is the matrix SECURITY.md prints', () => {
    const names = (table: Record<string, Access>, access: Access) =>
      Object.keys(table)
        .filter((n) => table[n] === access)
        .map((n) => `\`${n}\``)
        .join(', ') || '–';
    const rows = (Object.keys(ADMITTED) as Access[]).map(
      (a) =>
        `| \`${a}\` | ${ADMITTED[a].map((r) => (a === 'project' && r === 'project-reader' ? 'project-reader of that project' : r)).join(', ')} | ${names(TYPE_ACCESS, a)} | ${names(QUERY_ACCESS, a)} | ${names(MUTATION_ACCESS, a)} | ${names(SUBSCRIPTION_ACCESS, a)} |`,
    );
    const table = ['| access | roles | types | queries | mutations | subscriptions |', '|---|---|---|---|---|---|', ...rows].join('\n');
    const doc = readFileSync(fileURLToPath(new URL('../SECURITY.md', import.meta.url)), 'utf8');
    expect(doc, `SECURITY.md should hold:\n${table}`).toContain(table);
  });

  const roots = [
    ...(Object.keys(QUERY_VARIANTS) as QueryName[]).flatMap((field) => QUERY_VARIANTS[field].map((v) => ({ kind: 'query' as const, field, access: QUERY_ACCESS[field] as Access, variant: v }))),
    ...(Object.keys(MUTATION_INPUTS) as MutationName[]).map((field) => ({
      kind: 'mutation' as const,
      field,
      access: MUTATION_ACCESS[field] as Access,
      variant: { name: 'input', args: () => `input: ${MUTATION_INPUTS[field]}` } as Variant,
    })),
  ];
  const cases = roots.flatMap((root) => WHO.map((who) => ({ ...root, who, title: `${root.kind} ${root.field} (${root.variant.name}) as ${who}` })));

  it.each(cases)('$title: every reachable field as the matrix says', async ({ kind, field, access, variant, who }) => {
    const paths = fieldPaths(schema, kind, field, (coordinate) => (coordinate === `${kind === 'query' ? 'Query' : 'Mutation'}.${field}` ? variant.args() : undefined));
    const before = kind === 'mutation' ? await snapshotDb(harness()) : null;
    const misfits: string[] = [];
    let refused = true;
    for (const path of paths) {
      const outcome = expected(who, access, variant.owner, path.types);
      if (outcome === 'ALLOWED') refused = false;
      const problem = misfit(outcome, kind, field, await call(who, path.operation));
      if (problem) misfits.push(`${path.label}: ${problem}`);
    }
    expect(misfits).toEqual([]);
    // A refused write wrote nothing.
    if (before && refused) expect(await snapshotDb(harness())).toEqual(before);
  });

  it.each(WHO)('subscription changes as %s: admitted as the matrix says; a project-reader hears only its own project', async (who) => {
    const s = await stream(who, 'subscription { changes(after: "0") { kind consumerUuid projectId } }');
    try {
      const first = await s.next();
      if (!ADMITTED[SUBSCRIPTION_ACCESS.changes].includes(who as never)) {
        expect(first.errors.map((e: any) => e.extensions.code)).toEqual([who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN']);
      } else if (who === 'project-reader') {
        // The fixture's first event it may hear is its own consumer's allocation (of p1, not p2's).
        expect(first.data.changes).toEqual({ kind: 'ALLOCATIONS_WRITTEN', consumerUuid: u(501), projectId: 'p1' });
      } else {
        expect(first.data.changes.kind).toBe('PROVIDER_CREATED');
      }
    } finally {
      await s.close();
    }
  });

  it("answers a project-reader the same for another project's consumer as for a missing one", async () => {
    const ask = (uuid: string) => call('project-reader', `{ consumer(uuid: "${uuid}") { uuid projectId allocations { providerUuid resources { amount } } } }`);
    const other = await ask(u(502));
    expect(other).toEqual({ data: { consumer: null } });
    expect(await ask(u(777))).toEqual(other);
    expect((await ask(u(501))).data.consumer).toMatchObject({ uuid: u(501), allocations: [{ providerUuid: u(1), resources: [{ amount: 1 }] }] });
  });

  it("refuses a project-reader provider data reached through its own consumer's allocations", async () => {
    const r = await call(
      'project-reader',
      `{ consumer(uuid: "${u(501)}") { allocations { provider { name inventories { total used } usages { used } traits aggregates root { descendants { name } } allocations { resources { amount } } } } } }`,
    );
    expect(r.data).toEqual({ consumer: null });
    expect(new Set(r.errors.map((e: any) => e.extensions.code))).toEqual(new Set(['FORBIDDEN']));
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
    const ask = async (token: string) => (await graphql(app, { query: '{ resourceClasses { name } }' }, { authorization: `Bearer ${token}` })) as any;
    const sign = (claims: Record<string, unknown>, key = secret, exp = '5m') =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('nova').setIssuer('keystone').setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(key));
    expect(code(await ask(await sign({ role: 'reader' })))).toBe('OK');
    expect(code(await ask(await sign({ role: 'project-reader', project_id: 'p1' })))).toBe('FORBIDDEN');
    expect(code(await ask(await sign({ role: 'reader' }, 'another-secret-of-32-characters-or-more')))).toBe('UNAUTHENTICATED');
    expect(code(await ask(await sign({ role: 'reader' }, secret, '-1m')))).toBe('UNAUTHENTICATED');
    expect(code(await ask(await sign({ role: 'superuser' })))).toBe('UNAUTHENTICATED');
  });

  it('requires exp, and refuses a lifetime (exp - iat, or exp - now) longer than JWT_MAX_LIFETIME_SECONDS', async () => {
    const secret = 'a-secret-of-at-least-32-characters!!';
    const app = createApp(td.db, configFromEnv({ AUTH: 'jwt', JWT_SECRET: secret, JWT_MAX_LIFETIME_SECONDS: '3600' }));
    const now = Math.floor(Date.now() / 1000);
    const ask = async (times: { iat?: number; exp?: number }) => {
      const jwt = new SignJWT({ role: 'reader', ...times }).setProtectedHeader({ alg: 'HS256' }).setSubject('nova');
      const token = await jwt.sign(new TextEncoder().encode(secret));
      const res = await post(app, { query: '{ resourceClasses { name } }' }, { authorization: `Bearer ${token}` });
      return (await res.json()) as any;
    };
    expect(code(await ask({ iat: now, exp: now + 3000 }))).toBe('OK');
    expect(code(await ask({ exp: now + 3000 }))).toBe('OK');
    const never = await ask({ iat: now });
    expect(code(never)).toBe('UNAUTHENTICATED');
    expect(never.errors[0].message).toMatch(/exp/);
    expect(code(await ask({ iat: now, exp: now + 7200 }))).toBe('UNAUTHENTICATED');
    expect(code(await ask({ exp: now + 7200 }))).toBe('UNAUTHENTICATED');
    // Issued "in the future": the lifetime counts from now, not from the claimed iat.
    expect(code(await ask({ iat: now + 10 * 365 * 86400, exp: now + 10 * 365 * 86400 + 600 }))).toBe('UNAUTHENTICATED');
    // The default maximum is a day.
    const byDefault = createApp(td.db, configFromEnv({ AUTH: 'jwt', JWT_SECRET: secret }));
    const week = await new SignJWT({ role: 'reader' }).setProtectedHeader({ alg: 'HS256' }).setSubject('nova').setIssuedAt().setExpirationTime('7d').sign(new TextEncoder().encode(secret));
    const res = await post(byDefault, { query: '{ resourceClasses { name } }' }, { authorization: `Bearer ${week}` });
    expect(code(await res.json())).toBe('UNAUTHENTICATED');
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
      const res = await post(app, { query: '{ resourceClasses { name } }' }, { authorization: `Bearer ${token}` });
      return code(await res.json());
    };
    expect(await ask(privateKey)).toBe('OK');
    expect(await ask(other.privateKey)).toBe('UNAUTHENTICATED');
  });

  // '127.evil.example' looks like loopback but is a name that does not resolve to it.
  it.each(['0.0.0.0', '127.evil.example'])('refuses to start without authentication on HOST=%s', (host) => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { ...process.env, AUTH: 'none', HOST: host, PORT: '0', DATABASE_URL: `file:${path.join(dir, 'never.db')}` },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/AUTH=none is only allowed/);
  });
});
