/**
 * The `ContentType` model: one row per installed model, `django_content_type (id, app_label,
 * model)`, unique per `(app_label, model)`, in the `contenttypes` app.
 *
 * ```ts
 * const ct = await ContentType.objects.getForModel(Article);
 * ct.modelClass();                                   // ct.model_class() → Article
 * await ct.getObjectForThisType({ pk: 1 });          // ct.get_object_for_this_type(pk=1)
 * ct.getAllObjectsForThisType({ published: true });  // ct.get_all_objects_for_this_type(published=True)
 * ct.naturalKey();                                   // ('news', 'article')
 * ct.name;                                           // 'article' (the verbose name)
 * String(ct);                                        // 'News | article'
 * ```
 */
import { pgTable, serial, unique, varchar } from 'drizzle-orm/pg-core';
import { LookupError } from '../core/errors.js';
import { defineApp } from '../models/app.js';
import { humanize, type AnyModelClass } from '../models/field.js';
import { Model } from '../models/model.js';
import type { Options } from '../models/options.js';
import { apps } from '../models/registry.js';
import { STATE } from '../models/state.js';
import type { AnyModel } from '../models/types.js';
import { QuerySet } from '../query/queryset.js';
import type { FilterArg } from '../query/types.js';
import { ContentTypeManager } from './manager.js';

/** `django_content_type`, with Django's constraint name. */
export const contentTypeTable = pgTable(
  'django_content_type',
  {
    id: serial('id').primaryKey(),
    appLabel: varchar('app_label', { length: 100 }).notNull(),
    model: varchar('model', { length: 100 }).notNull(),
  },
  (t) => [unique('django_content_type_app_label_model_76bd3d3b_uniq').on(t.appLabel, t.model)],
);

export class ContentType extends Model(contentTypeTable, {
  app: 'contenttypes',
  name: 'ContentType',
  fields: { model: { verboseName: 'python model class name' } },
  meta: { verboseName: 'content type', verboseNamePlural: 'content types' },
  manager: new ContentTypeManager(),
}) {
  declare static objects: ContentTypeManager;

  /** Django: `model_class()`: the model of this type, or `null` when it is no longer installed. */
  modelClass(): AnyModel | null {
    return (apps.findModel(`${this.appLabel}.${this.model}`) as AnyModel | undefined) ?? null;
  }

  /** Django's `name`: the model's verbose name (the stored model name when the model is gone). */
  get name(): string {
    const model = this.modelClass();
    return model ? (model._meta as Options).verboseName : this.model;
  }

  /** Django's `app_labeled_name`: `'<app verbose name> | <model verbose name>'`. */
  get appLabeledName(): string {
    const model = this.modelClass();
    if (!model) return this.model;
    const meta = model._meta as Options;
    const app = apps.isInstalled(meta.appLabel) ? apps.getAppConfig(meta.appLabel).verboseName : humanize(meta.appLabel).replace(/^\w/, (c) => c.toUpperCase());
    return `${app} | ${meta.verboseName}`;
  }

  /** Django: `natural_key()` → `[app_label, model]`. */
  naturalKey(): [string, string] {
    return [this.appLabel, this.model];
  }

  #requireModel(method: string): AnyModelClass {
    const model = this.modelClass();
    if (!model) throw new LookupError(`${method}(): content type '${this.appLabel}.${this.model}' has no model: no installed model is labelled '${this.appLabel}.${this.model}'.`);
    return model;
  }

  /**
   * Django: `get_object_for_this_type(using=None, **kwargs)`, through the base manager (no
   * custom manager's filtering), on this content type's database unless `using` says otherwise.
   */
  async getObjectForThisType(lookups: FilterArg<unknown>, options: { using?: string } = {}): Promise<unknown> {
    const model = this.#requireModel('getObjectForThisType');
    const using = options.using ?? this[STATE].db ?? undefined;
    const qs = new QuerySet(model);
    return (using ? qs.using(using) : qs).get(lookups as never);
  }

  /** Django: `get_all_objects_for_this_type(**kwargs)`: a QuerySet of the base manager. */
  getAllObjectsForThisType(lookups: FilterArg<unknown> = {}): QuerySet<unknown> {
    const model = this.#requireModel('getAllObjectsForThisType');
    const using = this[STATE].db;
    const qs = new QuerySet(model);
    return (using ? qs.using(using) : qs).filter(lookups as never);
  }

  /** Django's `__str__`: `app_labeled_name`. */
  override toString(): string {
    return this.appLabeledName;
  }
}

/** The `contenttypes` app (Django's `django.contrib.contenttypes`). */
export const contenttypesApp = apps.isInstalled('contenttypes') ? apps.getAppConfig('contenttypes') : defineApp('contenttypes', { models: [ContentType], verboseName: 'Content Types' });
