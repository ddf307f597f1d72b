/**
 * `djazzle/forms`: Django's model validation on valibot. `modelSchema` (a valibot schema of a
 * model's fields), `validate` (untrusted input checked as a `ModelForm` would, uniqueness and
 * foreign keys against the database), and the helpers that turn valibot issues into Django's
 * `{ field: [messages] }`. `instance.fullClean()` is loaded with `djazzle` itself.
 */
import './clean.js';

export { modelSchema, selectFields, isRequired, type ModelSchemaOptions } from './schema.js';
export { validate, type ValidateOptions, type ValidateResult } from './validate.js';
export { cleanFields, fullClean, validateUnique, validateConstraints, mergeError, type ErrorDict } from './clean.js';
export { issueMessage, messages, pyRepr, capfirst, textList } from './messages.js';
export { issuesToErrors, toValidationError } from './issues.js';
export { ValidationError, NON_FIELD_ERRORS } from '../core/errors.js';
