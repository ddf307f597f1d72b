/**
 * Migration operations, Django's `django.db.migrations.operations`. Each is a plain object that
 * says how it changes the project state (`applyOperation`) and carries the SQL it runs forwards
 * (`sql`) and backwards (`reverseSql`, `null` when it cannot be undone). `makemigrations` writes
 * them with the SQL that drizzle-kit generated; a migration module therefore needs neither the kit
 * nor the file system when it is applied, and can be bundled into a Worker.
 *
 * ```ts
 * AddField({ model: 'Article', name: 'subtitle', column: { name: 'subtitle', type: 'varchar(100)', primaryKey: false, notNull: false },
 *   sql: ['ALTER TABLE "news_article" ADD COLUMN "subtitle" varchar(100);'],
 *   reverseSql: ['ALTER TABLE "news_article" DROP COLUMN "subtitle";'] })
 * // migrations.AddField(model_name='article', name='subtitle', field=models.CharField(max_length=100, null=True))
 * RunSQL({ sql: "UPDATE news_article SET subtitle = ''", reverseSql: [] })
 * RunCode(async (apps) => { const Article = apps.getModel('news', 'Article'); … })   // migrations.RunPython(forwards)
 * ```
 */
import type { HistoricalApps } from './historical.js';
import type { Connection } from '../db/connection.js';
import type { AppState, ConstraintKind, KitColumn, KitConstraint, KitEnum, KitIndex, KitTable } from './types.js';

/** SQL of an operation: statements run in order; `null` reverse SQL makes the operation irreversible. */
interface WithSql {
  sql: string[];
  reverseSql: string[] | null;
}

export interface CreateModelOperation extends WithSql {
  readonly type: 'CreateModel';
  name: string;
  /** Drizzle key → SQL column. */
  fields: Record<string, string>;
  table: KitTable;
}
export interface DeleteModelOperation extends WithSql {
  readonly type: 'DeleteModel';
  name: string;
}
export interface RenameModelOperation extends WithSql {
  readonly type: 'RenameModel';
  oldName: string;
  newName: string;
}
export interface AlterModelTableOperation extends WithSql {
  readonly type: 'AlterModelTable';
  name: string;
  /** The new SQL table name. */
  table: string;
}
export interface AddFieldOperation extends WithSql {
  readonly type: 'AddField';
  model: string;
  name: string;
  column: KitColumn;
}
export interface RemoveFieldOperation extends WithSql {
  readonly type: 'RemoveField';
  model: string;
  name: string;
}
export interface AlterFieldOperation extends WithSql {
  readonly type: 'AlterField';
  model: string;
  name: string;
  column: KitColumn;
}
export interface RenameFieldOperation extends WithSql {
  readonly type: 'RenameField';
  model: string;
  oldName: string;
  newName: string;
  /** The new SQL column, when the column is renamed too. */
  column?: string;
}
export interface AddIndexOperation extends WithSql {
  readonly type: 'AddIndex';
  model: string;
  index: KitIndex;
}
export interface RemoveIndexOperation extends WithSql {
  readonly type: 'RemoveIndex';
  model: string;
  name: string;
}
export interface AddConstraintOperation extends WithSql {
  readonly type: 'AddConstraint';
  model: string;
  kind: ConstraintKind;
  constraint: KitConstraint;
}
export interface RemoveConstraintOperation extends WithSql {
  readonly type: 'RemoveConstraint';
  model: string;
  kind: ConstraintKind;
  name: string;
}
export interface CreateEnumOperation extends WithSql {
  readonly type: 'CreateEnum';
  enum: KitEnum;
}
export interface DeleteEnumOperation extends WithSql {
  readonly type: 'DeleteEnum';
  name: string;
  schema: string;
}
export interface AlterEnumOperation extends WithSql {
  readonly type: 'AlterEnum';
  enum: KitEnum;
}
export interface RunSQLOperation extends WithSql {
  readonly type: 'RunSQL';
  /** Operations that say how the SQL changed the state (Django's `state_operations`). */
  stateOperations: Operation[];
  description?: string;
}

/** What a `RunCode` function gets besides the historical models. */
export interface RunCodeContext {
  /** The connection the migration runs on (inside its transaction, where the driver has them). */
  connection: Connection;
  /** Its alias (Django's `schema_editor.connection.alias`). */
  using: string;
}

export type RunCodeFunction = (apps: HistoricalApps, context: RunCodeContext) => unknown;

export interface RunCodeOperation {
  readonly type: 'RunCode';
  code: RunCodeFunction;
  reverseCode: RunCodeFunction | null;
  description?: string;
}

export type SchemaOperation =
  | CreateModelOperation | DeleteModelOperation | RenameModelOperation | AlterModelTableOperation
  | AddFieldOperation | RemoveFieldOperation | AlterFieldOperation | RenameFieldOperation
  | AddIndexOperation | RemoveIndexOperation | AddConstraintOperation | RemoveConstraintOperation
  | CreateEnumOperation | DeleteEnumOperation | AlterEnumOperation;

export type Operation = SchemaOperation | RunSQLOperation | RunCodeOperation;

type Input<T extends { type: string }> = Omit<T, 'type' | 'sql' | 'reverseSql'> & Partial<WithSql>;

function make<T extends { type: string }>(type: T['type'], input: object): T {
  const { sql = [], reverseSql = [], ...rest } = input as Partial<WithSql>;
  return { type, ...rest, sql: [...sql], reverseSql: reverseSql === null ? null : [...reverseSql] } as unknown as T;
}

/** Django: `migrations.CreateModel(name, fields)`. */
export const CreateModel = (input: Input<CreateModelOperation>): CreateModelOperation => make('CreateModel', input);
/** Django: `migrations.DeleteModel(name)`. */
export const DeleteModel = (input: Input<DeleteModelOperation>): DeleteModelOperation => make('DeleteModel', input);
/** Django: `migrations.RenameModel(old_name, new_name)` (the table is renamed by `AlterModelTable`). */
export const RenameModel = (input: Input<RenameModelOperation>): RenameModelOperation => make('RenameModel', input);
/** Django: `migrations.AlterModelTable(name, table)`. */
export const AlterModelTable = (input: Input<AlterModelTableOperation>): AlterModelTableOperation => make('AlterModelTable', input);
/** Django: `migrations.AddField(model_name, name, field)`. */
export const AddField = (input: Input<AddFieldOperation>): AddFieldOperation => make('AddField', input);
/** Django: `migrations.RemoveField(model_name, name)`. */
export const RemoveField = (input: Input<RemoveFieldOperation>): RemoveFieldOperation => make('RemoveField', input);
/** Django: `migrations.AlterField(model_name, name, field)`. */
export const AlterField = (input: Input<AlterFieldOperation>): AlterFieldOperation => make('AlterField', input);
/** Django: `migrations.RenameField(model_name, old_name, new_name)`; `column` renames the SQL column too. */
export const RenameField = (input: Input<RenameFieldOperation>): RenameFieldOperation => make('RenameField', input);
/** Django: `migrations.AddIndex(model_name, index)`. */
export const AddIndex = (input: Input<AddIndexOperation>): AddIndexOperation => make('AddIndex', input);
/** Django: `migrations.RemoveIndex(model_name, name)`. */
export const RemoveIndex = (input: Input<RemoveIndexOperation>): RemoveIndexOperation => make('RemoveIndex', input);
/** Django: `migrations.AddConstraint(model_name, constraint)` (foreign keys and composite primary keys too). */
export const AddConstraint = (input: Input<AddConstraintOperation>): AddConstraintOperation => make('AddConstraint', input);
/** Django: `migrations.RemoveConstraint(model_name, name)`. */
export const RemoveConstraint = (input: Input<RemoveConstraintOperation>): RemoveConstraintOperation => make('RemoveConstraint', input);
/** `CREATE TYPE … AS ENUM` for a `pgEnum` (no Django counterpart). */
export const CreateEnum = (input: Input<CreateEnumOperation>): CreateEnumOperation => make('CreateEnum', input);
export const DeleteEnum = (input: Input<DeleteEnumOperation>): DeleteEnumOperation => make('DeleteEnum', input);
export const AlterEnum = (input: Input<AlterEnumOperation>): AlterEnumOperation => make('AlterEnum', input);

/**
 * Django: `migrations.RunSQL(sql, reverse_sql, state_operations)`. Without `reverseSql` the
 * operation is irreversible; `reverseSql: []` makes going backwards a no-op (`RunSQL.noop`).
 */
export function RunSQL(input: { sql: string | readonly string[]; reverseSql?: string | readonly string[] | null; stateOperations?: Operation[]; description?: string } | string): RunSQLOperation {
  const given = typeof input === 'string' ? { sql: input } : input;
  const list = (value: string | readonly string[]) => (typeof value === 'string' ? [value] : [...value]);
  return {
    type: 'RunSQL',
    sql: list(given.sql),
    reverseSql: given.reverseSql === undefined || given.reverseSql === null ? null : list(given.reverseSql),
    stateOperations: given.stateOperations ?? [],
    ...(given.description ? { description: given.description } : {}),
  };
}

/**
 * Django: `migrations.RunPython(code, reverse_code)`: a data migration. `code(apps, { connection })`
 * gets the models as they are at this point of the history (`apps.getModel('news', 'Article')`).
 * Without `reverseCode` the operation is irreversible; pass `RunCode.noop` to allow going back.
 */
export const RunCode = Object.assign(
  function RunCode(code: RunCodeFunction, reverseCode?: RunCodeFunction | null, options: { description?: string } = {}): RunCodeOperation {
    return { type: 'RunCode', code, reverseCode: reverseCode ?? null, ...(options.description ? { description: options.description } : {}) };
  },
  { noop: (() => undefined) as RunCodeFunction },
);

const lower = (name: string) => name.toLowerCase();
/** `pubDate` → `pub_date`, for migration names. */
export const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9_]+/g, '_').toLowerCase();

/** Django's `Operation.describe()`. */
export function describeOperation(op: Operation): string {
  switch (op.type) {
    case 'CreateModel': return `Create model ${op.name}`;
    case 'DeleteModel': return `Delete model ${op.name}`;
    case 'RenameModel': return `Rename model ${op.oldName} to ${op.newName}`;
    case 'AlterModelTable': return `Rename table for ${op.name} to ${op.table}`;
    case 'AddField': return `Add field ${op.name} to ${lower(op.model)}`;
    case 'RemoveField': return `Remove field ${op.name} from ${lower(op.model)}`;
    case 'AlterField': return `Alter field ${op.name} on ${lower(op.model)}`;
    case 'RenameField':
      return op.oldName === op.newName
        ? `Rename column of field ${op.oldName} on ${lower(op.model)} to ${op.column ?? op.oldName}`
        : `Rename field ${op.oldName} on ${lower(op.model)} to ${op.newName}`;
    case 'AddIndex': return `Create index ${op.index.name} on field(s) ${op.index.columns.map((c) => c.expression).join(', ')} of model ${lower(op.model)}`;
    case 'RemoveIndex': return `Remove index ${op.name} from ${lower(op.model)}`;
    case 'AddConstraint': return `Create constraint ${op.constraint.name} on model ${lower(op.model)}`;
    case 'RemoveConstraint': return `Remove constraint ${op.name} from model ${lower(op.model)}`;
    case 'CreateEnum': return `Create enum ${op.enum.name}`;
    case 'DeleteEnum': return `Delete enum ${op.name}`;
    case 'AlterEnum': return `Alter enum ${op.enum.name}`;
    case 'RunSQL': return op.description ?? 'Raw SQL operation';
    case 'RunCode': return op.description ?? 'Raw code operation';
  }
}

/** Django's `Operation.migration_name_fragment`, or `undefined` when it has none. */
export function nameFragment(op: Operation): string | undefined {
  switch (op.type) {
    case 'CreateModel': return lower(op.name);
    case 'DeleteModel': return `delete_${lower(op.name)}`;
    case 'RenameModel': return `rename_${lower(op.oldName)}_${lower(op.newName)}`;
    case 'AlterModelTable': return `alter_${lower(op.name)}_table`;
    case 'AddField': return `${lower(op.model)}_${snake(op.name)}`;
    case 'RemoveField': return `remove_${lower(op.model)}_${snake(op.name)}`;
    case 'AlterField': return `alter_${lower(op.model)}_${snake(op.name)}`;
    case 'RenameField': return `rename_${snake(op.oldName)}_${lower(op.model)}_${snake(op.column && op.oldName === op.newName ? op.column : op.newName)}`;
    case 'AddIndex': return `${lower(op.model)}_${snake(op.index.name)}`;
    case 'RemoveIndex': return `remove_${lower(op.model)}_${snake(op.name)}`;
    case 'AddConstraint': return `${lower(op.model)}_${snake(op.constraint.name)}`;
    case 'RemoveConstraint': return `remove_${lower(op.model)}_${snake(op.name)}`;
    case 'CreateEnum': return snake(op.enum.name);
    case 'DeleteEnum': return `delete_${snake(op.name)}`;
    case 'AlterEnum': return `alter_${snake(op.enum.name)}`;
    default: return undefined;
  }
}

/** Whether `op` changes the database schema through SQL that `makemigrations` generated. */
export function isSchemaOperation(op: Operation): op is SchemaOperation {
  return op.type !== 'RunSQL' && op.type !== 'RunCode';
}

const CONSTRAINT_MAPS: Record<ConstraintKind, keyof Pick<KitTable, 'uniqueConstraints' | 'checkConstraints' | 'foreignKeys' | 'compositePrimaryKeys'>> = {
  unique: 'uniqueConstraints',
  check: 'checkConstraints',
  foreignKey: 'foreignKeys',
  primaryKey: 'compositePrimaryKeys',
};

export function constraintMap(table: KitTable, kind: ConstraintKind): Record<string, KitConstraint> {
  return table[CONSTRAINT_MAPS[kind]] as Record<string, KitConstraint>;
}

function model(state: AppState, name: string, app: string, op: Operation) {
  const table = state.models.get(name);
  if (!table) throw new Error(`${describeOperation(op)}: app '${app}' has no model '${name}' at this point of its migrations.`);
  return table;
}

function columnOf(table: ReturnType<typeof model>, field: string, app: string, op: Operation): string {
  const column = table.fields[field];
  if (column === undefined) throw new Error(`${describeOperation(op)}: ${app}.${table.model} has no field '${field}' at this point of its migrations.`);
  return column;
}

/** Renames column `from` to `to` everywhere `table`'s snapshot (and the app's foreign keys to it) mention it. */
function renameColumn(state: AppState, table: KitTable, from: string, to: string): void {
  const replace = (columns: string[]) => columns.map((c) => (c === from ? to : c));
  const renamed: KitTable['columns'] = {};
  for (const [key, column] of Object.entries(table.columns)) {
    if (key === from) renamed[to] = { ...column, name: to };
    else renamed[key] = column;
  }
  table.columns = renamed;
  for (const unique of Object.values(table.uniqueConstraints)) unique.columns = replace(unique.columns);
  for (const pk of Object.values(table.compositePrimaryKeys)) pk.columns = replace(pk.columns);
  for (const index of Object.values(table.indexes)) {
    for (const column of index.columns) if (!column.isExpression && column.expression === from) column.expression = to;
  }
  for (const fk of Object.values(table.foreignKeys)) fk.columnsFrom = replace(fk.columnsFrom);
  for (const other of state.models.values()) {
    for (const fk of Object.values(other.table.foreignKeys)) if (fk.tableTo === table.name) fk.columnsTo = replace(fk.columnsTo);
  }
}

/** Drops what PostgreSQL drops with a column: indexes, unique, primary and foreign keys naming it. */
function dropColumn(table: KitTable, column: string): void {
  delete table.columns[column];
  for (const [name, unique] of Object.entries(table.uniqueConstraints)) if (unique.columns.includes(column)) delete table.uniqueConstraints[name];
  for (const [name, pk] of Object.entries(table.compositePrimaryKeys)) if (pk.columns.includes(column)) delete table.compositePrimaryKeys[name];
  for (const [name, fk] of Object.entries(table.foreignKeys)) if (fk.columnsFrom.includes(column)) delete table.foreignKeys[name];
  for (const [name, index] of Object.entries(table.indexes)) {
    if (index.columns.some((c) => !c.isExpression && c.expression === column)) delete table.indexes[name];
  }
}

/** Django's `Operation.state_forwards`: applies `op` to `state` (in place). */
export function applyOperation(state: AppState, op: Operation, app: string): void {
  switch (op.type) {
    case 'CreateModel':
      if (state.models.has(op.name)) throw new Error(`${describeOperation(op)}: app '${app}' already has a model '${op.name}'.`);
      state.models.set(op.name, { model: op.name, fields: { ...op.fields }, table: structuredClone(op.table) });
      return;
    case 'DeleteModel':
      model(state, op.name, app, op);
      state.models.delete(op.name);
      return;
    case 'RenameModel': {
      const table = model(state, op.oldName, app, op);
      state.models.delete(op.oldName);
      table.model = op.newName;
      state.models.set(op.newName, table);
      return;
    }
    case 'AlterModelTable': {
      const table = model(state, op.name, app, op);
      const old = table.table.name;
      table.table.name = op.table;
      for (const other of state.models.values()) {
        for (const fk of Object.values(other.table.foreignKeys)) {
          if (fk.tableFrom === old && other === table) fk.tableFrom = op.table;
          if (fk.tableTo === old) fk.tableTo = op.table;
        }
      }
      return;
    }
    case 'AddField': {
      const table = model(state, op.model, app, op);
      table.table.columns[op.column.name] = structuredClone(op.column);
      table.fields[op.name] = op.column.name;
      return;
    }
    case 'RemoveField': {
      const table = model(state, op.model, app, op);
      const column = columnOf(table, op.name, app, op);
      dropColumn(table.table, column);
      delete table.fields[op.name];
      return;
    }
    case 'AlterField': {
      const table = model(state, op.model, app, op);
      const column = columnOf(table, op.name, app, op);
      if (column !== op.column.name) throw new Error(`${describeOperation(op)}: AlterField cannot rename the column '${column}' (use RenameField with a column).`);
      table.table.columns[column] = structuredClone(op.column);
      return;
    }
    case 'RenameField': {
      const table = model(state, op.model, app, op);
      const column = columnOf(table, op.oldName, app, op);
      const fields: Record<string, string> = {};
      for (const [key, value] of Object.entries(table.fields)) fields[key === op.oldName ? op.newName : key] = value;
      table.fields = fields;
      if (op.column && op.column !== column) {
        renameColumn(state, table.table, column, op.column);
        table.fields[op.newName] = op.column;
      }
      return;
    }
    case 'AddIndex':
      model(state, op.model, app, op).table.indexes[op.index.name] = structuredClone(op.index);
      return;
    case 'RemoveIndex':
      delete model(state, op.model, app, op).table.indexes[op.name];
      return;
    case 'AddConstraint':
      constraintMap(model(state, op.model, app, op).table, op.kind)[op.constraint.name] = structuredClone(op.constraint);
      return;
    case 'RemoveConstraint':
      delete constraintMap(model(state, op.model, app, op).table, op.kind)[op.name];
      return;
    case 'CreateEnum':
    case 'AlterEnum':
      state.enums.set(`${op.enum.schema || 'public'}.${op.enum.name}`, structuredClone(op.enum));
      return;
    case 'DeleteEnum':
      state.enums.delete(`${op.schema || 'public'}.${op.name}`);
      return;
    case 'RunSQL':
      for (const inner of op.stateOperations) applyOperation(state, inner, app);
      return;
    case 'RunCode':
      return;
  }
}
