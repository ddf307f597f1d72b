/**
 * Relation properties on model prototypes, Django's descriptors:
 * - forward foreign key / one-to-one (`article.reporter`): the loaded object, or
 *   `RelatedObjectNotLoaded`; assigning sets `reporterId`;
 * - reverse one-to-one (`place.restaurant`): the loaded object, or the related `DoesNotExist`;
 * - reverse foreign key and many-to-many (`reporter.articleSet`, `article.publications`): a related manager.
 * No property read ever sends a query.
 */
import { activeSession } from '../core/ports.js';
import { RelatedObjectNotLoaded } from '../core/errors.js';
import type { AnyModelClass, Field } from './field.js';
import { lowerFirst } from './options.js';
import { modelQueries } from './ports.js';
import { STATE, type HasState } from './state.js';

const OURS = Symbol.for('djazzle.accessor');

/** Defines a relation property on a model prototype; a member the user declared on the class wins. */
export function defineAccessor(proto: object, name: string, descriptor: PropertyDescriptor): void {
  define(proto, name, descriptor);
}

function define(proto: object, name: string, descriptor: PropertyDescriptor): void {
  const existing = Object.getOwnPropertyDescriptor(proto, name);
  if (existing && !(existing.get as { [OURS]?: boolean } | undefined)?.[OURS]) return; // the user's own member wins
  if (descriptor.get) (descriptor.get as { [OURS]?: boolean })[OURS] = true;
  Object.defineProperty(proto, name, { configurable: true, enumerable: false, ...descriptor });
}

function notLoaded(instance: object, field: Field): never {
  const model = field.model._meta.objectName as string;
  const variable = lowerFirst(model);
  throw new RelatedObjectNotLoaded(
    `${model}.${field.name} is not loaded. Load it with .selectRelated('${field.name}') or .prefetchRelated('${field.name}') on the query, ` +
      `or with \`await ${variable}.fetch('${field.name}')\`.`,
  );
}

/** Forward foreign key / one-to-one: a getter answering from the cache, a setter that sets the column. */
export function installForwardAccessor(model: AnyModelClass, field: Field): void {
  const { name, attname } = field;
  define(model.prototype, name, {
    get(this: HasState & Record<string, unknown>) {
      const state = this[STATE];
      const value = this[attname];
      if (state.cache?.has(name)) {
        const cached = state.cache.get(name) as Record<string, unknown> | null;
        const targetAttname = field.targetField?.attname ?? 'id';
        // an unsaved related object has no key yet: its undefined and the column's NULL match
        if (cached === null ? value === null || value === undefined : (cached[targetAttname] ?? null) === (value ?? null)) return cached;
        state.cache.delete(name); // the column changed since: the cached object is stale
      }
      if (value === null || value === undefined) return null;
      const session = activeSession();
      if (session && field.targetField?.primaryKey && field.relatedModel) {
        const hit = session.identityLookup(field.relatedModel._meta.concreteModel, value);
        if (hit) return hit;
      }
      return notLoaded(this, field);
    },
    set(this: HasState & Record<string, unknown>, related: unknown) {
      const state = this[STATE];
      if (related === null || related === undefined) {
        this[attname] = null;
        state.cacheSet(name, null);
        return;
      }
      const target = field.relatedModel;
      if (target && !(related instanceof target._meta.concreteModel)) {
        const shown = typeof related === 'object' ? (related.constructor?.name ?? 'object') : JSON.stringify(related);
        throw new TypeError(`Cannot assign "${shown}": "${field.model._meta.objectName}.${name}" must be a "${target._meta.objectName}" instance.`);
      }
      const targetAttname = field.targetField?.attname ?? 'id';
      this[attname] = (related as Record<string, unknown>)[targetAttname] ?? null; // unsaved: NULL, as in Django
      state.cacheSet(name, related);
    },
  });
}

/** Many-to-many on the declaring side: a related manager. */
export function installManagerAccessor(model: AnyModelClass, name: string, field: Field): void {
  define(model.prototype, name, {
    get(this: object) {
      return modelQueries().relatedManager(this, field);
    },
  });
}

/** Reverse one-to-one: the loaded object, or the related model's `DoesNotExist` once known absent. */
function installReverseOneToOne(model: AnyModelClass, field: Field): void {
  const name = field.accessorName;
  define(model.prototype, name, {
    get(this: HasState) {
      const state = this[STATE];
      if (state.cache?.has(name)) {
        const cached = state.cache.get(name);
        if (cached === null) {
          const owner = field.model._meta.objectName as string;
          throw new field.relatedModel.DoesNotExist(`${owner} has no ${name}.`);
        }
        return cached;
      }
      return notLoaded(this, field);
    },
    set(this: HasState, related: unknown) {
      this[STATE].cacheSet(name, related ?? null);
    },
  });
}

/** Installs the reverse-side properties of every relation pointing at `model`'s relations' targets. */
export function installRelationAccessors(model: AnyModelClass): void {
  const meta = model._meta;
  if (meta.proxy) return;
  for (const field of meta.localForward as Field[]) {
    const reverse = field.remoteField;
    if (!field.isRelation || !reverse || reverse.hidden || !field.relatedModel) continue;
    const target = field.relatedModel._meta.concreteModel;
    if (reverse.kind === 'reverseOneToOne') installReverseOneToOne(target, reverse);
    else installManagerAccessor(target, reverse.accessorName, reverse);
  }
}
