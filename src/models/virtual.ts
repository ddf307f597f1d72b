/**
 * Virtual field specs: the model layer's extension point for fields that are not a column and not
 * a plain relation (Django's `Field.contribute_to_class` for private fields, e.g. generic
 * relations in `djazzle/contenttypes`). A spec given in `Model(table, { fields })` is skipped when
 * the columns are read, and its `contributeToClass(model, name)` runs once the model is prepared
 * (registered, column fields built); it may add a private field with `model._meta.addPrivateField`
 * and install properties on `model.prototype` (`defineAccessor`).
 *
 * ```ts
 * fields: { contentObject: GenericForeignKey('contentType', 'objectId') }
 * // content_object = GenericForeignKey('content_type', 'object_id')
 * ```
 */
import type { AnyModelClass } from './field.js';

export const VIRTUAL_FIELD: unique symbol = Symbol.for('djazzle.virtualField') as never;

export interface VirtualFieldSpec<T = unknown> {
  readonly [VIRTUAL_FIELD]: true;
  /** Called once, when the model is prepared (never for proxies: they share their base's fields). */
  contributeToClass(model: AnyModelClass, name: string): void;
  /** Type-level marker for the instance property's type (never set at run time). */
  readonly __value?: T;
}

export function isVirtualFieldSpec(value: unknown): value is VirtualFieldSpec {
  return typeof value === 'object' && value !== null && VIRTUAL_FIELD in value && typeof (value as VirtualFieldSpec).contributeToClass === 'function';
}
