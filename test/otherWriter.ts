// Another replica's writer, played by a PostgreSQL session of the test's own: it holds a provider's
// row lock (as a claim does) until the test lets it write and commit, so tests can put a request of
// the app exactly behind it.
import pg from 'pg';
import { LOG_LOCK_SQL } from '../src/db/changeLog.ts';

export async function otherWriter(schema: string, providerUuid: string) {
  const other = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL, options: `-c search_path=${schema}` });
  await other.connect();
  const [{ pid }] = (await other.query('SELECT pg_backend_pid() AS pid')).rows;
  await other.query('BEGIN');
  await other.query('SELECT id FROM resource_providers WHERE uuid = $1 FOR UPDATE', [providerUuid]);
  return {
    query: (sql: string, params?: unknown[]) => other.query(sql, params),
    /** Resolves once some session waits for this one's locks. */
    async waitedFor(): Promise<void> {
      for (let i = 0; ; i++) {
        const { rows } = await other.query('SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid]);
        if (rows[0].n > 0) return;
        if (i > 500) throw new Error('nobody waited for the other writer');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    /** A consumer holding `amount` VCPU on the provider, as a claim writes it. */
    async allocate(consumerUuid: string, amount = 1): Promise<void> {
      await other.query(`INSERT INTO projects (external_id) VALUES ('other') ON CONFLICT DO NOTHING`);
      await other.query(`INSERT INTO users (external_id) VALUES ('other') ON CONFLICT DO NOTHING`);
      await other.query(
        `INSERT INTO consumers (uuid, project_id, user_id, generation)
        VALUES ($1, (SELECT id FROM projects WHERE external_id = 'other'), (SELECT id FROM users WHERE external_id = 'other'), 1)`,
        [consumerUuid],
      );
      await other.query(
        `INSERT INTO allocations (resource_provider_id, consumer_id, resource_class_id, used)
        VALUES ((SELECT id FROM resource_providers WHERE uuid = $1), (SELECT id FROM consumers WHERE uuid = $2), (SELECT id FROM resource_classes WHERE name = 'VCPU'), $3)`,
        [providerUuid, consumerUuid, amount],
      );
    },
    /** Logs what it changed, as every writer does in the same transaction, commits and disconnects. */
    async commit(providers: 'provider' | 'none' = 'provider'): Promise<void> {
      await other.query(LOG_LOCK_SQL);
      if (providers === 'provider') await other.query(`INSERT INTO change_log (providers, names) SELECT id::text, false FROM resource_providers WHERE uuid = $1`, [providerUuid]);
      else await other.query(`INSERT INTO change_log (providers, names) VALUES ('', false)`);
      await other.query('COMMIT');
      await other.end();
    },
  };
}
