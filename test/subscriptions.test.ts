// The change feed (Subscription.changes over server-sent events, src/feed/hub.ts): every committed
// event in log order, filters, resuming after a disconnect with nothing missing or repeated,
// HISTORY_PRUNED past the kept log, a project-reader hearing only its own project, a slow
// subscriber ended with its memory freed, the subscriber limit, and hostile cursors and filters.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { logPosition, readEvents } from '../src/db/changeLog.ts';
import { DomainError } from '../src/domain/errors.ts';
import { type AppOn, appOn, graphql, type Harness, setup, u } from './helpers.ts';
import { openSse, type SseStream } from './sse.ts';

const SUBSCRIPTION = `subscription ($after: String, $filter: ChangeFilter) {
  changes(after: $after, filter: $filter) { cursor sequence kind providerUuid rootUuid parentUuid generation changed consumerUuid projectId providerUuids rootUuids name }
}`;

let h: Harness;
let side: AppOn;
const open: SseStream[] = [];
beforeAll(async () => {
  h = await setup();
  side = appOn(h.db);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await vi.waitFor(() => expect(h.db.hub.subscriberCount).toBe(0), { timeout: 10_000 });
});
afterAll(() => h?.close());

async function subscribe(variables: Record<string, unknown> = {}, on: AppOn = side, headers: Record<string, string> = {}): Promise<SseStream> {
  const s = await openSse(on.app, SUBSCRIPTION, variables, headers);
  open.push(s);
  return s;
}

/** The next `n` events of a stream (failing on an error). */
async function take(s: SseStream, n: number): Promise<any[]> {
  const out: any[] = [];
  while (out.length < n) {
    const r = await s.next();
    expect(r?.errors, JSON.stringify(r)).toBeUndefined();
    expect(r, 'the stream ended early').not.toBeNull();
    out.push(r.data.changes);
  }
  return out;
}

/** Every event the log holds after `after`, as the feed names them (kind and cursor). */
async function logged(after: bigint): Promise<{ kind: string; cursor: string }[]> {
  const page = await readEvents(h.db.reader, after, 100_000);
  return page.transactions.flatMap((t) => t.events.map((e, i) => ({ kind: e.kind, cursor: `${t.seq}.${i}` })));
}

const brief = (events: any[]) => events.map((e) => ({ kind: e.kind, cursor: e.cursor }));
let n = 100;
const provider = async (parent?: string) => {
  const uuid = u(++n);
  await h.ok(`mutation { createResourceProvider(input: {uuid: "${uuid}", name: "rp-${n}"${parent ? `, parentUuid: "${parent}"` : ''}}) { __typename } }`);
  return uuid;
};
const allocate = (consumer: string, project: string, on: string) =>
  h.ok(`mutation { setAllocations(input: {consumer: {consumerUuid: "${consumer}", consumerGeneration: null, projectId: "${project}", userId: "u", consumerType: "INSTANCE",
    allocations: [{providerUuid: "${on}", resources: [{resourceClass: "VCPU", amount: 1}]}]}}) { __typename } }`);
const trait = (name: string) => h.ok(`mutation { ensureTrait(input: {name: "${name}"}) { __typename } }`);

describe('change feed', () => {
  it('streams the events of every kind in log order, each once, from now', async () => {
    const start = await logPosition(h.db.reader);
    const s = await subscribe();
    await h.ok(`mutation { createResourceClass(input: {name: "CUSTOM_FEED"}) { __typename } }`);
    await trait('CUSTOM_FEED_T');
    const root = await provider();
    const child = await provider(root);
    await h.ok(`mutation { setInventories(input: {providerUuid: "${root}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { __typename } }`);
    await h.ok(`mutation { setProviderTraits(input: {providerUuid: "${root}", providerGeneration: 1, traits: ["CUSTOM_FEED_T"]}) { __typename } }`);
    await h.ok(`mutation { setProviderAggregates(input: {providerUuid: "${root}", providerGeneration: 2, aggregates: ["${u(900)}"]}) { __typename } }`);
    await h.ok(`mutation { updateResourceProvider(input: {uuid: "${child}", name: "renamed"}) { __typename } }`);
    await allocate(u(501), 'p1', root);
    await h.ok(`mutation { deleteAllocations(input: {consumerUuid: "${u(501)}"}) { __typename } }`);
    await h.ok(`mutation { deleteResourceProvider(input: {uuid: "${child}"}) { __typename } }`);
    const { resourceProvider } = await h.ok(`{ resourceProvider(uuid: "${root}") { generation } }`);
    await h.ok(`mutation { setProviderTraits(input: {providerUuid: "${root}", providerGeneration: ${resourceProvider.generation}, traits: []}) { __typename } }`);
    await h.ok(`mutation { deleteTrait(input: {name: "CUSTOM_FEED_T"}) { __typename } }`);
    await h.ok(`mutation { deleteResourceClass(input: {name: "CUSTOM_FEED"}) { __typename } }`);
    const expected = await logged(start);
    const got = await take(s, expected.length);
    expect(brief(got)).toEqual(expected);
    expect(new Set(got.map((e) => e.kind))).toEqual(
      new Set([
        'RESOURCE_CLASS_CREATED',
        'RESOURCE_CLASS_DELETED',
        'TRAIT_CREATED',
        'TRAIT_DELETED',
        'PROVIDER_CREATED',
        'PROVIDER_UPDATED',
        'PROVIDER_DELETED',
        'USAGE_CHANGED',
        'ALLOCATIONS_WRITTEN',
        'ALLOCATIONS_REMOVED',
      ]),
    );
    expect(got.find((e) => e.kind === 'PROVIDER_CREATED' && e.providerUuid === child)).toMatchObject({ rootUuid: root, parentUuid: root, generation: 0 });
    expect(got.find((e) => e.kind === 'ALLOCATIONS_WRITTEN')).toMatchObject({ consumerUuid: u(501), projectId: 'p1', providerUuids: [root], rootUuids: [root] });
    expect(got.find((e) => e.kind === 'PROVIDER_UPDATED' && e.changed.includes('AGGREGATES'))).toMatchObject({ providerUuid: root, generation: 3 });
    expect(got.find((e) => e.kind === 'TRAIT_CREATED')).toMatchObject({ name: 'CUSTOM_FEED_T', providerUuid: null });
    // Nothing more: each event came once.
    await h.ok(`mutation { ensureTrait(input: {name: "CUSTOM_FEED_END"}) { __typename } }`);
    expect((await take(s, 1))[0]).toMatchObject({ kind: 'TRAIT_CREATED', name: 'CUSTOM_FEED_END' });
  });

  it('filters by kind, provider, root and consumer; every given list must match', async () => {
    const a = await provider();
    const b = await provider();
    const aChild = await provider(a);
    const inRootA = await subscribe({ filter: { rootUuids: [a] } });
    const allocOfC = await subscribe({ filter: { consumerUuids: [u(601)], kinds: ['ALLOCATIONS_WRITTEN'] } });
    const onB = await subscribe({ filter: { providerUuids: [b] } });
    for (const p of [a, b, aChild]) {
      await h.ok(`mutation { setInventories(input: {providerUuid: "${p}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { __typename } }`);
    }
    await allocate(u(601), 'p1', aChild);
    await allocate(u(602), 'p1', b);
    await trait('CUSTOM_FILTERED');
    const fence = await provider(a); // a last event every stream in root a hears
    expect((await take(inRootA, 5)).map((e) => [e.kind, e.providerUuid ?? e.consumerUuid])).toEqual([
      ['PROVIDER_UPDATED', a],
      ['PROVIDER_UPDATED', aChild],
      ['USAGE_CHANGED', aChild],
      ['ALLOCATIONS_WRITTEN', u(601)],
      ['PROVIDER_CREATED', fence],
    ]);
    expect((await take(allocOfC, 1))[0]).toMatchObject({ kind: 'ALLOCATIONS_WRITTEN', consumerUuid: u(601), rootUuids: [a] });
    expect((await take(onB, 3)).map((e) => [e.kind, e.providerUuid ?? e.consumerUuid])).toEqual([
      ['PROVIDER_UPDATED', b],
      ['USAGE_CHANGED', b],
      ['ALLOCATIONS_WRITTEN', u(602)],
    ]);
    expect(allocOfC.buffered()).toEqual([]);
  });

  it('resumes after a disconnect with exactly the missed events, then live ones', async () => {
    const start = await logPosition(h.db.reader);
    const s = await subscribe({ after: String(start) });
    const root = await provider();
    await provider(root);
    const first = await take(s, 2);
    await s.close();
    await vi.waitFor(() => expect(h.db.hub.subscriberCount).toBe(0), { timeout: 10_000 });
    // Missed while away: one transaction of several events among them.
    await h.ok(`mutation { setInventories(input: {providerUuid: "${root}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { __typename } }`);
    await allocate(u(701), 'p1', root);
    const last = first[first.length - 1].cursor;
    const missed = await logged(BigInt(last.split('.')[0]));
    expect(missed.length).toBeGreaterThanOrEqual(3);
    const again = await subscribe({ after: last });
    expect(brief(await take(again, missed.length))).toEqual(missed);
    await trait('CUSTOM_AFTER_RESUME');
    expect((await take(again, 1))[0]).toMatchObject({ kind: 'TRAIT_CREATED', name: 'CUSTOM_AFTER_RESUME' });
    // From inside a transaction: the rest of it. From a change token ("<seq>"): after all of it.
    const alloc = missed.find((e) => e.kind === 'ALLOCATIONS_WRITTEN')!;
    const usage = missed.find((e) => e.kind === 'USAGE_CHANGED')!;
    expect(usage.cursor.split('.')[0]).toBe(alloc.cursor.split('.')[0]);
    const mid = await subscribe({ after: usage.cursor });
    expect(brief(await take(mid, 2))).toEqual([alloc, { kind: 'TRAIT_CREATED', cursor: expect.any(String) }]);
    const whole = await subscribe({ after: alloc.cursor.split('.')[0] });
    expect((await take(whole, 1))[0]).toMatchObject({ kind: 'TRAIT_CREATED' });
  });

  it('says HISTORY_PRUNED when the log no longer holds what follows the cursor, then goes on', async () => {
    const settings = h.db.settings;
    h.db.settings = { ...settings, changeLogKeep: 3 };
    try {
      const from = await logPosition(h.db.reader);
      for (let i = 0; i < 12; i++) await trait(`CUSTOM_PRUNE_${i}`);
      const s = await subscribe({ after: String(from) });
      const [lost] = await take(s, 1);
      expect(lost).toMatchObject({ kind: 'HISTORY_PRUNED', cursor: expect.stringMatching(/^\d+$/) });
      const rest = await logged(BigInt(lost.cursor));
      expect(rest.length).toBeGreaterThan(0);
      expect(rest.length).toBeLessThan(12);
      expect(brief(await take(s, rest.length))).toEqual(rest);
    } finally {
      h.db.settings = settings;
    }
  });

  it('ends a subscriber that falls behind with SLOW_SUBSCRIBER, holding no more than its queue meanwhile', async () => {
    const slowApp = appOn(h.db, { PLACEMENT_FEED_QUEUE_EVENTS: '5' });
    const slow = await subscribe({}, slowApp);
    // Streams buffer a little past the hub (the response stream, a socket): write until that is full too.
    let most = 0;
    for (let i = 0; i < 40 && h.db.hub.subscriberCount; i++) {
      await h.ok(`mutation { ${Array.from({ length: 20 }, (_, j) => `t${j}: ensureTrait(input: {name: "CUSTOM_SLOW_${i}_${j}"}) { __typename }`).join(' ')} }`);
      most = Math.max(most, h.db.hub.queued);
    }
    await vi.waitFor(() => expect(h.db.hub.subscriberCount).toBe(0), { timeout: 10_000 });
    expect(most).toBeLessThanOrEqual(5);
    const results: any[] = [];
    for (let r = await slow.next(); r; r = await slow.next()) results.push(r);
    const end = results[results.length - 1];
    expect(end.errors.map((e: any) => e.extensions.code)).toEqual(['SLOW_SUBSCRIBER']);
    expect(end.errors[0].message).toMatch(/Reconnect with the cursor/);
    expect(results.slice(0, -1).every((r) => r.data.changes.kind === 'TRAIT_CREATED')).toBe(true);
  });

  it('refuses subscribers past PLACEMENT_FEED_MAX_SUBSCRIBERS with TOO_MANY_SUBSCRIBERS', async () => {
    const small = appOn(h.db, { PLACEMENT_FEED_MAX_SUBSCRIBERS: '2' });
    await subscribe({}, small);
    await subscribe({}, small);
    const third = await subscribe({}, small);
    expect((await third.next()).errors.map((e: any) => e.extensions.code)).toEqual(['TOO_MANY_SUBSCRIBERS']);
    expect(await third.next()).toBeNull();
    expect(h.db.hub.subscriberCount).toBe(2);
  });

  it.each([
    ['garbage', { after: 'garbage' }],
    ['a negative cursor', { after: '-1' }],
    ['three parts', { after: '1.2.3' }],
    ['a cursor ahead of the log', { after: '999999999' }],
    ['a cursor past 64 bits', { after: '99999999999999999999' }],
    ['100 kB', { after: '1'.repeat(100_000) }],
    ['a bad uuid in a filter', { filter: { providerUuids: ['not-a-uuid'] } }],
  ])('refuses %s as BAD_VALUE', async (_, variables) => {
    const s = await subscribe(variables);
    const r = await s.next();
    expect(r.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_VALUE']);
    expect(await s.next()).toBeNull();
  });

  it.each([
    ['an unknown kind', { filter: { kinds: ['NOPE'] } }, 'BAD_USER_INPUT'],
    ['a NUL in a cursor', { after: '1\u0000' }, 'BAD_VALUE'],
    ['a number for a cursor', { after: 12 }, 'BAD_USER_INPUT'],
    ['10000 uuids', { filter: { providerUuids: Array.from({ length: 10_000 }, (_, i) => u(i)) } }, 'LIMIT_EXCEEDED'],
    ['a list for a filter', { filter: [] }, 'BAD_USER_INPUT'],
  ])('refuses %s with a coded error, never an internal one', async (_, variables, code) => {
    const s = await subscribe(variables);
    const r = await s.next();
    expect(r.errors.map((e: any) => e.extensions?.code)).toEqual([code]);
  });
});

describe('change feed authorisation', () => {
  let dir: string;
  let secured: AppOn;
  const TOKENS = { reader: 'reader-token-0123456789', 'project-reader': 'project-token-0123456789' };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'placement-feed-'));
    const file = path.join(dir, 'tokens.json');
    writeFileSync(file, JSON.stringify({ tokens: Object.entries(TOKENS).map(([role, token]) => ({ token, subject: role, role, ...(role === 'project-reader' ? { project: 'p1' } : {}) })) }));
    secured = appOn(h.db, { AUTH: 'token-file', AUTH_TOKEN_FILE: file });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lets a project-reader hear only its own project's allocation events; a reader hears all; anonymous is refused", async () => {
    const own = await subscribe({}, secured, { authorization: `Bearer ${TOKENS['project-reader']}` });
    const all = await subscribe({}, secured, { authorization: `Bearer ${TOKENS.reader}` });
    const anonymous = await subscribe({}, secured);
    expect((await anonymous.next()).errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    const host = await provider();
    await h.ok(`mutation { setInventories(input: {providerUuid: "${host}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { __typename } }`);
    await allocate(u(801), 'p2', host);
    await allocate(u(802), 'p1', host);
    await h.ok(`mutation { deleteAllocations(input: {consumerUuid: "${u(801)}"}) { __typename } }`);
    await h.ok(`mutation { deleteAllocations(input: {consumerUuid: "${u(802)}"}) { __typename } }`);
    expect((await take(all, 9)).map((e) => e.kind)).toEqual([
      'PROVIDER_CREATED',
      'PROVIDER_UPDATED',
      'USAGE_CHANGED',
      'ALLOCATIONS_WRITTEN',
      'USAGE_CHANGED',
      'ALLOCATIONS_WRITTEN',
      'USAGE_CHANGED',
      'ALLOCATIONS_REMOVED',
      'USAGE_CHANGED',
    ]);
    expect((await take(own, 2)).map((e) => [e.kind, e.consumerUuid, e.projectId])).toEqual([
      ['ALLOCATIONS_WRITTEN', u(802), 'p1'],
      ['ALLOCATIONS_REMOVED', u(802), 'p1'],
    ]);
    // Asking for another project's consumer by name, from the start of the log, hears nothing of it.
    const asking = await subscribe({ after: '0', filter: { consumerUuids: [u(804), u(805)] } }, secured, { authorization: `Bearer ${TOKENS['project-reader']}` });
    await allocate(u(804), 'p2', host);
    await allocate(u(805), 'p1', host);
    const heard = (await take(asking, 2)).filter((e) => e.kind !== 'HISTORY_PRUNED');
    expect(heard[0]).toMatchObject({ kind: 'ALLOCATIONS_WRITTEN', consumerUuid: u(805) });
  });
});

describe('change feed requests', () => {
  it('ends every stream with the reason when the server stops (src/server.ts), so it need not wait for them', async () => {
    const s = await subscribe();
    h.db.hub.close(new DomainError('UNAVAILABLE', 'The server is shutting down.'));
    expect((await s.next()).errors.map((e: any) => e.extensions.code)).toEqual(['UNAVAILABLE']);
    expect(await s.next()).toBeNull();
  });

  it('refuses a subscription asked for as JSON (BAD_REQUEST), holding nothing for it', async () => {
    const body = (await graphql(side.app, { query: SUBSCRIPTION })) as any;
    expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_REQUEST']);
    expect(body.errors[0].message).toMatch(/text\/event-stream/);
    expect(h.db.hub.subscriberCount).toBe(0);
  });
});
