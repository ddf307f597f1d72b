/**
 * The app registry, Django's `django.apps.apps`: every model registers under its label when it is
 * prepared; `defineApp` groups an app's models (Django's `AppConfig` + `INSTALLED_APPS`) and
 * validates their relations at once, so a broken definition fails where it is written.
 *
 * ```ts
 * apps.getModel('news', 'Article')   // apps.get_model('news', 'Article')
 * apps.getModel('news.article')      // apps.get_model('news.article')
 * ```
 */
import { ImproperlyConfigured, LookupError } from '../core/errors.js';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { AnyModelClass } from './field.js';

export interface AppConfig {
  readonly label: string;
  readonly name: string;
  readonly verboseName: string;
  readonly models: readonly AnyModelClass[];
  /** Folder of this app's migrations (read by the CLI). */
  readonly migrations: string | undefined;
  /** Anything else the app declares (used by management commands). */
  readonly options: Readonly<Record<string, unknown>>;
  getModels(): AnyModelClass[];
  getModel(name: string): AnyModelClass;
}

type ReadyHook = () => void;

export class Apps {
  readonly #models = new Map<string, AnyModelClass>();
  readonly #byTable = new Map<PgTable, AnyModelClass>();
  readonly #appConfigs = new Map<string, AppConfig>();
  #version = 0;
  #readyVersion = -1;
  #readyHooks: ReadyHook[] = [];
  #resolving = false;

  /** Changes whenever a model is registered or removed (caches of reverse relations key on it). */
  get version(): number {
    return this.#version;
  }

  register(model: AnyModelClass): void {
    const meta = model._meta;
    const key = meta.labelLower as string;
    const existing = this.#models.get(key);
    if (existing && existing !== model) {
      throw new ImproperlyConfigured(
        `Conflicting '${meta.modelName}' models in application '${meta.appLabel}': ${existing._meta.label} (${existing.name}) and ${meta.label} (${model.name}).`,
      );
    }
    this.#models.set(key, model);
    if (!meta.proxy && !this.#byTable.has(meta.table)) this.#byTable.set(meta.table, model);
    this.#version++;
  }

  /** Removes a model (tests that define throwaway models). */
  unregister(model: AnyModelClass): void {
    const key = model._meta.labelLower as string;
    if (this.#models.get(key) === model) this.#models.delete(key);
    if (this.#byTable.get(model._meta.table) === model) this.#byTable.delete(model._meta.table);
    this.#version++;
  }

  /** Django: `apps.get_model('app', 'Model')` or `apps.get_model('app.Model')`, case-insensitive. */
  getModel(appLabel: string, modelName?: string): AnyModelClass {
    let app = appLabel;
    let name = modelName;
    if (name === undefined) {
      const parts = appLabel.split('.');
      if (parts.length !== 2) throw new TypeError(`Model label must be in the form 'app_label.ModelName', not '${appLabel}'.`);
      [app, name] = parts as [string, string];
    }
    const model = this.#models.get(`${app}.${name}`.toLowerCase());
    if (model) return model;
    const known = [...this.#models.keys()].some((k) => k.startsWith(`${app.toLowerCase()}.`)) || this.#appConfigs.has(app);
    if (!known) throw new LookupError(`No installed app with label '${app}'.`);
    throw new LookupError(`App '${app}' doesn't have a '${name}' model.`);
  }

  /** The model registered for a label, or `undefined`. */
  findModel(label: string): AnyModelClass | undefined {
    return this.#models.get(label.toLowerCase());
  }

  /** The concrete model that owns a Drizzle table. */
  modelForTable(table: PgTable): AnyModelClass | undefined {
    return this.#byTable.get(table);
  }

  /** Django: `apps.get_models()` (auto-created through models included with `includeAutoCreated`). */
  getModels(options: { includeAutoCreated?: boolean } = {}): AnyModelClass[] {
    return [...this.#models.values()].filter((m) => options.includeAutoCreated || !m._meta.autoCreated);
  }

  getAppConfig(label: string): AppConfig {
    const config = this.#appConfigs.get(label);
    if (!config) throw new LookupError(`No installed app with label '${label}'.`);
    return config;
  }

  getAppConfigs(): AppConfig[] {
    return [...this.#appConfigs.values()];
  }

  isInstalled(label: string): boolean {
    return this.#appConfigs.has(label);
  }

  addAppConfig(config: AppConfig): void {
    const existing = this.#appConfigs.get(config.label);
    if (existing && existing !== config) {
      throw new ImproperlyConfigured(`Application labels aren't unique, duplicates: ${config.label}`);
    }
    this.#appConfigs.set(config.label, config);
    this.#version++;
  }

  /** Registered by the model layer: resolves relations of every model (run when the registry changed). */
  onReady(hook: ReadyHook): void {
    this.#readyHooks.push(hook);
  }

  /** Resolves pending relations, installs reverse accessors and checks clashes, once per registry change. */
  ensureReady(): void {
    if (this.#readyVersion === this.#version || this.#resolving) return;
    this.#resolving = true;
    try {
      for (const hook of this.#readyHooks) hook();
      this.#readyVersion = this.#version;
    } finally {
      this.#resolving = false;
    }
  }
}

export const apps = new Apps();
