/**
 * The forward fields of a model, built from its Drizzle table: column fields, relation fields for
 * the relation specs of `fields`, and foreign keys inferred from `.references()`. Relations stay
 * pending (their target unresolved) until the registry is ready (see resolve.ts).
 */
import { getTableColumns, getTableName, is, SQL } from 'drizzle-orm';
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { ImproperlyConfigured } from '../core/errors.js';
import { columnField } from './column-fields.js';
import { type AnyModelClass, Field, type FieldOptions } from './field.js';
import { onDeleteFromReference } from './on-delete.js';
import type { ModelSpec } from './options.js';
import { apps } from './registry.js';
import { isRelationSpec, type RelationSpec } from './relations.js';
import { isVirtualFieldSpec } from './virtual.js';

/** Column fields from the table, with relation specs and `.references()` turned into relation fields. */
export function buildForwardFields(model: AnyModelClass, spec: ModelSpec): Field[] {
  const columns = getTableColumns(spec.table) as Record<string, PgColumn>;
  const columnKeyByName = new Map(Object.entries(columns).map(([key, column]) => [column.name, key]));
  const relationByColumnKey = new Map<string, [string, RelationSpec]>();
  const m2m: Array<[string, RelationSpec]> = [];
  const tableName = getTableName(spec.table);
  for (const [name, value] of Object.entries(spec.fields)) {
    if (isVirtualFieldSpec(value)) continue; // contributes itself once the model is prepared
    if (!isRelationSpec(value)) {
      if (!(name in columns)) throw new ImproperlyConfigured(`Model on table '${tableName}' (app '${spec.app}'): fields.${name} names no column of the table. Columns are: ${Object.keys(columns).join(', ')}.`);
      continue;
    }
    if (value.kind === 'manyToMany') {
      m2m.push([name, value]);
      continue;
    }
    const key = (value.options as { column?: string }).column ?? `${name}Id`;
    if (!(key in columns)) {
      throw new ImproperlyConfigured(
        `Model on table '${tableName}' (app '${spec.app}'): the relation '${name}' needs the column '${key}' in the Drizzle table (or set { column }). Columns are: ${Object.keys(columns).join(', ')}.`,
      );
    }
    relationByColumnKey.set(key, [name, value]);
  }
  const inferred = new Map<string, { table: PgTable; column: string; onDelete: string | undefined }>();
  for (const fk of getTableConfig(spec.table).foreignKeys) {
    const reference = fk.reference();
    if (reference.columns.length !== 1) continue;
    const key = columnKeyByName.get(reference.columns[0]!.name);
    if (key && !relationByColumnKey.has(key)) inferred.set(key, { table: reference.foreignTable, column: reference.foreignColumns[0]!.name, onDelete: fk.onDelete });
  }
  const fields: Field[] = [];
  for (const [key, column] of Object.entries(columns)) {
    const relation = relationByColumnKey.get(key);
    const reference = inferred.get(key);
    if (relation) fields.push(relationField(model, spec, relation[0], relation[1], key, column));
    else if (reference) {
      const name = /Id$/.test(key) ? key.slice(0, -2) : /_id$/.test(key) ? key.slice(0, -3) : `${key}Ref`;
      const targetTable = reference.table;
      const to = () => apps.modelForTable(targetTable) ?? `<table ${getTableName(targetTable)}>`;
      const targetColumn = reference.column;
      const relSpec: RelationSpec = {
        kind: 'foreignKey',
        to,
        options: { onDelete: onDeleteFromReference(reference.onDelete), toFieldColumn: targetColumn } as never,
      };
      fields.push(relationField(model, spec, name, relSpec, key, column));
    } else fields.push(columnField(model, key, column, spec.fields[key] as FieldOptions | undefined));
  }
  for (const [name, relation] of m2m) fields.push(relationField(model, spec, name, relation, undefined, undefined));
  return fields;
}

/** Spec of a relation, kept on its field until the registry resolves the target. */
export interface PendingRelation {
  readonly spec: RelationSpec;
}

export const PENDING = new WeakMap<Field, RelationSpec>();

function relationField(model: AnyModelClass, spec: ModelSpec, name: string, relation: RelationSpec, key: string | undefined, column: PgColumn | undefined): Field {
  const options = relation.options as Record<string, unknown>;
  const relatedName = (options['relatedName'] as string | undefined) ?? undefined;
  const fieldOptions: FieldOptions = {
    verboseName: options['verboseName'] as string | undefined,
    helpText: options['helpText'] as string | undefined,
    blank: (options['blank'] as boolean | undefined) ?? (column ? !column.notNull : undefined),
    editable: options['editable'] as boolean | undefined,
  };
  for (const k of Object.keys(fieldOptions) as (keyof FieldOptions)[]) if (fieldOptions[k] === undefined) delete fieldOptions[k];
  const field = new Field({
    kind: relation.kind,
    name,
    attname: key ?? name,
    column: column?.name ?? null,
    drizzleColumn: column,
    model,
    options: fieldOptions,
    internalType: relation.kind === 'foreignKey' ? 'ForeignKey' : relation.kind === 'oneToOne' ? 'OneToOneField' : 'ManyToManyField',
    null: column ? !column.notNull : false,
    unique: relation.kind === 'oneToOne' || (column?.isUnique ?? false),
    primaryKey: column?.primary ?? false,
    onDelete: options['onDelete'] as never,
    relatedName,
    relatedQueryName: (options['relatedQueryName'] as string | undefined) ?? relatedName ?? spec.meta.defaultRelatedName,
    limitChoicesTo: options['limitChoicesTo'],
    dbDefault: column?.hasDefault ?? false,
  });
  if (relation.kind !== 'manyToMany' && !options['onDelete'] && !options['toFieldColumn']) {
    throw new ImproperlyConfigured(`Model on table '${getTableName(spec.table)}' (app '${spec.app}'): ${relation.kind === 'oneToOne' ? 'OneToOne' : 'ForeignKey'} '${name}' needs an onDelete handler (CASCADE, PROTECT, …).`);
  }
  if (options['dbConstraint'] === false) (field as Field & { dbConstraint?: boolean }).dbConstraint = false;
  PENDING.set(field, relation);
  if (column && (column.defaultFn || (column.default !== undefined && !is(column.default, SQL)))) {
    return withDefault(field, column.defaultFn ?? column.default);
  }
  return field;
}

/** A copy of a relation field carrying the Drizzle column's JavaScript default. */
function withDefault(field: Field, value: unknown): Field {
  const spec = PENDING.get(field);
  const replacement = new Field({
    kind: field.kind, name: field.name, attname: field.attname, column: field.column, drizzleColumn: field.drizzleColumn, model: field.model,
    options: { verboseName: field.verboseName, helpText: field.helpText, blank: field.blank, editable: field.editable, default: value },
    internalType: field.internalType, null: field.null, unique: field.unique, primaryKey: field.primaryKey, onDelete: field.onDelete,
    relatedName: field.relatedName, relatedQueryName: field.relatedQueryNameValue, limitChoicesTo: field.limitChoicesTo, dbDefault: field.dbDefault,
  });
  if ((field as Field & { dbConstraint?: boolean }).dbConstraint === false) (replacement as Field & { dbConstraint?: boolean }).dbConstraint = false;
  if (spec) PENDING.set(replacement, spec);
  return replacement;
}

