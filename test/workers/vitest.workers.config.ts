/**
 * The workerd test project: the shared suite inside the real Workers runtime (vitest-pool-workers),
 * for the drivers that run there (`neon-ws`, `neon-http`, `pg`). The database stand-ins run on the
 * Node side (`global-setup.ts`) and reach the tests through `inject('djazzleHarness')`; inside
 * workerd, `djazzle` resolves through the `workerd` export condition to the Worker entry (no PGlite).
 *
 * Run: `npm run test:workers`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// Resolved from pg's own folder, where node-postgres finds them.
const fromPg = createRequire(createRequire(import.meta.url).resolve('pg'));

export default defineConfig({
  root: here('../..'),
  plugins: [cloudflareTest({ wrangler: { configPath: here('./wrangler.toml') } })],
  resolve: {
    // node-postgres' CommonJS files `require()` pg-protocol and pg-cloudflare; the pool's module
    // loader resolves those through their ESM entries and fails ("Cannot use import statement
    // outside a module", brianc/node-postgres#3700). Point both at their CommonJS builds. Only
    // the test loader needs this: wrangler's bundler resolves them correctly.
    alias: [
      { find: /^pg-protocol$/, replacement: fromPg.resolve('pg-protocol') },
      { find: /^pg-cloudflare$/, replacement: join(dirname(fromPg.resolve('pg-cloudflare/package.json')), 'dist/index.js') },
    ],
  },
  test: {
    name: 'workerd',
    include: ['test/workers/**/*.test.ts'],
    globalSetup: [here('./global-setup.ts'), here('./worker-setup.ts')],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
