/**
 * `defineApp(label, { models })`: Django's `AppConfig` plus its place in `INSTALLED_APPS`.
 * Defining an app prepares its models and resolves every relation at once, so an unknown target,
 * a reverse accessor clash or a bad `toField` fails here, where the app is written.
 *
 * ```ts
 * export const news = defineApp('news', { models: [Reporter, Article] });
 * ```
 */
import { ImproperlyConfigured } from '../core/errors.js';
import type { AnyModelClass } from './field.js';
import { humanize } from './field.js';
import { prepareModel } from './model.js';
import { type AppConfig, apps } from './registry.js';

export interface DefineAppOptions {
  models: readonly AnyModelClass[];
  verboseName?: string;
  /** Folder of the app's migrations (Django's `<app>/migrations`). */
  migrations?: string;
  /** The app's Python-style dotted name (defaults to the label). */
  name?: string;
  [key: string]: unknown;
}

export function defineApp(label: string, options: DefineAppOptions): AppConfig {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(label)) {
    throw new ImproperlyConfigured(`The app label '${label}' is not a valid identifier.`);
  }
  const before = new Set(apps.getModels({ includeAutoCreated: true }));
  try {
    for (const model of options.models) {
      const meta = prepareModel(model);
      if (meta.appLabel !== label) {
        throw new ImproperlyConfigured(`Model '${meta.label}' is listed in app '${label}' but declares app '${meta.appLabel}'.`);
      }
    }
    apps.ensureReady();
  } catch (error) {
    // a broken app must not stay half-registered (every later lookup would fail on it)
    for (const model of apps.getModels({ includeAutoCreated: true })) if (!before.has(model)) apps.unregister(model);
    throw error;
  }
  const models = [...options.models];
  const config: AppConfig = {
    label,
    name: options.name ?? label,
    verboseName: options.verboseName ?? humanize(label).replace(/^\w/, (c) => c.toUpperCase()),
    models,
    migrations: options.migrations,
    options,
    getModels: () => apps.getModels({ includeAutoCreated: false }).filter((m) => m._meta.appLabel === label),
    getModel: (name: string) => apps.getModel(label, name),
  };
  apps.addAppConfig(config);
  apps.ensureReady();
  return config;
}
