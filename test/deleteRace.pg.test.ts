// Deleting a provider while another writer (another replica) commits allocations on it: the delete
// waits for that writer's row lock and then answers PROVIDER_IN_USE; a claim that waited for the
// delete's lock finds the provider gone and answers as if it had never been there. Found by the
// change feed's replica test as a foreign-key failure answered INTERNAL_SERVER_ERROR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { setup, u, type Harness } from './helpers.ts';
import { LOG_LOCK_SQL } from '../src/db/changeLog.ts';

let h: Harness;
let schema: string;

beforeAll(async () => {
  h = await setup();
  schema = ((await h.db.reader.$queryRawUnsafe<{ s: string }[]>('SELECT current_schema() AS s'))[0]).s;
});
afterAll(() => h?.close());

async function hostWithRoom(uuid: string) {
  await h.ok(`mutation {
    a: createResourceProvider(input: {name: "h-${uuid}", uuid: "${uuid}"}) { resourceProvider { uuid } }
    i: setInventories(input: {providerUuid: "${uuid}", providerGeneration: 0, inventories: [{resourceClass: "VCPU", total: 4}]}) { resourceProvider { uuid } }
  }`);
}

/** A session of the test's own (another replica) holding the provider's row lock. */
async function holder(uuid: string) {
  const other = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL, options: `-c search_path=${schema}` });
  await other.connect();
  const [{ pid }] = (await other.query('SELECT pg_backend_pid() AS pid')).rows;
  await other.query('BEGIN');
  await other.query('SELECT id FROM resource_providers WHERE uuid = $1 FOR UPDATE', [uuid]);
  const waitedFor = async () => {
    for (let i = 0; ; i++) {
      const { rows } = await other.query('SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid]);
      if (rows[0].n > 0) return;
      if (i > 500) throw new Error('nobody waited for the lock');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { other, waitedFor };
}

describe('deleting a provider while another writer allocates on it', () => {
  it('waits for the writer, then answers PROVIDER_IN_USE', async () => {
    const host = u(1);
    await hostWithRoom(host);
    const { other, waitedFor } = await holder(host);
    const deleting = h.gql(`mutation { deleteResourceProvider(input: {uuid: "${host}"}) { uuid } }`);
    await waitedFor();
    // The other writer's claim: a consumer with an allocation on the host, logged as writers do.
    await other.query(`INSERT INTO projects (external_id) VALUES ('p') ON CONFLICT DO NOTHING`);
    await other.query(`INSERT INTO users (external_id) VALUES ('u') ON CONFLICT DO NOTHING`);
    await other.query(`INSERT INTO consumers (uuid, project_id, user_id, generation)
      VALUES ($1, (SELECT id FROM projects WHERE external_id = 'p'), (SELECT id FROM users WHERE external_id = 'u'), 1)`, [u(100)]);
    await other.query(`INSERT INTO allocations (resource_provider_id, consumer_id, resource_class_id, used)
      VALUES ((SELECT id FROM resource_providers WHERE uuid = $1), (SELECT id FROM consumers WHERE uuid = $2), (SELECT id FROM resource_classes WHERE name = 'VCPU'), 1)`, [host, u(100)]);
    await other.query(LOG_LOCK_SQL);
    await other.query(`INSERT INTO change_log (providers, names) SELECT id::text, false FROM resource_providers WHERE uuid = $1`, [host]);
    await other.query('COMMIT');
    await other.end();
    const r = await deleting;
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['PROVIDER_IN_USE']);
  });

  it('a claim that waited for the delete finds the provider gone: NO_CANDIDATE, nothing half-written', async () => {
    const host = u(2);
    await hostWithRoom(host);
    const { other, waitedFor } = await holder(host);
    const setting = h.gql(`mutation { setAllocations(input: {consumer: {consumerUuid: "${u(200)}", consumerGeneration: null, projectId: "p", userId: "u", consumerType: "INSTANCE",
      allocations: [{providerUuid: "${host}", resources: [{resourceClass: "VCPU", amount: 1}]}]}}) { __typename } }`);
    await waitedFor();
    // The other writer deletes the host (its inventory goes with it), logged as writers do.
    await other.query('DELETE FROM resource_providers WHERE uuid = $1', [host]);
    await other.query(LOG_LOCK_SQL);
    await other.query(`INSERT INTO change_log (providers, names) VALUES ('', false)`);
    await other.query('COMMIT');
    await other.end();
    const r = await setting;
    // Run again after the lost race, the write names a provider that no longer exists.
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    const left = await h.db.reader.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM consumers WHERE uuid = '${u(200)}'`);
    expect(Number(left[0].n)).toBe(0);
  });
});
