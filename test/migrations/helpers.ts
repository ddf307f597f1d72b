/** Hand-written migrations shared by the migration tests (the same ones on every driver). */
import { CreateModel, defineMigration, RenameField, RunCode, RunSQL, type Migration } from 'djazzle/migrations';

/** `fail.0001` and `fail.0002` apply; `fail.0003` fails at its second statement. */
export function failingHistory(prefix: string): { good: Migration[]; bad: Migration } {
  const t = (name: string) => `${prefix}_${name}`;
  const first = defineMigration({
    app: 'fail',
    name: '0001_initial',
    dependencies: [],
    operations: [RunSQL({ sql: [`CREATE TABLE ${t('a')} (id integer PRIMARY KEY)`], reverseSql: [`DROP TABLE ${t('a')}`] })],
  });
  const second = defineMigration({
    app: 'fail',
    name: '0002_b',
    dependencies: [['fail', '0001_initial']],
    operations: [
      RunSQL({ sql: [`CREATE TABLE ${t('b')} (id integer PRIMARY KEY)`, `INSERT INTO ${t('a')} VALUES (1)`], reverseSql: [`DELETE FROM ${t('a')}`, `DROP TABLE ${t('b')}`] }),
    ],
  });
  const bad = defineMigration({
    app: 'fail',
    name: '0003_bad',
    dependencies: [['fail', '0002_b']],
    operations: [
      RunSQL({ sql: [`ALTER TABLE ${t('a')} ADD COLUMN note text`, `INSERT INTO ${t('missing')} VALUES (1)`, `INSERT INTO ${t('a')} VALUES (2, 'x')`], reverseSql: [] }),
    ],
  });
  return { good: [first, second], bad };
}

const column = (name: string, type: string, extra: { primaryKey?: boolean; notNull?: boolean } = {}) => ({
  name,
  type,
  primaryKey: extra.primaryKey ?? false,
  notNull: extra.notNull ?? extra.primaryKey ?? false,
});

const table = (name: string, columns: ReturnType<typeof column>[], foreignKeys: Record<string, unknown> = {}) => ({
  name,
  schema: '',
  columns: Object.fromEntries(columns.map((c) => [c.name, c])),
  indexes: {},
  foreignKeys: foreignKeys as never,
  compositePrimaryKeys: {},
  uniqueConstraints: {},
  checkConstraints: {},
});

/**
 * `hist`: a person (`fullName`, later renamed `name`) and their pets; `0002` is a data migration
 * that uses the historical models (`fullName` exists only there).
 */
export function historicalHistory(prefix: string, seen: { fields?: string[]; pets?: number }): Migration[] {
  const person = `${prefix}_person`;
  const pet = `${prefix}_pet`;
  return [
    defineMigration({
      app: 'hist',
      name: '0001_initial',
      dependencies: [],
      operations: [
        CreateModel({
          name: 'Person',
          fields: { id: 'id', fullName: 'full_name' },
          table: table(person, [column('id', 'serial', { primaryKey: true }), column('full_name', 'varchar(50)', { notNull: true })]),
          sql: [`CREATE TABLE "${person}" ("id" serial PRIMARY KEY NOT NULL, "full_name" varchar(50) NOT NULL)`],
          reverseSql: [`DROP TABLE "${person}"`],
        }),
        CreateModel({
          name: 'Pet',
          fields: { id: 'id', ownerId: 'owner_id' },
          table: table(pet, [column('id', 'serial', { primaryKey: true }), column('owner_id', 'integer', { notNull: true })], {
            [`${pet}_owner_fk`]: { name: `${pet}_owner_fk`, tableFrom: pet, tableTo: person, columnsFrom: ['owner_id'], columnsTo: ['id'], onDelete: 'no action', onUpdate: 'no action' },
          }),
          sql: [`CREATE TABLE "${pet}" ("id" serial PRIMARY KEY NOT NULL, "owner_id" integer NOT NULL REFERENCES "${person}" ("id") DEFERRABLE INITIALLY DEFERRED)`],
          reverseSql: [`DROP TABLE "${pet}"`],
        }),
      ],
    }),
    defineMigration({
      app: 'hist',
      name: '0002_people',
      dependencies: [['hist', '0001_initial']],
      operations: [
        RunCode(
          async (apps) => {
            const Person = apps.getModel('hist', 'Person');
            const Pet = apps.getModel('hist.pet');
            seen.fields = Person._meta.concreteFields.map((f: { name: string }) => f.name);
            const ada = await Person.objects.create({ fullName: 'Ada' });
            await Pet.objects.create({ owner: ada });
            await Pet.objects.create({ ownerId: ada.id });
            seen.pets = await Pet.objects.filter({ owner__fullName: 'Ada' }).count();
          },
          async (apps) => {
            await apps.getModel('hist', 'Pet').objects.all().delete();
            await apps.getModel('hist', 'Person').objects.all().delete();
          },
        ),
      ],
    }),
    defineMigration({
      app: 'hist',
      name: '0003_rename',
      dependencies: [['hist', '0002_people']],
      operations: [
        RenameField({
          model: 'Person',
          oldName: 'fullName',
          newName: 'name',
          column: 'name',
          sql: [`ALTER TABLE "${person}" RENAME COLUMN "full_name" TO "name"`],
          reverseSql: [`ALTER TABLE "${person}" RENAME COLUMN "name" TO "full_name"`],
        }),
      ],
    }),
  ];
}
