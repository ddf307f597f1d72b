/**
 * The boundary between valibot and Django: issues (data) become `{ field: [messages] }` and
 * `ValidationError`, with Django's wording.
 *
 * ```ts
 * const result = v.safeParse(modelSchema(Book), input);
 * if (!result.success) throw toValidationError(Book, result.issues); // e.messageDict → { title: [...] }
 * ```
 */
import type { BaseIssue } from 'valibot';
import { NON_FIELD_ERRORS, ValidationError } from '../core/errors.js';
import type { AnyModelClass } from '../models/field.js';
import type { Options } from '../models/options.js';
import { issueMessage } from './messages.js';

/** `{ key: [messages] }` from the issues of a `modelSchema` parse (keys from the issue paths; `__all__` without one). */
export function issuesToErrors(model: AnyModelClass, issues: readonly BaseIssue<unknown>[]): Record<string, string[]> {
  const meta = model._meta as Options;
  const errors: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = issue.path?.[0]?.key;
    const name = typeof key === 'string' ? key : NON_FIELD_ERRORS;
    const message = issueMessage(issue, meta.forwardField(name), (issue.path?.length ?? 0) > 1);
    (errors[name] ??= []).push(message);
  }
  return errors;
}

/** A `ValidationError` whose `messageDict` holds the issues' messages. */
export function toValidationError(model: AnyModelClass, issues: readonly BaseIssue<unknown>[]): ValidationError {
  return new ValidationError(issuesToErrors(model, issues));
}
