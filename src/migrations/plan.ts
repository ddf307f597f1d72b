/**
 * Django's `MigrationExecutor.migration_plan`: which migrations to apply or unapply, in order, to
 * reach the targets, given what the database has applied.
 */
import { InconsistentMigrationHistory, NodeNotFoundError } from './errors.js';
import { keyOf, type MigrationGraph } from './graph.js';
import type { Migration } from './migration.js';

export interface PlanStep {
  readonly migration: Migration;
  /** `true` when the migration is unapplied. */
  readonly backwards: boolean;
}

/** A target: a migration, or `null` for "zero" (unapply every migration of the app). */
export type Target = { app: string; migration: Migration | null };

/** Resolves `migrate [app] [name]` into targets (`name` may be a unique prefix or `zero`). */
export function resolveTargets(graph: MigrationGraph, app: string | undefined, name: string | undefined, appOrder: readonly string[] = []): Target[] {
  if (app === undefined) {
    if (name !== undefined) throw new TypeError('A migration name needs its app: migrate <app> <name>.');
    const rank = (label: string) => (appOrder.includes(label) ? appOrder.indexOf(label) : appOrder.length);
    return graph
      .leafNodes()
      .sort((a, b) => rank(a.app) - rank(b.app) || (a.app < b.app ? -1 : a.app > b.app ? 1 : 0))
      .map((m) => ({ app: m.app, migration: m }));
  }
  if (!graph.apps().includes(app)) throw new NodeNotFoundError(`App '${app}' does not have migrations.`);
  if (name === undefined) return graph.leafNodes(app).map((m) => ({ app, migration: m }));
  if (name === 'zero') return [{ app, migration: null }];
  return [{ app, migration: graph.byPrefix(app, name) }];
}

/** The steps that take the database from `applied` to `targets`. */
export function migrationPlan(graph: MigrationGraph, targets: readonly Target[], appliedKeys: ReadonlySet<string>): PlanStep[] {
  const applied = new Set(appliedKeys);
  const plan: PlanStep[] = [];
  const isApplied = (m: Migration) => applied.has(keyOf(m.app, m.name));
  const add = (migration: Migration, backwards: boolean) => {
    if (plan.some((s) => s.migration === migration)) return;
    plan.push({ migration, backwards });
    if (backwards) applied.delete(keyOf(migration.app, migration.name));
    else applied.add(keyOf(migration.app, migration.name));
  };
  for (const target of targets) {
    if (target.migration === null) {
      const roots = graph.appMigrations(target.app).filter((m) => !graph.parents(m).some((p) => p.app === target.app));
      for (const root of roots) for (const m of graph.backwardsPlan(root)) if (isApplied(m)) add(m, true);
    } else if (isApplied(target.migration)) {
      const next = graph.children(target.migration).filter((c) => c.app === target.app);
      for (const child of next) for (const m of graph.backwardsPlan(child)) if (isApplied(m)) add(m, true);
    } else {
      for (const m of graph.forwardsPlan(target.migration)) if (!isApplied(m)) add(m, false);
    }
  }
  return plan;
}

/** Django's `check_consistent_history`: an applied migration whose dependency is not applied. */
export function checkConsistentHistory(graph: MigrationGraph, applied: ReadonlySet<string>, alias: string): void {
  for (const key of applied) {
    const migration = graph.nodes.get(key);
    if (!migration) continue;
    for (const parent of graph.parents(migration)) {
      if (!applied.has(keyOf(parent.app, parent.name))) {
        throw new InconsistentMigrationHistory(
          `Migration ${key} is applied before its dependency ${keyOf(parent.app, parent.name)} on database '${alias}'.`,
        );
      }
    }
  }
}
