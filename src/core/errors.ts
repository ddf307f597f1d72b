/**
 * djazzle's errors. Names and wording follow Django (`django.core.exceptions`, `django.db`);
 * every error extends {@link DjazzleError}, so `catch (e) { if (e instanceof DjazzleError) … }`
 * catches everything djazzle throws on purpose.
 */

export class DjazzleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Django: `ObjectDoesNotExist`. Each model has its own subclass: `Article.DoesNotExist`. */
export class ObjectDoesNotExist extends DjazzleError {}

/** Django: `MultipleObjectsReturned`. Each model has its own subclass. */
export class MultipleObjectsReturned extends DjazzleError {}

/** Django: `FieldError`: an unknown field or lookup, or a field used where it cannot be. */
export class FieldError extends DjazzleError {}

/** Django: `FieldDoesNotExist`, thrown by `Model._meta.getField(name)`. */
export class FieldDoesNotExist extends DjazzleError {}

/** Django: `ImproperlyConfigured`: bad settings, a broken model definition, a bad connection URL. */
export class ImproperlyConfigured extends DjazzleError {}

/** Django: `NotSupportedError`: the database (here: the driver) cannot do what was asked. */
export class NotSupportedError extends DjazzleError {}

/** Django: `TransactionManagementError`. */
export class TransactionManagementError extends DjazzleError {}

/**
 * Thrown by a forward relation getter (`article.reporter`) when the related object was not loaded.
 * djazzle never queries behind a property read; the message says how to load it.
 */
export class RelatedObjectNotLoaded extends DjazzleError {}

/**
 * Django: `django.db.DatabaseError`. Carries the SQL, its parameters and the driver's error
 * (`cause`), with the same class whatever the driver.
 */
export class DatabaseError extends DjazzleError {
  readonly sql: string;
  readonly params: readonly unknown[];
  /** PostgreSQL SQLSTATE, e.g. `'23505'` for a unique violation. */
  readonly code: string | undefined;
  readonly constraint: string | undefined;
  readonly detail: string | undefined;

  constructor(
    message: string,
    init: { sql?: string; params?: readonly unknown[]; cause?: unknown; code?: string; constraint?: string; detail?: string } = {},
  ) {
    super(message, { cause: init.cause });
    this.sql = init.sql ?? '';
    this.params = init.params ?? [];
    this.code = init.code;
    this.constraint = init.constraint;
    this.detail = init.detail;
  }
}

/** Django: `django.db.IntegrityError` (SQLSTATE class 23: unique, foreign key, not null, check). */
export class IntegrityError extends DatabaseError {}

/** Django: `django.db.OperationalError`: the connection failed or was lost. */
export class OperationalError extends DatabaseError {}

/** Django: `ProtectedError`, raised by the deletion collector for `onDelete: PROTECT`. */
export class ProtectedError extends IntegrityError {
  readonly protectedObjects: ReadonlySet<object>;
  constructor(message: string, protectedObjects: Iterable<object>) {
    super(message);
    this.protectedObjects = new Set(protectedObjects);
  }
}

/** Django: `RestrictedError`, raised by the deletion collector for `onDelete: RESTRICT`. */
export class RestrictedError extends IntegrityError {
  readonly restrictedObjects: ReadonlySet<object>;
  constructor(message: string, restrictedObjects: Iterable<object>) {
    super(message);
    this.restrictedObjects = new Set(restrictedObjects);
  }
}

const NON_FIELD_ERRORS = '__all__';

export interface ValidationErrorOptions {
  code?: string;
  params?: Record<string, unknown>;
}

/**
 * Django: `ValidationError`. Built from a message, a list of messages, or a dict of
 * field name → messages; `messageDict` is always the dict form (`__all__` for non-field errors).
 *
 * ```ts
 * throw new ValidationError('Enter a valid value.', { code: 'invalid' });
 * throw new ValidationError({ title: ['This field cannot be blank.'] });
 * ```
 */
export class ValidationError extends DjazzleError {
  readonly code: string | undefined;
  readonly params: Record<string, unknown> | undefined;
  readonly errorDict: Record<string, string[]> | undefined;
  readonly errorList: string[];

  constructor(message: string | string[] | Record<string, string | string[]>, options: ValidationErrorOptions = {}) {
    const dict = typeof message === 'object' && !Array.isArray(message) ? normaliseDict(message) : undefined;
    const list: string[] = dict ? Object.values(dict).flat() : Array.isArray(message) ? message : [message as string];
    super(dict ? JSON.stringify(dict) : list.length === 1 ? list[0]! : JSON.stringify(list));
    this.code = options.code;
    this.params = options.params;
    this.errorDict = dict;
    this.errorList = list;
  }

  /** Django: `e.message_dict`. Non-field errors appear under `__all__`. */
  get messageDict(): Record<string, string[]> {
    return this.errorDict ?? { [NON_FIELD_ERRORS]: [...this.errorList] };
  }

  /** Django: `e.messages`. */
  get messages(): string[] {
    return this.errorList;
  }
}

function normaliseDict(input: Record<string, string | string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(input)) out[key] = Array.isArray(value) ? [...value] : [value];
  return out;
}

export { NON_FIELD_ERRORS };

/** Django's `LookupError` from the app registry: `apps.getModel('news', 'Missing')`. */
export class LookupError extends DjazzleError {}
