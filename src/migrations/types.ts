/**
 * The data a migration holds. Schema state is kept in drizzle-kit's snapshot format (the JSON
 * `generateDrizzleJson` answers), one table at a time, plus what the kit does not know: which model
 * a table belongs to and the Drizzle key of each column (for historical models and renames).
 */

/** A column as in a drizzle-kit snapshot (`tables[…].columns[name]`). */
export interface KitColumn {
  name: string;
  type: string;
  primaryKey: boolean;
  notNull: boolean;
  typeSchema?: string;
  default?: unknown;
  identity?: Record<string, unknown>;
  generated?: { type: 'stored'; as: string };
  [key: string]: unknown;
}

export interface KitIndexColumn {
  expression: string;
  isExpression: boolean;
  asc: boolean;
  nulls?: string;
  opclass?: string;
}

export interface KitIndex {
  name: string;
  columns: KitIndexColumn[];
  isUnique: boolean;
  concurrently?: boolean;
  method?: string;
  where?: string;
  with?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface KitForeignKey {
  name: string;
  tableFrom: string;
  tableTo: string;
  columnsFrom: string[];
  columnsTo: string[];
  schemaTo?: string;
  onDelete?: string;
  onUpdate?: string;
}

export interface KitUnique {
  name: string;
  columns: string[];
  nullsNotDistinct: boolean;
}

export interface KitCheck {
  name: string;
  value: string;
}

export interface KitPrimaryKey {
  name: string;
  columns: string[];
}

/** A table as in a drizzle-kit snapshot (`tables['public.news_article']`). */
export interface KitTable {
  name: string;
  schema: string;
  columns: Record<string, KitColumn>;
  indexes: Record<string, KitIndex>;
  foreignKeys: Record<string, KitForeignKey>;
  compositePrimaryKeys: Record<string, KitPrimaryKey>;
  uniqueConstraints: Record<string, KitUnique>;
  checkConstraints: Record<string, KitCheck>;
  policies?: Record<string, unknown>;
  isRLSEnabled?: boolean;
}

export interface KitEnum {
  name: string;
  schema: string;
  values: string[];
}

/** The constraint kinds `AddConstraint` / `RemoveConstraint` handle (indexes have their own operations). */
export type ConstraintKind = 'unique' | 'check' | 'foreignKey' | 'primaryKey';

export type KitConstraint = KitUnique | KitCheck | KitForeignKey | KitPrimaryKey;

/** One table of an app's state: the model it belongs to, its Drizzle keys, its snapshot. */
export interface TableState {
  /** The model's object name (`'Article'`, `'Book_tags'` for an auto-created junction). */
  model: string;
  /** Drizzle key → SQL column (`{ pubDate: 'pub_date' }`). */
  fields: Record<string, string>;
  table: KitTable;
}

/** What an app's migrations describe: its tables (by model name) and enums. */
export interface AppState {
  /** Model name → table. */
  models: Map<string, TableState>;
  /** Enum key (`'public.mood'`) → enum. */
  enums: Map<string, KitEnum>;
}

/** App label → state. Django's `ProjectState`. */
export type ProjectState = Map<string, AppState>;
