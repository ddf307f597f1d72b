/**
 * Errors as HTTP answers, Django REST framework's way. `errorHandler` is for `app.onError`:
 *
 * | error | status | body |
 * | --- | --- | --- |
 * | `ObjectDoesNotExist` (every `Model.DoesNotExist`) | 404 | `{ "detail": "Not found." }` |
 * | `ValidationError` | 400 | `{ "errors": { field: [messages], "__all__": [...] } }` |
 * | `ProtectedError`, `RestrictedError` | 409 | `{ "detail": <Django's message> }` |
 * | `IntegrityError` | 409 | `{ "detail": "The request conflicts with existing data." }` |
 * | Hono's `HTTPException` | its own | its own |
 * | anything else | 500 | `{ "detail": "Internal server error." }` (logged; no SQL, no stack) |
 *
 * ```ts
 * app.onError(errorHandler);
 * ```
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { DjazzleError, IntegrityError, ObjectDoesNotExist, ProtectedError, RestrictedError, ValidationError } from '../core/errors.js';

export const NOT_FOUND = { detail: 'Not found.' } as const;

/** A client error with its answer (raised by the routes for bad query strings, bodies and pages). */
export class HttpError extends DjazzleError {
  readonly status: 400 | 404 | 413;
  readonly body: Record<string, unknown>;
  constructor(status: 400 | 404 | 413, body: Record<string, unknown>) {
    super(typeof body['detail'] === 'string' ? body['detail'] : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** `400 { detail }`. */
export const badRequest = (detail: string) => new HttpError(400, { detail });

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** The response for `error`; unexpected errors are logged and answered 500 without details. */
export function errorResponse(error: unknown, c?: Context): Response {
  if (error instanceof HttpError) return json(error.body, error.status);
  if (error instanceof HTTPException) return error.getResponse();
  if (error instanceof ObjectDoesNotExist) return json(NOT_FOUND, 404);
  if (error instanceof ValidationError) return json({ errors: error.messageDict }, 400);
  if (error instanceof ProtectedError || error instanceof RestrictedError) return json({ detail: error.message }, 409);
  if (error instanceof IntegrityError) return json({ detail: 'The request conflicts with existing data.' }, 409);
  console.error(c ? `${c.req.method} ${c.req.path} failed:` : 'request failed:', error);
  return json({ detail: 'Internal server error.' }, 500);
}

/** For `app.onError(errorHandler)`: djazzle's errors as HTTP answers (see the table above). */
export function errorHandler(error: Error, c: Context): Response {
  return errorResponse(error, c);
}
