/**
 * A migration: Django's `Migration` class as a plain object, the default export of a module in the
 * app's migrations folder (`news/migrations/0002_article_subtitle.ts`).
 *
 * ```ts
 * export default defineMigration({
 *   app: 'news',
 *   name: '0002_article_subtitle',
 *   dependencies: [['news', '0001_initial']],
 *   operations: [AddField({ … })],
 * });
 * ```
 */
import { BadMigrationError } from './errors.js';
import type { Operation } from './operations.js';

export type Dependency = readonly [app: string, name: string];

export interface Migration {
  readonly app: string;
  readonly name: string;
  readonly dependencies: readonly Dependency[];
  readonly operations: readonly Operation[];
  /** Django's `initial = True`. */
  readonly initial?: boolean;
  /** Run in one transaction (default `true`; Django's `atomic`). */
  readonly atomic?: boolean;
}

/** A migration, an imported migration module (`import * as m from './0001_initial.js'`), or a list of either (a folder's `index.ts`). */
export type MigrationSource = Migration | { readonly default: Migration | readonly Migration[] } | readonly MigrationSource[];

const NAME = /^[A-Za-z0-9_]+$/;

/** Checks the shape of a migration and returns it (typed). */
export function defineMigration(migration: Migration): Migration {
  validate(migration, `${String((migration as { app?: unknown })?.app)}.${String((migration as { name?: unknown })?.name)}`);
  return migration;
}

function validate(value: unknown, where: string): asserts value is Migration {
  const m = value as Partial<Migration> | null;
  if (!m || typeof m !== 'object') throw new BadMigrationError(`Migration ${where} is not a migration object (export default defineMigration({ … })).`);
  if (typeof m.app !== 'string' || !NAME.test(m.app)) throw new BadMigrationError(`Migration ${where}: 'app' must be an app label.`);
  if (typeof m.name !== 'string' || !NAME.test(m.name)) throw new BadMigrationError(`Migration ${where}: 'name' must be a migration name like '0001_initial'.`);
  if (!Array.isArray(m.dependencies) || m.dependencies.some((d) => !Array.isArray(d) || d.length !== 2 || typeof d[0] !== 'string' || typeof d[1] !== 'string')) {
    throw new BadMigrationError(`Migration ${m.app}.${m.name}: 'dependencies' must be a list of [app, name] pairs.`);
  }
  if (!Array.isArray(m.operations)) throw new BadMigrationError(`Migration ${m.app}.${m.name}: 'operations' must be a list.`);
  m.operations.forEach((op, index) => {
    if (!op || typeof op !== 'object' || typeof (op as { type?: unknown }).type !== 'string') {
      throw new BadMigrationError(`Migration ${m.app}.${m.name}: operation ${index + 1} is not an operation (use CreateModel(…), RunSQL(…), …).`);
    }
  });
}

/** Flattens migration sources (modules, lists, `index.ts` defaults) into migrations, checking each. */
export function normalizeMigrations(sources: readonly MigrationSource[]): Migration[] {
  const out: Migration[] = [];
  const seen = new Map<string, Migration>();
  const visit = (source: unknown, where: string): void => {
    if (Array.isArray(source)) {
      source.forEach((item, i) => visit(item, `${where}[${i}]`));
      return;
    }
    const candidate = source && typeof source === 'object' && 'default' in source && !('operations' in source) ? (source as { default: unknown }).default : source;
    if (Array.isArray(candidate)) {
      visit(candidate, where);
      return;
    }
    validate(candidate, where);
    const key = `${candidate.app}.${candidate.name}`;
    const existing = seen.get(key);
    if (existing && existing !== candidate) throw new BadMigrationError(`Migration ${key} is given twice.`);
    if (!existing) {
      seen.set(key, candidate);
      out.push(candidate);
    }
  };
  visit(sources, 'migrations');
  return out;
}
