/**
 * Project state (Django's `ProjectState`): what the migrations of every app describe, rebuilt by
 * replaying their operations. Tables are kept in drizzle-kit's snapshot format so that a state
 * (or two, to diff) can be handed to `drizzle-kit/api` as is.
 */
import type { AppState, KitEnum, KitTable, ProjectState, TableState } from './types.js';

export function emptyAppState(): AppState {
  return { models: new Map(), enums: new Map() };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

export function cloneAppState(state: AppState): AppState {
  return {
    models: new Map([...state.models].map(([name, table]) => [name, clone(table)])),
    enums: new Map([...state.enums].map(([key, value]) => [key, clone(value)])),
  };
}

export function cloneProjectState(state: ProjectState): ProjectState {
  return new Map([...state].map(([app, appState]) => [app, cloneAppState(appState)]));
}

/** The state of `app` in `project`, created empty when missing. */
export function appStateOf(project: ProjectState, app: string): AppState {
  let state = project.get(app);
  if (!state) {
    state = emptyAppState();
    project.set(app, state);
  }
  return state;
}

/** drizzle-kit's key of a table: `'public.news_article'`. */
export function tableKey(table: Pick<KitTable, 'name' | 'schema'>): string {
  return `${table.schema || 'public'}.${table.name}`;
}

/** The quoted SQL name of a table (`"news_article"`, `"other"."t"`). */
export function qualifiedName(table: Pick<KitTable, 'name' | 'schema'>): string {
  const name = `"${table.name.replaceAll('"', '""')}"`;
  return table.schema && table.schema !== 'public' ? `"${table.schema.replaceAll('"', '""')}".${name}` : name;
}

export const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The model of `state` stored in table `name` (SQL name), if any. */
export function modelByTable(state: AppState, name: string): TableState | undefined {
  for (const table of state.models.values()) if (table.table.name === name) return table;
  return undefined;
}

/** Which app of `project` owns the table `name`. */
export function appOwningTable(project: ProjectState, name: string): string | undefined {
  for (const [app, state] of project) if (modelByTable(state, name)) return app;
  return undefined;
}

/** A drizzle-kit snapshot (`DrizzleSnapshotJSON`) of one app's tables and enums. */
export function kitSnapshot(state: AppState): Record<string, unknown> {
  const tables: Record<string, KitTable> = {};
  const schemas: Record<string, string> = {};
  for (const { table } of state.models.values()) {
    // Tables written by hand may leave out the parts they do not use; the kit wants them all.
    const defaults: Omit<KitTable, 'name' | 'schema' | 'columns'> = {
      indexes: {}, foreignKeys: {}, compositePrimaryKeys: {}, uniqueConstraints: {}, checkConstraints: {}, policies: {}, isRLSEnabled: false,
    };
    tables[tableKey(table)] = { ...defaults, ...table };
    if (table.schema && table.schema !== 'public') schemas[table.schema] = table.schema;
  }
  const enums: Record<string, KitEnum> = {};
  for (const [key, value] of state.enums) enums[key] = value;
  return {
    id: '00000000-0000-0000-0000-000000000001',
    prevId: '00000000-0000-0000-0000-000000000000',
    version: '7',
    dialect: 'postgresql',
    tables,
    enums,
    schemas,
    sequences: {},
    roles: {},
    policies: {},
    views: {},
    _meta: { schemas: {}, tables: {}, columns: {} },
  };
}
