/**
 * Historical models (Django's `apps` argument of `RunPython`): models built from the state the
 * migrations describe at one point of the history, not from today's model classes, so a data
 * migration keeps working after the models change.
 *
 * ```ts
 * RunCode(async (apps) => {
 *   const Article = apps.getModel('news', 'Article');        // apps.get_model('news', 'Article')
 *   await Article.objects.filter({ subtitle: null }).update({ subtitle: '' });
 * })
 * ```
 *
 * They are registered under a private app label (`news__historical1`), so they never clash with
 * the real models, and unregistered when the operation is done. Their foreign keys are inferred
 * from the snapshot (`reporter_id` → `reporter`) with `DO_NOTHING`; signals sent for them have the
 * historical class as sender, so receivers connected to the real models do not fire (as in Django).
 */
import { sql } from 'drizzle-orm';
import {
  bigint, bigserial, boolean, char, customType, date, doublePrecision, integer, interval, json, jsonb, numeric, pgTable, real,
  serial, smallint, smallserial, text, time, timestamp, uuid, varchar, type PgColumnBuilderBase, type PgTable,
} from 'drizzle-orm/pg-core';
import { LookupError } from '../core/errors.js';
import type { AnyModelClass } from '../models/field.js';
import { Model } from '../models/model.js';
import { DO_NOTHING } from '../models/on-delete.js';
import { apps as registry } from '../models/registry.js';
import { ForeignKey } from '../models/relations.js';
import type { KitColumn, ProjectState, TableState } from './types.js';

export interface HistoricalApps {
  /** Django: `apps.get_model('news', 'Article')` / `apps.get_model('news.Article')`. */
  getModel(app: string, name?: string): AnyModelClass;
  /** Every historical model. */
  getModels(): AnyModelClass[];
}

let generation = 0;

type Builder = PgColumnBuilderBase & {
  primaryKey(): Builder;
  notNull(): Builder;
  default(value: unknown): Builder;
  generatedByDefaultAsIdentity?: () => Builder;
};

const passthrough = (type: string) => customType<{ data: unknown; driverData: unknown }>({ dataType: () => type });

/** A Drizzle column builder for a snapshot column type (`varchar(100)`, `timestamp with time zone`, …). */
export function columnBuilder(column: KitColumn): Builder {
  const name = column.name;
  const type = column.type;
  let match: RegExpExecArray | null;
  let builder: unknown;
  if (column.typeSchema) builder = passthrough(`"${column.typeSchema}"."${type}"`)(name);
  else if (type === 'serial') builder = serial(name);
  else if (type === 'smallserial') builder = smallserial(name);
  else if (type === 'bigserial') builder = bigserial(name, { mode: 'number' });
  else if (type === 'integer') builder = integer(name);
  else if (type === 'smallint') builder = smallint(name);
  else if (type === 'bigint') builder = bigint(name, { mode: 'number' });
  else if (type === 'boolean') builder = boolean(name);
  else if (type === 'text') builder = text(name);
  else if ((match = /^varchar(?:\((\d+)\))?$/.exec(type))) builder = match[1] ? varchar(name, { length: Number(match[1]) }) : varchar(name);
  else if ((match = /^char(?:\((\d+)\))?$/.exec(type))) builder = match[1] ? char(name, { length: Number(match[1]) }) : char(name);
  else if ((match = /^numeric(?:\((\d+)(?:, ?(\d+))?\))?$/.exec(type))) {
    builder = match[1] ? numeric(name, { precision: Number(match[1]), ...(match[2] ? { scale: Number(match[2]) } : {}) }) : numeric(name);
  } else if (type === 'real') builder = real(name);
  else if (type === 'double precision') builder = doublePrecision(name);
  else if (type === 'json') builder = json(name);
  else if (type === 'jsonb') builder = jsonb(name);
  else if (type === 'uuid') builder = uuid(name);
  else if (type === 'date') builder = date(name, { mode: 'date' });
  else if (type === 'interval') builder = interval(name);
  else if ((match = /^timestamp(?:\((\d)\))?( with time zone)?$/.exec(type))) {
    builder = timestamp(name, { withTimezone: Boolean(match[2]), ...(match[1] ? { precision: Number(match[1]) as 0 } : {}) });
  } else if ((match = /^time(?:\((\d)\))?( with time zone)?$/.exec(type))) builder = time(name, { withTimezone: Boolean(match[2]) });
  else builder = passthrough(type)(name);
  let out = builder as Builder;
  if (column.identity && typeof out.generatedByDefaultAsIdentity === 'function') out = out.generatedByDefaultAsIdentity();
  if (column.primaryKey) out = out.primaryKey();
  if (column.notNull && !column.primaryKey) out = out.notNull();
  if (column.default !== undefined && column.default !== null) out = out.default(typeof column.default === 'string' ? sql.raw(column.default) : column.default);
  return out;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** Builds the historical models of `state` (every app) and runs `fn` with them; unregisters them afterwards. */
export async function withHistoricalModels<T>(state: ProjectState, fn: (apps: HistoricalApps) => Promise<T>): Promise<T> {
  const built = buildHistoricalModels(state);
  try {
    return await fn(built.apps);
  } finally {
    built.dispose();
  }
}

interface Entry {
  app: string;
  state: TableState;
  table: PgTable;
  keyOfColumn: Map<string, string>;
  cls?: AnyModelClass;
}

export function buildHistoricalModels(state: ProjectState): { apps: HistoricalApps; dispose(): void } {
  const suffix = `__historical${++generation}`;
  const entries: Entry[] = [];
  const byTable = new Map<string, Entry>();
  for (const [app, appState] of state) {
    for (const tableState of appState.models.values()) {
      const snapshot = tableState.table;
      const hasPk = Object.values(snapshot.columns).some((c) => c.primaryKey);
      if (!hasPk || Object.keys(snapshot.compositePrimaryKeys).length > 0) continue; // djazzle models need one primary key column
      const keyOfColumn = new Map(Object.entries(tableState.fields).map(([key, column]) => [column, key]));
      const columns: Record<string, PgColumnBuilderBase> = {};
      for (const column of Object.values(snapshot.columns)) columns[keyOfColumn.get(column.name) ?? column.name] = columnBuilder(column);
      const table = pgTable(snapshot.name, columns);
      const entry: Entry = { app, state: tableState, table, keyOfColumn };
      entries.push(entry);
      byTable.set(snapshot.name, entry);
    }
  }
  // Relations, with the reverse names Django would give unless two of them would clash.
  const used = new Set<string>();
  const relationsOf = new Map<Entry, Record<string, unknown>>();
  for (const entry of entries) {
    const fields: Record<string, unknown> = {};
    const taken = new Set(Object.values(entry.keyOfColumn));
    for (const fk of Object.values(entry.state.table.foreignKeys)) {
      const target = byTable.get(fk.tableTo);
      if (!target || fk.columnsFrom.length !== 1 || fk.columnsTo.length !== 1) continue;
      const key = entry.keyOfColumn.get(fk.columnsFrom[0]!) ?? fk.columnsFrom[0]!;
      let name = /Id$/.test(key) ? key.slice(0, -2) : /_id$/.test(key) ? key.slice(0, -3) : `${key}Ref`;
      if (!name || taken.has(name) || name in fields) name = `${key}Ref`;
      const targetKeys = new Set(target.keyOfColumn.values());
      const accessor = `${lowerFirst(entry.state.model)}Set`;
      const query = lowerFirst(entry.state.model);
      const clash = used.has(`${fk.tableTo}#${accessor}`) || used.has(`${fk.tableTo}?${query}`) || targetKeys.has(accessor) || targetKeys.has(query);
      used.add(`${fk.tableTo}#${accessor}`);
      used.add(`${fk.tableTo}?${query}`);
      const toColumn = fk.columnsTo[0]!;
      const targetPk = Object.values(target.state.table.columns).find((c) => c.primaryKey)?.name;
      fields[name] = ForeignKey(() => target.cls, {
        onDelete: DO_NOTHING,
        column: key,
        ...(clash ? { relatedName: '+' } : {}),
        ...(toColumn !== targetPk ? { toField: target.keyOfColumn.get(toColumn) ?? toColumn } : {}),
      });
    }
    relationsOf.set(entry, fields);
  }
  const registered: AnyModelClass[] = [];
  const dispose = () => {
    for (const model of registered) registry.unregister(model);
    registered.length = 0;
  };
  try {
    for (const entry of entries) {
      entry.cls = Model(entry.table, { app: `${entry.app}${suffix}`, name: entry.state.model, fields: relationsOf.get(entry) as never });
      void entry.cls._meta;
      registered.push(entry.cls);
    }
    registry.ensureReady();
  } catch (error) {
    dispose();
    registry.ensureReady();
    throw error;
  }
  const find = (app: string, name: string): AnyModelClass => {
    const entry = entries.find((e) => e.app === app && e.state.model.toLowerCase() === name.toLowerCase());
    if (!entry) {
      if (!state.has(app)) throw new LookupError(`No installed app with label '${app}'.`);
      throw new LookupError(`App '${app}' doesn't have a '${name}' model.`);
    }
    return entry.cls;
  };
  return {
    apps: {
      getModel(app: string, name?: string) {
        if (name !== undefined) return find(app, name);
        const parts = app.split('.');
        if (parts.length !== 2) throw new TypeError(`Model label must be in the form 'app_label.ModelName', not '${app}'.`);
        return find(parts[0]!, parts[1]!);
      },
      getModels: () => entries.map((e) => e.cls),
    },
    dispose,
  };
}
