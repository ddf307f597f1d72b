/**
 * `djazzle/hono`: Django's request cycle and Django REST framework's model views on Hono.
 *
 * ```ts
 * import { Hono } from 'hono';
 * import { session, errorHandler, modelRoutes } from 'djazzle/hono';
 *
 * const app = new Hono();
 * app.use(session({ atomic: true }));   // one session (and transaction) per request; c.var.session
 * app.onError(errorHandler);            // DoesNotExist → 404, ValidationError → 400, IntegrityError → 409
 * app.route('/books', modelRoutes(Book, { filterFields: { title: ['icontains'] }, orderingFields: ['title'] }));
 * ```
 * The admin (`admin({ models, auth })`) is not part of this entry point yet.
 */
export { session, resolveConnection, REQUEST_SENDER, type SessionMiddlewareOptions, type ConnectionSource } from './session.js';
export { errorHandler, errorResponse, HttpError, NOT_FOUND } from './errors.js';
export { modelRoutes, type ModelRoutesOptions } from './model-routes.js';
