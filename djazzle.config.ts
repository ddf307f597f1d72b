/**
 * Settings of this repository's example project (the library app): `npx djazzle migrate`, then
 * `npx djazzle runserver` serves examples/library/app.ts on http://127.0.0.1:8000/ against the
 * embedded database in ./.djazzle/db (or DATABASE_URL).
 */
import { defineConfig } from 'djazzle';
import { library } from './examples/library/models.js';

export default defineConfig({
  installedApps: [library],
  migrationModules: { library: './examples/library/migrations' },
  server: { app: './examples/library/app.ts' },
});
