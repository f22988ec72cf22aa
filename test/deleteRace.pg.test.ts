// Deleting a provider while another writer (another replica) commits allocations on it: the delete
// waits for that writer's row lock and then answers PROVIDER_IN_USE; a claim that waited for the
// delete's lock finds the provider gone and answers as if it had never been there. Found by the
// change feed's replica test as a foreign-key failure answered INTERNAL_SERVER_ERROR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, setup, u } from './helpers.ts';
import { otherWriter } from './otherWriter.ts';

let h: Harness;
let schema: string;

beforeAll(async () => {
  h = await setup();
  schema = (await h.db.reader.$queryRawUnsafe<{ s: string }[]>('SELECT current_schema() AS s'))[0].s;
});
afterAll(() => h?.close());

async function hostWithRoom(uuid: string) {
  await h.ok(`mutation {
    a: createResourceProvider(input: {name: "h-${uuid}", uuid: "${uuid}"}) { resourceProvider { uuid } }
    i: setInventories(input: {providerUuid: "${uuid}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 4}]}) { resourceProvider { uuid } }
  }`);
}

describe('deleting a provider while another writer allocates on it', () => {
  it('waits for the writer, then answers PROVIDER_IN_USE', async () => {
    const host = u(1);
    await hostWithRoom(host);
    const other = await otherWriter(schema, host);
    const deleting = h.gql(`mutation { deleteResourceProvider(input: {uuid: "${host}"}) { uuid } }`);
    await other.waitedFor();
    // The other writer's claim commits an allocation on the host.
    await other.allocate(u(100));
    await other.commit();
    const r = await deleting;
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['PROVIDER_IN_USE']);
  });

  it('a claim that waited for the delete finds the provider gone: NO_CANDIDATE, nothing half-written', async () => {
    const host = u(2);
    await hostWithRoom(host);
    const other = await otherWriter(schema, host);
    const setting = h.gql(`mutation { setAllocations(input: {consumer: {consumerUuid: "${u(200)}", consumerGeneration: null, projectId: "p", userId: "u", consumerType: "INSTANCE",
      allocations: [{providerUuid: "${host}", resources: [{resourceClass: "VCPU", amount: 1}]}]}}) { __typename } }`);
    await other.waitedFor();
    // The other writer deletes the host (its inventory goes with it).
    await other.query('DELETE FROM resource_providers WHERE uuid = $1', [host]);
    await other.commit('none');
    const r = await setting;
    // Run again after the lost race, the write names a provider that no longer exists.
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    const left = await h.db.reader.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM consumers WHERE uuid = '${u(200)}'`);
    expect(Number(left[0].n)).toBe(0);
  });
});
