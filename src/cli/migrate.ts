// `npm run db:migrate`: applies pending migrations to DATABASE_URL (the server also does this on start).
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { applyMigrations } from '../db/migrator.ts';
import { DEFAULT_DATABASE_URL, sqlitePath } from '../db/client.ts';

const file = sqlitePath(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
const applied = await applyMigrations(new PrismaBetterSqlite3({ url: `file:${file}` }));
console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
