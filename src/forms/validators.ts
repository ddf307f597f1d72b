/**
 * Field validators (`fields.<name>.validators`): functions and valibot actions.
 *
 * ```ts
 * const even = (value: unknown) => {                 // def validate_even(value):
 *   if (Number(value) % 2) throw new ValidationError(`${value} is not an even number`, { code: 'even' });
 * };
 * fields: { pages: { validators: [even, v.maxValue(5000)] } }
 * ```
 * A function returns nothing (or `true`) when the value is valid, throws `ValidationError`
 * when it is not (`false` counts as "Enter a valid value."); any other error propagates.
 * A valibot action (or schema) contributes its issues.
 */
import * as v from 'valibot';
import { ValidationError } from '../core/errors.js';
import type { Field, FieldValidator } from '../models/field.js';
import { issueMessage, messages } from './messages.js';

type Runnable = { kind: string; async?: boolean; '~run': (dataset: unknown, config: unknown) => unknown };

function isValibot(validator: FieldValidator): validator is FieldValidator & Runnable {
  return typeof validator === 'object' && validator !== null && typeof (validator as Runnable)['~run'] === 'function';
}

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { constructor?: { name?: string } }).constructor?.name === 'AsyncFunction';
}

function errorMessages(error: unknown): string[] {
  if (error instanceof ValidationError) return error.messages;
  throw error;
}

/** Runs every validator of `field` on `value` (not empty) and answers their messages. */
export async function runValidators(field: Field, value: unknown): Promise<string[]> {
  const out: string[] = [];
  for (const validator of field.validators) {
    if (isValibot(validator)) {
      const dataset = (await validator['~run']({ typed: true, value }, {})) as { issues?: v.BaseIssue<unknown>[] };
      for (const issue of dataset.issues ?? []) out.push(issueMessage(issue, field, issue.path !== undefined));
      continue;
    }
    try {
      const result = await (validator as (value: unknown) => unknown)(value);
      if (result === false) out.push(messages.invalid());
    } catch (error) {
      out.push(...errorMessages(error));
    }
  }
  return out;
}

/** Whether `modelSchema` must be parsed with `safeParseAsync` (an async function or action among the validators). */
export function hasAsyncValidators(field: Field): boolean {
  return field.validators.some((validator) => (isValibot(validator) ? validator.async === true : isAsyncFunction(validator)));
}

/** The validators of `field` as valibot pipe items (for `modelSchema`). */
export function validatorActions(field: Field): v.PipeItem<unknown, unknown, v.BaseIssue<unknown>>[] {
  return field.validators.map((validator) => {
    if (isValibot(validator)) return validator as unknown as v.PipeItem<unknown, unknown, v.BaseIssue<unknown>>;
    const fn = validator as (value: unknown) => unknown;
    const report = (result: unknown, addIssue: (info: { message: string }) => void) => {
      if (result === false) addIssue({ message: messages.invalid() });
    };
    if (isAsyncFunction(fn)) {
      return v.rawCheckAsync(async ({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        try {
          report(await fn(dataset.value), addIssue);
        } catch (error) {
          for (const message of errorMessages(error)) addIssue({ message });
        }
      }) as unknown as v.PipeItem<unknown, unknown, v.BaseIssue<unknown>>;
    }
    return v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      try {
        report(fn(dataset.value), addIssue);
      } catch (error) {
        for (const message of errorMessages(error)) addIssue({ message });
      }
    });
  });
}
