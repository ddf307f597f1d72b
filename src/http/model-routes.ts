/**
 * `modelRoutes(Model, opts)`: a Hono app with Django REST framework's `ModelViewSet` for one model.
 *
 * ```ts
 * app.use(session());
 * app.route('/books', modelRoutes(Book, {
 *   filterFields: { title: ['exact', 'icontains'], pages: ['gte', 'lte'], author__name: ['icontains'] },
 *   orderingFields: ['title', 'pubDate'], searchFields: ['title', 'author__name'],
 *   selectRelated: ['author'], readOnlyFields: ['createdAt'],
 * }));
 * ```
 *
 * | route | answer |
 * | --- | --- |
 * | `GET /` | 200 `{ count, next, previous, results }` (filters, `ordering`, `search`, `page`, `pageSize`) |
 * | `GET /:pk` | 200 the object, 404 `{ detail: 'Not found.' }` |
 * | `POST /` | 201 the object |
 * | `PUT /:pk`, `PATCH /:pk` | 200 the object (PATCH: partial) |
 * | `DELETE /:pk` | 204 |
 *
 * Objects are `instance.toJSON()` restricted to the exposed fields. A bad request is a 400 and
 * writes nothing (`{ errors: { field: [messages] } }` for values, `{ detail }` for the rest); a
 * body over `maxBodySize` (1 MB) is a 413. Bodies are validated by `djazzle/forms` (types,
 * lengths, choices, validators, `clean()`, uniqueness and foreign keys against the database)
 * before anything is written; writes run in a transaction where the driver has them.
 */
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { DatabaseError, ImproperlyConfigured } from '../core/errors.js';
import { atomic } from '../db/transaction.js';
import { getConnection } from '../db/connect.js';
import { parseText } from '../forms/field-schema.js';
import { isPlainObject, validateInput } from '../forms/validate.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import type { Prefetch } from '../query/prefetch-spec.js';
import type { QuerySet } from '../query/queryset.js';
import { badRequest, errorHandler, HttpError, NOT_FOUND } from './errors.js';
import { allowedFilters, type ListConfig, readListParams, resolvePath, searchLookups } from './list-params.js';

export interface ModelRoutesOptions<M = unknown> {
  /** Exposed and writable fields (names or attribute names). Default: every field, the editable ones writable. */
  fields?: readonly string[];
  /** Exposed, never written (keys in a body are ignored). */
  readOnlyFields?: readonly string[];
  /** Allowed filters: field path → lookups (`{ title: ['exact', 'icontains'], pubDate: ['year', 'gte'] }`). */
  filterFields?: Readonly<Record<string, readonly string[]>>;
  /** Field paths `?ordering=` may name (each may be prefixed with `-`). */
  orderingFields?: readonly string[];
  /** The ordering without `?ordering=` (default: the model's `Meta.ordering`). */
  defaultOrdering?: readonly string[];
  /** Field paths `?search=` looks in (`icontains`; `^` prefix: starts with, `=`: exact). */
  searchFields?: readonly string[];
  /** Default 20. */
  pageSize?: number;
  /** `?pageSize=` above it is capped. Default 100. */
  maxPageSize?: number;
  selectRelated?: readonly string[];
  prefetchRelated?: ReadonlyArray<string | Prefetch>;
  /** The base QuerySet (Django REST framework's `get_queryset()`); lists, lookups, updates and deletes stay within it. */
  queryset?: (c: Context) => QuerySet<M, M>;
  /** The JSON of one object (default: `toJSON()` of the exposed fields). */
  serialize?: (instance: M, c: Context) => unknown;
  /** Largest accepted body in bytes. Default 1 MB. */
  maxBodySize?: number;
}

type Instance = Record<string, unknown> & { toJSON(): Record<string, unknown>; save(o?: object): Promise<void>; delete(): Promise<unknown> };

function fieldsByName(meta: Options, names: readonly string[], option: string): Field[] {
  return names.map((name) => {
    const field = name === 'pk' ? meta.pk : meta.forwardField(name);
    if (!field || field.column === null) throw new ImproperlyConfigured(`modelRoutes(${meta.objectName}): ${option} names '${name}', which is not a concrete field. Choices are: ${meta.concreteFields.map((f) => f.attname).join(', ')}.`);
    return field;
  });
}

/** Which fields the routes show and which they write. */
function fieldPlan(meta: Options, options: ModelRoutesOptions<unknown>) {
  const concrete = meta.concreteFields.filter((f) => !f.manyToMany);
  const listed = options.fields ? new Set(fieldsByName(meta, options.fields, 'fields')) : undefined;
  const readOnly = new Set(fieldsByName(meta, options.readOnlyFields ?? [], 'readOnlyFields'));
  const exposed = concrete.filter((f) => !listed || listed.has(f) || readOnly.has(f) || f === meta.pk);
  const writable = exposed.filter((f) => f.editable && !readOnly.has(f) && (!listed || listed.has(f)));
  return { exposed, writable, ignored: new Set(exposed.filter((f) => !writable.includes(f)).map((f) => f.attname)) };
}

/** The list-route configuration from the options (checked once, at definition). */
function listConfig(model: AnyModelClass, options: ModelRoutesOptions<unknown>): ListConfig {
  const meta = model._meta as Options;
  for (const path of options.orderingFields ?? []) resolvePath(meta, path, 'orderingFields');
  const pageSize = options.pageSize ?? 20;
  const maxPageSize = options.maxPageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || !Number.isInteger(maxPageSize) || maxPageSize < pageSize) {
    throw new ImproperlyConfigured(`modelRoutes(${meta.objectName}): pageSize and maxPageSize must be positive integers, pageSize ≤ maxPageSize.`);
  }
  return {
    filters: allowedFilters(model, options.filterFields ?? {}),
    ordering: new Set(options.orderingFields ?? []),
    search: searchLookups(model, options.searchFields ?? []),
    pageSize,
    maxPageSize,
  };
}

const firstLine = (text: string) => text.split('\n', 1)[0]!;

/** `url` with `page` set (removed for page 1, as Django REST framework links). */
function pageLink(url: URL, page: number): string {
  const next = new URL(url);
  if (page === 1) next.searchParams.delete('page');
  else next.searchParams.set('page', String(page));
  return next.toString();
}

/** The request body as JSON, or a 400 naming the problem. */
async function readJson(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('Malformed JSON.');
  }
  if (!isPlainObject(body)) {
    throw badRequest(`Invalid data. Expected an object, but got ${body === null ? 'null' : Array.isArray(body) ? 'list' : typeof body}.`);
  }
  return body;
}

/** Runs a write in one transaction where the driver has them (a failed request writes nothing). */
function inTransaction<T>(alias: string, fn: () => Promise<T>): Promise<T> {
  return getConnection(alias).capabilities.interactiveTransactions ? atomic(fn, { using: alias }) : fn();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function modelRoutes<M extends abstract new (...args: any) => any>(model: M, options: ModelRoutesOptions<InstanceType<M>> = {}): Hono {
  type I = InstanceType<M>;
  const meta = (model as AnyModelClass)._meta as Options;
  const plan = fieldPlan(meta, options as ModelRoutesOptions<unknown>);
  const config = listConfig(model, options as ModelRoutesOptions<unknown>);
  const writableNames = plan.writable.map((f) => f.name);
  const exposedKeys = plan.exposed.map((f) => f.attname);
  const maxBodySize = options.maxBodySize ?? 1024 * 1024;

  const serialize = (instance: I, c: Context): unknown => {
    if (options.serialize) return options.serialize(instance, c);
    const json = (instance as Instance).toJSON();
    const out: Record<string, unknown> = {};
    for (const key of exposedKeys) if (key in json) out[key] = json[key];
    return out;
  };

  const base = (c: Context): QuerySet<I, I> => {
    let qs = options.queryset ? options.queryset(c) : ((model as unknown as { objects: { all(): QuerySet<I, I> } }).objects.all());
    if (options.selectRelated?.length) qs = qs.selectRelated(...options.selectRelated);
    if (options.prefetchRelated?.length) qs = qs.prefetchRelated(...(options.prefetchRelated as Array<string | Prefetch>));
    return qs;
  };

  /** The object named by the path, within the base QuerySet; 404 for a value the pk column cannot hold. */
  const object = async (c: Context): Promise<I> => {
    const parsed = parseText(meta.pk, c.req.param('pk') ?? '');
    if ('error' in parsed) throw new HttpError(404, NOT_FOUND);
    return base(c).get({ pk: parsed.value } as never);
  };

  /** Validates a body for `instance` (or a new object) and answers the instance to save, or a 400. */
  const checked = async (c: Context, instance: I | undefined, partial: boolean): Promise<{ target: Instance; data: Record<string, unknown> }> => {
    const body = await readJson(c);
    for (const key of Object.keys(body)) if (plan.ignored.has(key)) delete body[key]; // read-only: never written
    const result = await validateInput(model, body, { fields: writableNames, instance, partial });
    if (Object.keys(result.errors).length > 0) throw new HttpError(400, { errors: result.errors });
    return { target: (instance ?? result.instance) as unknown as Instance, data: result.data };
  };

  const limit = bodyLimit({ maxSize: maxBodySize, onError: (c) => c.json({ detail: `Request body too large (the limit is ${maxBodySize} bytes).` }, 413) });

  const app = new Hono();
  // A value the database refuses (SQLSTATE class 22: a regular expression, a number or date out of
  // its range) is the request's fault: 400, with PostgreSQL's message (no SQL, no parameters).
  app.onError((error, c) =>
    error instanceof DatabaseError && error.code?.startsWith('22') ? c.json({ detail: `Invalid value: ${firstLine(error.message)}` }, 400) : errorHandler(error, c),
  );
  app.notFound((c) => c.json(NOT_FOUND, 404));

  app.get('/', async (c) => {
    const url = new URL(c.req.url);
    const params = readListParams(url, config);
    let qs = base(c).filter(params.filters as never, ...params.search);
    if (params.distinct) qs = qs.distinct();
    const ordering = params.ordering && params.ordering.length > 0 ? params.ordering : [...(options.defaultOrdering ?? meta.ordering)];
    if (!ordering.some((term) => ['pk', '-pk', meta.pk.name, `-${meta.pk.name}`].includes(term))) ordering.push('pk');
    qs = qs.orderBy(...(ordering as never[]));
    const count = await qs.count();
    const pages = Math.max(1, Math.ceil(count / params.pageSize));
    if (params.page > pages) throw new HttpError(404, { detail: 'Invalid page.' });
    const results = await qs.slice((params.page - 1) * params.pageSize, params.page * params.pageSize);
    return c.json({
      count,
      next: params.page < pages ? pageLink(url, params.page + 1) : null,
      previous: params.page > 1 ? pageLink(url, params.page - 1) : null,
      results: await Promise.all(results.map((instance) => serialize(instance, c))),
    });
  });

  app.get('/:pk', async (c) => c.json(await serialize(await object(c), c)));

  app.post('/', limit, async (c) => {
    const { target } = await checked(c, undefined, false);
    await inTransaction(base(c).db, () => target.save({ forceInsert: true }));
    return c.json(await serialize(target as unknown as I, c), 201);
  });

  const update = (partial: boolean) => async (c: Context) => {
    const instance = await object(c);
    const { target, data } = await checked(c, instance, partial);
    Object.assign(target, data);
    await inTransaction(base(c).db, () => target.save());
    return c.json(await serialize(instance, c));
  };
  app.put('/:pk', limit, update(false));
  app.patch('/:pk', limit, update(true));

  app.delete('/:pk', async (c) => {
    const instance = (await object(c)) as unknown as Instance;
    await inTransaction(base(c).db, () => instance.delete());
    return c.body(null, 204);
  });

  return app;
}
