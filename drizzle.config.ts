import { defineConfig } from 'drizzle-kit';

// Generation needs no database: it diffs src/db/schema.ts against the snapshots in drizzle/meta.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
