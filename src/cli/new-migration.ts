// `npm run db:migration -- NAME`: writes prisma/migrations/<timestamp>_NAME/migration.sql with the
// difference between prisma/schema.prisma and the existing migrations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { createMigration } from '../db/migrator.ts';

const name = process.argv[2];
if (!name || !/^[A-Za-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration -- NAME   (letters, digits and _)');
  process.exit(2);
}
const scratch = mkdtempSync(path.join(tmpdir(), 'placement-migration-'));
try {
  const created = await createMigration(new PrismaBetterSqlite3({ url: `file:${path.join(scratch, 'scratch.db')}` }), name);
  console.log(created ? `Created prisma/migrations/${created}/migration.sql` : 'No changes: prisma/schema.prisma matches the migrations.');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
