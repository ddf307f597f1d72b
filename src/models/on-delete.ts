/**
 * Django's `on_delete` handlers. They are descriptions; the deletion collector (`src/query`)
 * carries them out, so that signals are sent per object in Django's order.
 *
 * ```ts
 * ForeignKey(() => Reporter, { onDelete: CASCADE })   // models.ForeignKey(Reporter, on_delete=models.CASCADE)
 * ForeignKey(() => User, { onDelete: SET(() => sentinel.id) })
 * ```
 */
export type OnDeleteName = 'CASCADE' | 'PROTECT' | 'RESTRICT' | 'SET_NULL' | 'SET_DEFAULT' | 'SET' | 'DO_NOTHING';

export interface OnDelete {
  readonly name: OnDeleteName;
  /** For `SET(value | fn)`: the value, or a synchronous function returning it. */
  readonly value?: unknown;
}

export const CASCADE: OnDelete = Object.freeze({ name: 'CASCADE' });
export const PROTECT: OnDelete = Object.freeze({ name: 'PROTECT' });
export const RESTRICT: OnDelete = Object.freeze({ name: 'RESTRICT' });
export const SET_NULL: OnDelete = Object.freeze({ name: 'SET_NULL' });
export const SET_DEFAULT: OnDelete = Object.freeze({ name: 'SET_DEFAULT' });
export const DO_NOTHING: OnDelete = Object.freeze({ name: 'DO_NOTHING' });

/** Django: `models.SET(value)` / `models.SET(callable)`. A function must be synchronous. */
export function SET(value: unknown): OnDelete {
  return Object.freeze({ name: 'SET', value });
}

/** Maps a Drizzle `.references(…, { onDelete })` action to a handler (none → PROTECT, as Postgres' NO ACTION refuses). */
export function onDeleteFromReference(action: string | undefined): OnDelete {
  switch (action) {
    case 'cascade':
      return CASCADE;
    case 'set null':
      return SET_NULL;
    case 'set default':
      return SET_DEFAULT;
    case 'restrict':
      return RESTRICT;
    default:
      return PROTECT;
  }
}
