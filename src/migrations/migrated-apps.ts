/**
 * The `apps` that `preMigrate` / `postMigrate` receivers get (Django passes the apps of the
 * migration state): the installed models, limited to those whose tables the applied migrations
 * create. `getModel('contenttypes', 'ContentType')` throws `LookupError` until the content types'
 * migration is applied, which is how receivers tell whether they can write yet.
 */
import { LookupError } from '../core/errors.js';
import type { AnyModelClass } from '../models/field.js';
import { apps as registry } from '../models/registry.js';
import type { MigrationGraph } from './graph.js';
import type { Migration } from './migration.js';

export interface MigratedApps {
  getModel(app: string, name?: string): AnyModelClass;
  getModels(): AnyModelClass[];
}

export function migratedApps(graph: MigrationGraph, applied: Iterable<string>): MigratedApps {
  const nodes = [...applied].map((key) => graph.nodes.get(key)).filter((m): m is Migration => m !== undefined);
  const state = graph.stateAfter(nodes);
  const has = (app: string, name: string) => [...(state.get(app)?.models.keys() ?? [])].some((n) => n.toLowerCase() === name.toLowerCase());
  return {
    getModel(app: string, name?: string): AnyModelClass {
      let label = app;
      let model = name;
      if (model === undefined) {
        const parts = app.split('.');
        if (parts.length !== 2) throw new TypeError(`Model label must be in the form 'app_label.ModelName', not '${app}'.`);
        [label, model] = parts as [string, string];
      }
      if (!state.has(label)) throw new LookupError(`No installed app with label '${label}' in the migrated state.`);
      if (!has(label, model)) throw new LookupError(`App '${label}' doesn't have a '${model}' model in the migrated state.`);
      return registry.getModel(label, model);
    },
    getModels(): AnyModelClass[] {
      return registry.getModels({ includeAutoCreated: true }).filter((m) => has(m._meta.appLabel as string, m._meta.objectName as string));
    },
  };
}
