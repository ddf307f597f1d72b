/**
 * Migrations applied from inside workerd: the migration modules are bundled into the Worker (they
 * are imported, as a Worker imports an app's migrations folder index) and `migrate()` runs on
 * `neon-http` and `neon-ws`. Nothing reads files or loads drizzle-kit at apply time. The data
 * migration (RunCode) uses historical models in workerd; the failing one stops with its statement.
 */
import { describe, expect, inject, it } from 'vitest';
import { connect } from 'djazzle';
import { migrate, MigrationError, showMigrations } from 'djazzle/migrations';
import { isSkipped } from '../harness/descriptor.js';
import { failingHistory, historicalHistory } from '../migrations/helpers.js';

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
    it('applies, lists and unapplies bundled migrations, data migrations included, and stops at a failing one', async () => {
      const db = await connect(slot.url, { driver, alias: `worker-migrations-${driver}` });
      const prefix = `wk${driver.replace('-', '')}`;
      const seen: { fields?: string[]; pets?: number } = {};
      const history = historicalHistory(prefix, seen);
      const { good, bad } = failingHistory(`${prefix}f`);
      try {
        const result = await migrate({ connection: db, migrations: [history, good], signals: false });
        expect(result.done).toEqual(['fail.0001_initial', 'fail.0002_b', 'hist.0001_initial', 'hist.0002_people', 'hist.0003_rename']);
        expect(seen).toEqual({ fields: ['id', 'fullName'], pets: 2 });
        const failure = await migrate({ connection: db, migrations: [history, good, bad], signals: false }).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(MigrationError);
        expect(failure).toMatchObject({ migration: '0003_bad', statement: `INSERT INTO ${prefix}f_missing VALUES (1)` });
        const statuses = await showMigrations({ connection: db, migrations: [history, good, bad] });
        expect(statuses.filter((s) => s.applied === null).map((s) => s.name)).toEqual(['0003_bad']);
        await migrate({ connection: db, migrations: [history, good], app: 'hist', target: 'zero', signals: false });
        await migrate({ connection: db, migrations: [history, good], app: 'fail', target: 'zero', signals: false });
        expect(await db.execute(`SELECT table_name FROM information_schema.tables WHERE table_name LIKE '${prefix}%'`)).toEqual([]);
      } finally {
        await db.execute("DELETE FROM django_migrations WHERE app IN ('hist', 'fail')").catch(() => undefined);
        await db.close();
      }
    });
  });
}
