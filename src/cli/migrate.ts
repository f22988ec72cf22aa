// `npm run db:migrate`: applies pending migrations to DATABASE_URL, SQLite or PostgreSQL. The server
// runs it as a child process on start (src/server.ts): the schema engine it loads is then freed
// with the child instead of staying in the server's memory.
import { migrateDatabase } from '../db/client.ts';

try {
  const applied = await migrateDatabase();
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
} catch (err) {
  console.error(`Migration failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
