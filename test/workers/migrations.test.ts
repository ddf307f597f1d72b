/**
 * Migrations applied from inside workerd: a Worker imports an app's migrations folder (its
 * `index.ts`, written by makemigrations) and runs `migrate()` on `neon-http` and `neon-ws`. Nothing
 * reads files or loads drizzle-kit at apply time, so the bundle holds only the migration modules.
 */
import { describe, expect, inject, it } from 'vitest';
import { connect } from 'djazzle';
import { migrate, showMigrations } from 'djazzle/migrations';
import library from '../../examples/library/migrations/index.js';
import { isSkipped } from '../harness/descriptor.js';

const harnesses = inject('djazzleHarness');

for (const driver of ['neon-http', 'neon-ws'] as const) {
  const slot = harnesses[driver];
  if (isSkipped(slot)) {
    describe.skip(`bundled migrations on ${driver} in workerd (skipped: ${slot?.skip ?? 'no harness'})`, () => {
      it('needs its harness', () => undefined);
    });
    continue;
  }
  describe(`bundled migrations on ${driver} in workerd`, () => {
    it('applies, lists and unapplies the migrations of an imported folder index', async () => {
      const db = await connect(slot.url, { driver, alias: `worker-migrations-${driver}` });
      try {
        const result = await migrate({ connection: db, migrations: [library], signals: false });
        expect(result.done).toEqual(library.map((m) => `library.${m.name}`));
        const statuses = await showMigrations({ connection: db, migrations: [library] });
        expect(statuses.every((s) => s.applied instanceof Date)).toBe(true);
        const tables = await db.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'library_%' ORDER BY 1");
        expect(tables.map((t) => t['table_name'])).toContain('library_book_tags');
        await migrate({ connection: db, migrations: [library], app: 'library', target: 'zero', signals: false });
        expect(await db.execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'library_%'")).toEqual([]);
      } finally {
        await db.close();
      }
    });
  });
}
