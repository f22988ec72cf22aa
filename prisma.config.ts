// Prisma CLI configuration (used by `prisma generate`). Migrations are not run through the
// CLI: see src/db/migrator.ts, which drives Prisma's wasm schema engine through the adapter.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
