/**
 * The migration graph (Django's `MigrationGraph`): migrations are nodes, dependencies are edges.
 * Forwards plans list a node's ancestors parents-first; backwards plans list its descendants
 * children-first. Orders are deterministic (parents visited sorted by app, then name).
 */
import { CircularDependencyError, ConflictingMigrationsError, NodeNotFoundError } from './errors.js';
import type { Migration } from './migration.js';
import { applyOperation } from './operations.js';
import { appStateOf } from './state.js';
import type { ProjectState } from './types.js';

export const keyOf = (app: string, name: string): string => `${app}.${name}`;

const byKey = (a: Migration, b: Migration) => (a.app === b.app ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.app < b.app ? -1 : 1);

export class MigrationGraph {
  readonly nodes = new Map<string, Migration>();
  readonly #parents = new Map<string, Migration[]>();
  readonly #children = new Map<string, Migration[]>();

  constructor(migrations: readonly Migration[]) {
    for (const migration of migrations) this.nodes.set(keyOf(migration.app, migration.name), migration);
    for (const migration of migrations) {
      const key = keyOf(migration.app, migration.name);
      const parents: Migration[] = [];
      for (const [app, name] of migration.dependencies) {
        const parent = this.nodes.get(keyOf(app, name));
        if (!parent) {
          throw new NodeNotFoundError(`Migration ${key} dependencies reference nonexistent parent node ('${app}', '${name}').`);
        }
        parents.push(parent);
        const siblings = this.#children.get(keyOf(app, name)) ?? [];
        siblings.push(migration);
        this.#children.set(keyOf(app, name), siblings);
      }
      this.#parents.set(key, parents.sort(byKey));
    }
    for (const list of this.#children.values()) list.sort(byKey);
    this.#ensureNotCyclic();
  }

  get(app: string, name: string): Migration {
    const node = this.nodes.get(keyOf(app, name));
    if (!node) throw new NodeNotFoundError(`Migration ${app}.${name} does not exist.`);
    return node;
  }

  parents(node: Migration): readonly Migration[] {
    return this.#parents.get(keyOf(node.app, node.name)) ?? [];
  }

  children(node: Migration): readonly Migration[] {
    return this.#children.get(keyOf(node.app, node.name)) ?? [];
  }

  /** The apps that have migrations, sorted. */
  apps(): string[] {
    return [...new Set([...this.nodes.values()].map((m) => m.app))].sort();
  }

  /** The migrations of `app`, sorted by name. */
  appMigrations(app: string): Migration[] {
    return [...this.nodes.values()].filter((m) => m.app === app).sort(byKey);
  }

  /** Django's `leaf_nodes(app)`: migrations of the app that no other migration of the app depends on. */
  leafNodes(app?: string): Migration[] {
    return [...this.nodes.values()]
      .filter((m) => (app === undefined || m.app === app) && !this.children(m).some((c) => c.app === m.app))
      .sort(byKey);
  }

  /** Apps with more than one leaf (Django: "Conflicting migrations detected"). */
  conflicts(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const app of this.apps()) {
      const leaves = this.leafNodes(app);
      if (leaves.length > 1) out.set(app, leaves.map((m) => m.name));
    }
    return out;
  }

  /** Throws `ConflictingMigrationsError` when an app has several leaves. */
  ensureNoConflicts(): void {
    const conflicts = this.conflicts();
    if (conflicts.size === 0) return;
    const listing = [...conflicts].map(([app, names]) => `${names.join(', ')} in ${app}`).join('; ');
    throw new ConflictingMigrationsError(
      `Conflicting migrations detected; multiple leaf nodes in the migration graph: (${listing}). Make one of them depend on the other (add it to its dependencies).`,
    );
  }

  /** Ancestors of `target` and `target` itself, parents first (Django's `forwards_plan`). */
  forwardsPlan(target: Migration): Migration[] {
    const out: Migration[] = [];
    const seen = new Set<Migration>();
    const visit = (node: Migration): void => {
      if (seen.has(node)) return;
      seen.add(node);
      for (const parent of this.parents(node)) visit(parent);
      out.push(node);
    };
    visit(target);
    return out;
  }

  /** Descendants of `target` and `target` itself, children first (Django's `backwards_plan`). */
  backwardsPlan(target: Migration): Migration[] {
    const out: Migration[] = [];
    const seen = new Set<Migration>();
    const visit = (node: Migration): void => {
      if (seen.has(node)) return;
      seen.add(node);
      for (const child of this.children(node)) visit(child);
      out.push(node);
    };
    visit(target);
    return out;
  }

  /** Every migration, each after its dependencies: the order a full `migrate` applies them in. */
  fullOrder(appOrder: readonly string[] = []): Migration[] {
    const rank = (app: string) => {
      const index = appOrder.indexOf(app);
      return index === -1 ? appOrder.length : index;
    };
    const leaves = this.leafNodes().sort((a, b) => rank(a.app) - rank(b.app) || byKey(a, b));
    const out: Migration[] = [];
    const seen = new Set<Migration>();
    for (const leaf of leaves) {
      for (const node of this.forwardsPlan(leaf)) {
        if (!seen.has(node)) {
          seen.add(node);
          out.push(node);
        }
      }
    }
    return out;
  }

  /**
   * A migration of `app` by name or unique name prefix (Django's `get_migration_by_prefix`):
   * `'0002'` finds `0002_article_subtitle`.
   */
  byPrefix(app: string, prefix: string): Migration {
    const all = this.appMigrations(app);
    const exact = all.find((m) => m.name === prefix);
    if (exact) return exact;
    const matches = all.filter((m) => m.name.startsWith(prefix));
    if (matches.length > 1) {
      throw new NodeNotFoundError(`More than one migration matches '${prefix}' in app '${app}': ${matches.map((m) => m.name).join(', ')}. Please be more specific.`);
    }
    if (matches.length === 0) throw new NodeNotFoundError(`Cannot find a migration matching '${prefix}' from app '${app}'.`);
    return matches[0]!;
  }

  /**
   * The project state after `nodes` (and their ancestors) are applied, replaying operations in
   * dependency order. With `upTo`, only the operations of that migration before index `upTo`.
   */
  stateAfter(nodes: readonly Migration[], partial?: { migration: Migration; operations: number }): ProjectState {
    const state: ProjectState = new Map();
    const seen = new Set<Migration>();
    const apply = (migration: Migration, count = migration.operations.length) => {
      const appState = appStateOf(state, migration.app);
      migration.operations.slice(0, count).forEach((op) => applyOperation(appState, op, migration.app));
    };
    const order: Migration[] = [];
    for (const node of [...nodes, ...(partial ? this.parents(partial.migration) : [])]) {
      for (const ancestor of this.forwardsPlan(node)) {
        if (!seen.has(ancestor)) {
          seen.add(ancestor);
          order.push(ancestor);
        }
      }
    }
    for (const migration of order) apply(migration);
    if (partial && !seen.has(partial.migration)) apply(partial.migration, partial.operations);
    return state;
  }

  #ensureNotCyclic(): void {
    const state = new Map<Migration, 1 | 2>();
    for (const start of this.nodes.values()) {
      if (state.has(start)) continue;
      const stack: Array<[Migration, number]> = [[start, 0]];
      const path: Migration[] = [start];
      state.set(start, 1);
      while (stack.length > 0) {
        const frame = stack[stack.length - 1]!;
        const parents = this.parents(frame[0]);
        if (frame[1] >= parents.length) {
          state.set(frame[0], 2);
          stack.pop();
          path.pop();
          continue;
        }
        const next = parents[frame[1]++]!;
        const mark = state.get(next);
        if (mark === 1) {
          const cycle = path.slice(path.indexOf(next)).map((m) => keyOf(m.app, m.name));
          throw new CircularDependencyError(`Circular dependency between migrations: ${[...cycle, cycle[0]].join(' -> ')}.`);
        }
        if (mark === undefined) {
          state.set(next, 1);
          stack.push([next, 0]);
          path.push(next);
        }
      }
    }
  }
}
