/**
 * Django's `MigrationAutodetector`: compares the state the migrations describe with the state the
 * models describe, app by app, and answers the operations that take one to the other (without
 * their SQL, which `make.ts` adds once the operations are split into migrations).
 *
 * Renames are never asked about. A field or model is renamed when
 * 1. `--rename` says so (`news.Article.headline:title`, `news.Article:Story`), or
 * 2. it keeps its Drizzle key (field) or model name while its column (table) name changes, or its
 *    column (table) name while its key (name) changes, or
 * 3. it disappears while exactly one field of the same model (one model) appears with the very
 *    same definition, and no other candidate has that definition (Django asks "Did you rename …?"
 *    exactly then; djazzle answers yes, and says so before writing).
 * Anything else is a removal plus an addition.
 */
import {
  AddConstraint, AddField, AddIndex, AlterEnum, AlterField, AlterModelTable, applyOperation, constraintMap, CreateEnum, CreateModel,
  DeleteEnum, DeleteModel, RemoveConstraint, RemoveField, RemoveIndex, RenameField, RenameModel, type Operation,
} from './operations.js';
import { cloneAppState, emptyAppState } from './state.js';
import type { AppState, ConstraintKind, KitColumn, KitForeignKey, KitTable, ProjectState, TableState } from './types.js';

export interface RenameRequest {
  app: string;
  model: string;
  /** Absent for a model rename. */
  field?: string;
  to: string;
  /** As given, for messages. */
  raw: string;
}

/** Parses `--rename` values: `app.Model:NewModel` or `app.Model.field:newField`. */
export function parseRename(raw: string): RenameRequest {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?:([A-Za-z_][A-Za-z0-9_]*)$/.exec(raw.trim());
  if (!match) throw new TypeError(`--rename '${raw}': expected app.Model:NewModel or app.Model.field:newField.`);
  const [, app, model, field, to] = match as unknown as [string, string, string, string | undefined, string];
  return { app, model, ...(field !== undefined ? { field } : {}), to, raw };
}

export interface DetectedChanges {
  /** App label → operations (SQL still empty). */
  operations: Map<string, Operation[]>;
  /** Renames taken without `--rename` (shown before writing). */
  detectedRenames: string[];
  /** Things the user should know (a NOT NULL column added without a default, …). */
  warnings: string[];
}

const stable = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
const same = (a: unknown, b: unknown) => stable(a) === stable(b);
const definition = (column: KitColumn) => stable({ ...column, name: undefined });
const columnsDefinition = (table: KitTable) => stable(Object.values(table.columns).map((c) => c).sort((a, b) => (a.name < b.name ? -1 : 1)));

/** Pairs items of `left` and `right` with equal `signature`, when the pairing is unambiguous. */
function uniquePairs<L, R>(left: readonly L[], right: readonly R[], sigL: (l: L) => string, sigR: (r: R) => string): Array<[L, R]> {
  const pairs: Array<[L, R]> = [];
  for (const l of left) {
    const sig = sigL(l);
    const candidates = right.filter((r) => sigR(r) === sig);
    const rivals = left.filter((other) => sigL(other) === sig);
    if (candidates.length === 1 && rivals.length === 1) pairs.push([l, candidates[0]!]);
  }
  return pairs;
}

const KINDS: ConstraintKind[] = ['primaryKey', 'unique', 'check', 'foreignKey'];

export function detectChanges(from: ProjectState, to: ProjectState, labels: readonly string[], renames: readonly RenameRequest[] = []): DetectedChanges {
  const operations = new Map<string, Operation[]>();
  const detectedRenames: string[] = [];
  const warnings: string[] = [];
  for (const request of renames) {
    if (!labels.includes(request.app)) throw new TypeError(`--rename '${request.raw}': app '${request.app}' is not among the apps being migrated (${labels.join(', ')}).`);
  }
  for (const app of labels) {
    const target = to.get(app) ?? emptyAppState();
    const ops = detectApp(app, from.get(app) ?? emptyAppState(), target, renames.filter((r) => r.app === app), detectedRenames, warnings);
    operations.set(app, ops);
  }
  return { operations, detectedRenames, warnings };
}

function detectApp(app: string, fromState: AppState, target: AppState, renames: readonly RenameRequest[], notes: string[], warnings: string[]): Operation[] {
  const work = cloneAppState(fromState);
  const ops: Operation[] = [];
  const push = (op: Operation) => {
    applyOperation(work, op, app);
    ops.push(op);
  };
  const used = new Set<string>();

  // Enums that appear or change go first (columns may use them); removed ones go last.
  for (const [key, value] of target.enums) {
    const old = work.enums.get(key);
    if (!old) push(CreateEnum({ enum: value }));
    else if (!same(old.values, value.values)) push(AlterEnum({ enum: value }));
  }

  // ---- models: pair old and new ones, renaming where the rules say so
  const oldModels = [...work.models.values()];
  const newModels = [...target.models.values()];
  const pairs: Array<[TableState, TableState, string]> = [];
  const pairedOld = new Set<TableState>();
  const pairedNew = new Set<TableState>();
  const pair = (o: TableState, n: TableState, why: string) => {
    pairs.push([o, n, why]);
    pairedOld.add(o);
    pairedNew.add(n);
  };
  for (const request of renames.filter((r) => r.field === undefined)) {
    const o = oldModels.find((m) => m.model.toLowerCase() === request.model.toLowerCase());
    const n = newModels.find((m) => m.model.toLowerCase() === request.to.toLowerCase());
    if (!o) throw new TypeError(`--rename '${request.raw}': the migrations of '${app}' have no model '${request.model}'.`);
    if (!n) throw new TypeError(`--rename '${request.raw}': the models of '${app}' have no model '${request.to}'.`);
    used.add(request.raw);
    pair(o, n, '--rename');
  }
  for (const o of oldModels) {
    if (pairedOld.has(o)) continue;
    const n = newModels.find((m) => !pairedNew.has(m) && m.model === o.model) ?? newModels.find((m) => !pairedNew.has(m) && m.table.name === o.table.name && m.table.schema === o.table.schema);
    if (n) pair(o, n, '');
  }
  const leftOld = oldModels.filter((m) => !pairedOld.has(m));
  const leftNew = newModels.filter((m) => !pairedNew.has(m));
  for (const [o, n] of uniquePairs(leftOld, leftNew, (m) => columnsDefinition(m.table), (m) => columnsDefinition(m.table))) {
    pair(o, n, 'detected');
  }
  for (const [o, n, why] of pairs) {
    const renamed = o.model !== n.model;
    if (renamed) push(RenameModel({ oldName: o.model, newName: n.model }));
    if (o.table.name !== n.table.name) push(AlterModelTable({ name: n.model, table: n.table.name }));
    if (why === 'detected' && (renamed || o.table.name !== n.table.name)) {
      notes.push(`${app}: model ${o.model} (table ${o.table.name}) renamed to ${n.model} (table ${n.table.name}): same columns, no other candidate. Pass --rename to choose otherwise.`);
    }
  }
  for (const request of renames.filter((r) => r.field === undefined)) used.add(request.raw);

  // ---- fields of paired models: renames first, then constraint removals
  const matched = pairs.map(([, n]) => n);
  for (const n of matched) detectFieldRenames(app, work, n, renames, used, notes, push);
  for (const n of matched) removeStaleConstraints(work.models.get(n.model)!, n, push);

  // ---- new models, ordered so that a foreign key's target comes first when possible
  const created = orderForCreation(newModels.filter((m) => !pairedNew.has(m)), work);
  const deferredForeignKeys: Operation[] = [];
  for (const n of created) {
    const table = structuredClone(n.table);
    const inline: Record<string, KitForeignKey> = {};
    for (const [name, fk] of Object.entries(table.foreignKeys)) {
      const exists = fk.tableTo === table.name || [...work.models.values()].some((m) => m.table.name === fk.tableTo);
      if (exists) inline[name] = fk;
      else deferredForeignKeys.push(AddConstraint({ model: n.model, kind: 'foreignKey', constraint: fk }));
    }
    table.foreignKeys = inline;
    push(CreateModel({ name: n.model, fields: { ...n.fields }, table }));
  }

  // ---- field changes of paired models
  for (const n of matched) detectFieldChanges(app, work, n, push, warnings);
  for (const n of matched) {
    const current = work.models.get(n.model)!;
    for (const [name, index] of Object.entries(n.table.indexes)) {
      if (!same(current.table.indexes[name], index)) push(AddIndex({ model: n.model, index }));
    }
    for (const kind of KINDS) {
      for (const [name, constraint] of Object.entries(constraintMap(n.table, kind))) {
        if (same(constraintMap(current.table, kind)[name], constraint)) continue;
        const op = AddConstraint({ model: n.model, kind, constraint });
        if (kind === 'foreignKey') deferredForeignKeys.push(op);
        else push(op);
      }
    }
  }
  for (const op of deferredForeignKeys) push(op);

  // ---- removed models and enums
  for (const o of oldModels.filter((m) => !pairedOld.has(m))) push(DeleteModel({ name: o.model }));
  for (const [key, value] of fromState.enums) if (!target.enums.has(key)) push(DeleteEnum({ name: value.name, schema: value.schema }));

  for (const request of renames) {
    if (!used.has(request.raw)) throw new TypeError(`--rename '${request.raw}': nothing to rename (the model or field was not changed, or is unknown).`);
  }
  return ops;
}

/** Creation order: a model after the models of this app its foreign keys point to (cycles keep the given order). */
function orderForCreation(models: TableState[], work: AppState): TableState[] {
  const out: TableState[] = [];
  const pending = new Set(models);
  const ready = (m: TableState) =>
    Object.values(m.table.foreignKeys).every(
      (fk) => fk.tableTo === m.table.name || ![...pending].some((p) => p !== m && p.table.name === fk.tableTo) || [...work.models.values()].some((w) => w.table.name === fk.tableTo),
    );
  while (pending.size > 0) {
    const next = [...pending].find(ready) ?? [...pending][0]!;
    pending.delete(next);
    out.push(next);
  }
  return out;
}

function detectFieldRenames(
  app: string,
  work: AppState,
  n: TableState,
  renames: readonly RenameRequest[],
  used: Set<string>,
  notes: string[],
  push: (op: Operation) => void,
): void {
  const current = () => work.models.get(n.model)!;
  const oldKeys = () => Object.entries(current().fields);
  const newEntries = Object.entries(n.fields);
  const rename = (oldKey: string, newKey: string, newColumn: string) => {
    const oldColumn = current().fields[oldKey]!;
    push(RenameField({ model: n.model, oldName: oldKey, newName: newKey, ...(oldColumn !== newColumn ? { column: newColumn } : {}) }));
  };
  // 1. --rename app.Model.old:new (by Drizzle key or by column)
  for (const request of renames) {
    if (request.field === undefined || request.model.toLowerCase() !== n.model.toLowerCase()) continue;
    const old = oldKeys().find(([key, column]) => key === request.field || column === request.field);
    const next = newEntries.find(([key, column]) => key === request.to || column === request.to);
    if (!old) throw new TypeError(`--rename '${request.raw}': ${app}.${n.model} has no field '${request.field}' in its migrations.`);
    if (!next) throw new TypeError(`--rename '${request.raw}': the model ${app}.${n.model} has no field '${request.to}'.`);
    used.add(request.raw);
    if (old[0] !== next[0] || old[1] !== next[1]) rename(old[0], next[0], next[1]);
  }
  // 2. same key with another column, or same column under another key
  for (const [key, column] of newEntries) {
    const byKey = current().fields[key];
    if (byKey !== undefined && byKey !== column && !Object.values(n.fields).includes(byKey) && !Object.values(current().fields).includes(column)) {
      rename(key, key, column);
      continue;
    }
    if (byKey === undefined) {
      const byColumn = oldKeys().find(([k, c]) => c === column && !(k in n.fields));
      if (byColumn) rename(byColumn[0], key, column);
    }
  }
  // 3. one field gone, one field new, same definition
  const gone = oldKeys().filter(([key]) => !(key in n.fields));
  const added = newEntries.filter(([key]) => !(key in current().fields));
  const columnOf = (state: TableState, column: string) => state.table.columns[column]!;
  for (const [[oldKey, oldColumn], [newKey, newColumn]] of uniquePairs(
    gone,
    added,
    ([, c]) => definition(columnOf(current(), c)),
    ([, c]) => definition(columnOf(n, c)),
  )) {
    notes.push(`${app}: field ${n.model}.${oldKey} (column ${oldColumn}) renamed to ${newKey} (column ${newColumn}): same definition, no other candidate. Pass --rename to choose otherwise.`);
    rename(oldKey, newKey, newColumn);
  }
}

/** Indexes and constraints that go away or change, removed before columns are dropped. */
function removeStaleConstraints(current: TableState, n: TableState, push: (op: Operation) => void): void {
  for (const [name, index] of Object.entries(current.table.indexes)) {
    if (!same(n.table.indexes[name], index)) push(RemoveIndex({ model: n.model, name }));
  }
  for (const kind of KINDS) {
    for (const [name, constraint] of Object.entries(constraintMap(current.table, kind))) {
      if (!same(constraintMap(n.table, kind)[name], constraint)) push(RemoveConstraint({ model: n.model, kind, name }));
    }
  }
}

function detectFieldChanges(app: string, work: AppState, n: TableState, push: (op: Operation) => void, warnings: string[]): void {
  const current = work.models.get(n.model)!;
  for (const key of Object.keys(current.fields)) if (!(key in n.fields)) push(RemoveField({ model: n.model, name: key }));
  for (const [key, column] of Object.entries(n.fields)) {
    const definitionNow = n.table.columns[column]!;
    if (!(key in current.fields)) {
      if (definitionNow.notNull && definitionNow.default === undefined && !definitionNow.identity && !/serial$/.test(definitionNow.type)) {
        warnings.push(`${app}.${n.model}.${key}: a NOT NULL column without a default is added to an existing table; the migration fails if the table has rows (add a default, or a RunSQL that fills it).`);
      }
      push(AddField({ model: n.model, name: key, column: definitionNow }));
      continue;
    }
    const before = current.table.columns[current.fields[key]!];
    if (!same(before, definitionNow)) push(AlterField({ model: n.model, name: key, column: definitionNow }));
  }
}
