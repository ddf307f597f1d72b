/**
 * What `migrate()` must do on every driver: apply in dependency order with the records in
 * `django_migrations`, stop at a failing migration leaving the database at the last applied one,
 * go backwards, and run data migrations with historical models.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'djazzle';
import { makeMigrations, migrate, MigrationError, showMigrations, type Migration } from 'djazzle/migrations';
import { failingHistory, historicalHistory } from './helpers.js';

async function tables(db: Connection, prefix: string): Promise<string[]> {
  const rows = await db.execute(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE '${prefix}%' ORDER BY table_name`);
  return rows.map((r) => String(r['table_name']));
}

export function migrationDriverSuite(label: string, open: () => Promise<Connection>, options: { prefix: string }): void {
  const { prefix } = options;
  describe(`migrate() on ${label}`, () => {
    let db: Connection;
    beforeAll(async () => {
      db = await open();
    });
    afterAll(() => db?.close());

    it('applies two apps whose migrations depend on each other, in order, and records them', async () => {
      {
        const { migrations } = await makeMigrations({ migrations: [], installed: ['miga', 'migb'] });
        const events: string[] = [];
        const result = await migrate({ connection: db, migrations: migrations.map((m) => m.migration), signals: false, onProgress: (e) => e.type === 'success' && events.push(`${e.migration.app}.${e.migration.name}`) });
        expect(result.done).toEqual(['miga.0001_initial', 'migb.0001_initial', 'miga.0002_initial']);
        expect(events).toEqual(result.done);
        expect(await tables(db, 'mig')).toEqual(['miga_author', 'miga_book', 'miga_book_tags', 'miga_tag', 'migb_editor']);
        const recorded = await db.execute('SELECT app, name FROM django_migrations ORDER BY id');
        expect(recorded).toEqual([{ app: 'miga', name: '0001_initial' }, { app: 'migb', name: '0001_initial' }, { app: 'miga', name: '0002_initial' }]);
        // The cross-app foreign keys exist (deferred: checked at commit).
        const fks = await db.execute(`SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable ORDER BY conname`);
        expect(fks.map((r) => r['conname'])).toEqual(expect.arrayContaining(['miga_book_editor_id_migb_editor_id_fk', 'migb_editor_favourite_id_miga_author_id_fk']));
        // Nothing left to do the second time.
        expect((await migrate({ connection: db, migrations: migrations.map((m) => m.migration), signals: false })).done).toEqual([]);
        // Backwards to before the cross-app constraint, then forwards again.
        const back = await migrate({ connection: db, migrations: migrations.map((m) => m.migration), app: 'migb', target: 'zero', signals: false });
        expect(back.done).toEqual(['miga.0002_initial', 'migb.0001_initial']);
        expect(await tables(db, 'migb')).toEqual([]);
      }
    });

    it('stops at a migration that fails half-way: it names the migration, the statement and the error; the database stays at the last applied migration', async () => {
      const { good, bad } = failingHistory(prefix);
      const all: Migration[] = [...good, bad];
      {
        const failure = await migrate({ connection: db, migrations: all, signals: false }).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(MigrationError);
        const error = failure as MigrationError;
        expect(error).toMatchObject({ app: 'fail', migration: '0003_bad', statement: `INSERT INTO ${prefix}_missing VALUES (1)`, operation: 'Raw SQL operation' });
        expect(error.message).toContain('Applying fail.0003_bad failed at statement 2 of 3');
        expect(error.message).toContain(`relation "${prefix}_missing" does not exist`);
        const statuses = await showMigrations({ connection: db, migrations: all });
        expect(statuses.map((s) => [s.name, s.applied !== null])).toEqual([['0001_initial', true], ['0002_b', true], ['0003_bad', false]]);
        expect(await tables(db, prefix)).toEqual([`${prefix}_a`, `${prefix}_b`]);
        const columns = await db.execute(`SELECT column_name FROM information_schema.columns WHERE table_name = '${prefix}_a' ORDER BY column_name`);
        expect(columns).toEqual([{ column_name: 'id' }]); // 0003's first statement was rolled back
        expect(await db.execute(`SELECT id FROM ${prefix}_a`)).toEqual([{ id: 1 }]);
        // Backwards to 0001 and to zero; --fake records without running.
        expect((await migrate({ connection: db, migrations: all, app: 'fail', target: '0001', signals: false })).done).toEqual(['fail.0002_b']);
        expect(await tables(db, prefix)).toEqual([`${prefix}_a`]);
        expect((await migrate({ connection: db, migrations: good, app: 'fail', target: '0002', fake: true, signals: false })).done).toEqual(['fail.0002_b']);
        expect(await tables(db, prefix)).toEqual([`${prefix}_a`]);
        await migrate({ connection: db, migrations: good, app: 'fail', target: '0001', fake: true, signals: false });
        expect((await migrate({ connection: db, migrations: good, app: 'fail', target: 'zero', signals: false })).done).toEqual(['fail.0001_initial']);
        expect(await tables(db, prefix)).toEqual([]);
      }
    });

    it('runs data migrations with the models of that point in history', async () => {
      const seen: { fields?: string[]; pets?: number } = {};
      const history = historicalHistory(`${prefix}h`, seen);
      {
        await migrate({ connection: db, migrations: history, signals: false });
        expect(seen).toEqual({ fields: ['id', 'fullName'], pets: 2 });
        expect(await db.execute(`SELECT name FROM ${prefix}h_person`)).toEqual([{ name: 'Ada' }]);
        await migrate({ connection: db, migrations: history, app: 'hist', target: '0001', signals: false });
        expect(await db.execute(`SELECT count(*)::int AS n FROM ${prefix}h_person`)).toEqual([{ n: 0 }]);
        await migrate({ connection: db, migrations: history, app: 'hist', target: 'zero', signals: false });
      }
    });
  });
}
