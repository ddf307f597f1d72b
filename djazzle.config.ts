/**
 * Settings of this repository's example project (the library app): `node bin/djazzle.mjs migrate`,
 * then `node bin/djazzle.mjs runserver` serves examples/library/app.ts on http://127.0.0.1:8000/
 * against the embedded database in ./.djazzle/db (or DATABASE_URL).
 */
import { defineApp, defineConfig } from 'djazzle';
import { contenttypesApp } from 'djazzle/contenttypes';
import { signalEvents } from 'djazzle/signals';
import { library } from './examples/library/models.js';

/** The durable signal subscriber's event table (subscribers.ts), owned by an app so that it is migrated. */
const durableSignals = defineApp('djazzle_signals', { models: [], tables: [signalEvents] });

export default defineConfig({
  installedApps: [contenttypesApp, durableSignals, library],
  migrationModules: {
    contenttypes: './examples/migrations/contenttypes',
    djazzle_signals: './examples/migrations/djazzle_signals',
    library: './examples/library/migrations',
  },
  server: { app: './examples/library/app.ts' },
});
