// The change log (src/db/changeLog.ts): every committed write transaction that changed something
// the candidate search reads appends exactly one row, in the same transaction, naming the providers
// it touched and whether names changed; a write that fails appends nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, u } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(() => h?.close());

interface LogRow {
  providers: string;
  names: boolean;
}

const rows = async (): Promise<LogRow[]> =>
  (await h.db.reader.$queryRawUnsafe<{ providers: string; names: boolean | number }[]>('SELECT providers, names FROM change_log ORDER BY seq')).map((r) => ({
    providers: r.providers,
    names: Boolean(r.names),
  }));

const idOf = async (uuid: string) => String((await h.db.reader.$queryRawUnsafe<{ id: number }[]>(`SELECT id FROM resource_providers WHERE uuid = '${uuid}'`))[0].id);

/** The rows `write` appended. */
async function appended(write: () => Promise<unknown>): Promise<LogRow[]> {
  const before = (await rows()).length;
  await write();
  return (await rows()).slice(before);
}

describe('change log', () => {
  it('holds one row per committed write transaction, naming what it changed', async () => {
    expect(await appended(() => h.ok(`mutation { createResourceProvider(input: {uuid: "${u(1)}", name: "a"}) { __typename } }`))).toEqual([{ providers: await idOf(u(1)), names: false }]);
    // Two mutation fields: two transactions, two rows.
    const two = await appended(() =>
      h.ok(`mutation {
        b: createResourceProvider(input: {uuid: "${u(2)}", name: "b", parentUuid: "${u(1)}"}) { __typename }
        c: setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 4}]}) { __typename }
      }`),
    );
    expect(two).toEqual([
      { providers: await idOf(u(2)), names: false },
      { providers: await idOf(u(1)), names: false },
    ]);
    expect(await appended(() => h.ok(`mutation { createResourceClass(input: {name: "CUSTOM_LOGGED"}) { __typename } }`))).toEqual([{ providers: '', names: true }]);
    // A claim over two providers: one row naming both.
    await h.ok(`mutation { setInventories(input: {providerUuid: "${u(2)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 4}]}) { __typename } }`);
    const claim = await appended(() =>
      h.ok(`mutation { setAllocations(input: {consumer: {consumerUuid: "${u(9)}", consumerGeneration: null, projectId: "p", userId: "u", consumerType: "INSTANCE",
        allocations: [{providerUuid: "${u(1)}", resources: [{resourceClass: "VCPU", amount: 1}]}, {providerUuid: "${u(2)}", resources: [{resourceClass: "VCPU", amount: 1}]}]}}) { __typename } }`),
    );
    expect(claim).toEqual([{ providers: [await idOf(u(1)), await idOf(u(2))].sort((a, b) => Number(a) - Number(b)).join(','), names: false }]);
  });

  it('keeps concurrent transactions apart: each row names its own provider, none is lost', async () => {
    // Found by three replicas loading 1000 providers at once: a change record attached to Prisma's
    // transaction object was shared by concurrent transactions, so rows named other writes' providers.
    const uuids = Array.from({ length: 24 }, (_, i) => u(300 + i));
    const written = await appended(() => Promise.all(uuids.map((uuid) => h.ok(`mutation { createResourceProvider(input: {uuid: "${uuid}", name: "c-${uuid}"}) { __typename } }`))));
    const ids = await Promise.all(uuids.map(idOf));
    expect(written.map((r) => r.providers).sort()).toEqual([...ids].sort());
  });

  it('holds nothing for a write that failed or changed nothing', async () => {
    expect(
      await appended(() =>
        h.fails('CONCURRENT_UPDATE', `mutation { setInventories(input: {providerUuid: "${u(1)}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 8}]}) { __typename } }`),
      ),
    ).toEqual([]);
    expect(
      await appended(() =>
        h.fails(
          'CAPACITY_EXCEEDED',
          `mutation { setAllocations(input: {consumer: {consumerUuid: "${u(8)}", consumerGeneration: null, projectId: "p", userId: "u", consumerType: "INSTANCE",
        allocations: [{providerUuid: "${u(1)}", resources: [{resourceClass: "VCPU", amount: 99}]}]}}) { __typename } }`,
        ),
      ),
    ).toEqual([]);
    // A trait that exists already: nothing changed.
    expect(await appended(() => h.ok(`mutation { ensureTrait(input: {name: "HW_CPU_X86_AVX2"}) { created } }`))).toEqual([]);
  });

  it("holds each transaction's events, named by uuid, in the order a reader applies them", async () => {
    const events = async (write: () => Promise<unknown>) => {
      const [{ n }] = await h.db.reader.$queryRawUnsafe<{ n: bigint }[]>('SELECT COALESCE(MAX(seq), 0) AS n FROM change_log');
      await write();
      const logged = await h.db.reader.$queryRawUnsafe<{ events: string }[]>(`SELECT events FROM change_log WHERE seq > ${n} ORDER BY seq`);
      return logged.map((r) => JSON.parse(r.events));
    };
    const [R, C, X] = [u(700), u(701), u(709)];
    expect(await events(() => h.ok(`mutation { createResourceProvider(input: {uuid: "${R}", name: "er"}) { __typename } }`))).toEqual([
      [{ kind: 'PROVIDER_CREATED', provider: R, root: R, parent: null, generation: 0 }],
    ]);
    await h.ok(`mutation { createResourceProvider(input: {uuid: "${C}", name: "ec", parentUuid: "${R}"}) { __typename } }`);
    expect(await events(() => h.ok(`mutation { setInventories(input: {providerUuid: "${C}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 4}]}) { __typename } }`))).toEqual([
      [{ kind: 'PROVIDER_UPDATED', provider: C, root: R, parent: R, generation: 1, changed: ['INVENTORIES'] }],
    ]);
    expect(await events(() => h.ok(`mutation { updateResourceProvider(input: {uuid: "${R}", name: "er2"}) { __typename } }`))).toEqual([
      [{ kind: 'PROVIDER_UPDATED', provider: R, root: R, parent: null, generation: 0, changed: ['NAME'] }],
    ]);
    expect(await events(() => h.ok(`mutation { createResourceClass(input: {name: "CUSTOM_EVENTED"}) { __typename } }`))).toEqual([[{ kind: 'RESOURCE_CLASS_CREATED', name: 'CUSTOM_EVENTED' }]]);
    const claim = `mutation { setAllocations(input: {consumer: {consumerUuid: "${X}", consumerGeneration: null, projectId: "proj-e", userId: "u", consumerType: "INSTANCE",
      allocations: [{providerUuid: "${C}", resources: [{resourceClass: "VCPU", amount: 1}]}]}}) { __typename } }`;
    expect(await events(() => h.ok(claim))).toEqual([
      [
        { kind: 'USAGE_CHANGED', provider: C, root: R, parent: R, generation: 2 },
        { kind: 'ALLOCATIONS_WRITTEN', consumer: X, project: 'proj-e', providers: [C], roots: [R] },
      ],
    ]);
    expect(await events(() => h.ok(`mutation { deleteAllocations(input: {consumerUuid: "${X}"}) { __typename } }`))).toEqual([
      [
        { kind: 'USAGE_CHANGED', provider: C, root: R, parent: R, generation: 2 },
        { kind: 'ALLOCATIONS_REMOVED', consumer: X, project: 'proj-e', providers: [C], roots: [R] },
      ],
    ]);
    expect(await events(() => h.ok(`mutation { deleteResourceProvider(input: {uuid: "${C}"}) { __typename } }`))).toEqual([
      [{ kind: 'PROVIDER_DELETED', provider: C, root: R, parent: R, generation: 2 }],
    ]);
    expect(await events(() => h.ok(`mutation { deleteResourceClass(input: {name: "CUSTOM_EVENTED"}) { __typename } }`))).toEqual([[{ kind: 'RESOURCE_CLASS_DELETED', name: 'CUSTOM_EVENTED' }]]);
  });
});
