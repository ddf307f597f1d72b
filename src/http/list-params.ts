/**
 * The query string of a list route, read as django-filter and Django REST framework read it:
 * filters on allow-listed fields and lookups (a bare name means `exact`; `__in` and `__range` take
 * comma-separated values; `__isnull` takes `true`/`false`), `ordering` from an allow-list,
 * `search` over named fields, `page` and `pageSize`. Every value becomes a typed parameter; a name
 * outside the allow-lists is a 400 naming what is allowed, never SQL.
 */
import { ImproperlyConfigured } from '../core/errors.js';
import { parseText } from '../forms/field-schema.js';
import { messages } from '../forms/messages.js';
import type { AnyModelClass, Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { Q, type QNode } from '../query/expressions.js';
import { isLookup, isTransform } from '../query/lookups.js';
import { badRequest, HttpError } from './errors.js';

/** A field path (`author__name`), resolved at definition time. */
interface ResolvedPath {
  readonly path: string;
  readonly field: Field;
  /** Whether following it can match several rows per object (a reverse or many-to-many step). */
  readonly multiValued: boolean;
}

/** One allowed filter: `title__icontains` → path `title`, lookup chain `['icontains']`. */
interface AllowedFilter {
  readonly target: ResolvedPath;
  readonly chain: readonly string[];
}

export const RESERVED_PARAMS = new Set(['page', 'pageSize', 'ordering', 'search']);

/** Resolves `author__name` on `meta` (forward, reverse and many-to-many steps), or throws naming the option. */
export function resolvePath(meta: Options, path: string, option: string): ResolvedPath {
  let current = meta;
  let field: Field | undefined;
  let multiValued = false;
  const parts = path.split('__');
  for (const [index, part] of parts.entries()) {
    field = current.findField(part);
    if (!field) throw new ImproperlyConfigured(`${option}: '${path}' names no field of ${current.objectName} (at '${part}'). Choices are: ${current.lookupChoices().join(', ')}.`);
    multiValued ||= field.isMultiValued;
    if (index < parts.length - 1) {
      if (!field.isRelation || !field.relatedModel) throw new ImproperlyConfigured(`${option}: '${path}': '${part}' is not a relation, so it cannot be followed.`);
      current = field.relatedModel._meta as Options;
    }
  }
  return { path, field: field!, multiValued };
}

/** The filters a `filterFields` option allows, by query-string name. */
export function allowedFilters(model: AnyModelClass, filterFields: Readonly<Record<string, readonly string[]>>): Map<string, AllowedFilter> {
  const meta = model._meta as Options;
  const out = new Map<string, AllowedFilter>();
  for (const [path, lookups] of Object.entries(filterFields)) {
    const target = resolvePath(meta, path, 'filterFields');
    for (const lookup of lookups) {
      const chain = lookup.split('__');
      const bad = chain.find((part, i) => !(isTransform(part) || (isLookup(part) && i === chain.length - 1)));
      if (bad !== undefined) throw new ImproperlyConfigured(`filterFields: '${path}': '${lookup}' is not a lookup (or transforms ending in a lookup).`);
      out.set(lookup === 'exact' ? path : `${path}__${lookup}`, { target, chain });
      if (lookup === 'exact') out.set(`${path}__exact`, { target, chain });
    }
  }
  return out;
}

const INTEGER_TRANSFORMS = new Set(['year', 'iso_year', 'month', 'day', 'week', 'week_day', 'iso_week_day', 'quarter', 'hour', 'minute', 'second']);

/** One query-string value of a filter as the lookup wants it. */
function filterValue(filter: AllowedFilter, name: string, text: string): unknown {
  const lookup = filter.chain[filter.chain.length - 1]!;
  const transform = [...filter.chain].reverse().find((part) => isTransform(part));
  const fail = (message: string): never => {
    throw new HttpError(400, { errors: { [name]: [message] } });
  };
  const one = (raw: string): unknown => {
    if (transform && INTEGER_TRANSFORMS.has(transform)) {
      if (!/^\s*[+-]?\d{1,9}\s*$/.test(raw)) fail(messages.integer(raw));
      return Number(raw);
    }
    if (transform === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(raw.trim())) fail(messages.date(raw));
      return raw.trim();
    }
    if (transform === 'time') return raw;
    const parsed = parseText(filter.target.field, raw);
    if ('error' in parsed) fail(parsed.error);
    return (parsed as { value: unknown }).value;
  };
  switch (lookup) {
    case 'isnull': {
      const lower = text.trim().toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      return fail("Enter 'true' or 'false'.");
    }
    case 'in':
      return text === '' ? [] : text.split(',').map(one);
    case 'range': {
      const parts = text.split(',');
      if (parts.length !== 2) fail('Enter two values separated by a comma.');
      return parts.map(one);
    }
    case 'contains':
    case 'icontains':
    case 'startswith':
    case 'istartswith':
    case 'endswith':
    case 'iendswith':
    case 'iexact':
      return transform ? one(text) : text;
    case 'regex':
    case 'iregex':
      try {
        new RegExp(text);
      } catch {
        fail('Enter a valid regular expression.');
      }
      return text;
    default:
      return one(text);
  }
}

export interface ListParams {
  readonly filters: Record<string, unknown>;
  readonly ordering: string[] | undefined;
  readonly search: QNode[];
  /** Whether the filters or the search follow a to-many relation (the list needs `distinct()`). */
  readonly distinct: boolean;
  readonly page: number;
  readonly pageSize: number;
}

export interface ListConfig {
  readonly filters: Map<string, AllowedFilter>;
  readonly ordering: ReadonlySet<string>;
  readonly search: readonly { lookup: string; multiValued: boolean }[];
  readonly pageSize: number;
  readonly maxPageSize: number;
}

/** `search_fields` prefixes of Django REST framework: `^` starts with, `=` exact (case-insensitive). */
export function searchLookups(model: AnyModelClass, searchFields: readonly string[]): ListConfig['search'] {
  const meta = model._meta as Options;
  return searchFields.map((entry) => {
    const prefix = entry[0] === '^' || entry[0] === '=' ? entry[0] : '';
    const path = entry.slice(prefix.length);
    const resolved = resolvePath(meta, path, 'searchFields');
    return { lookup: `${path}__${prefix === '^' ? 'istartswith' : prefix === '=' ? 'iexact' : 'icontains'}`, multiValued: resolved.multiValued };
  });
}

function positive(label: string, raw: string | null): number | undefined {
  if (raw === null) return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw badRequest(`Invalid ${label} '${raw}': a positive integer is required.`);
  return Number(raw);
}

function list(names: Iterable<string>): string {
  const sorted = [...names].sort();
  return sorted.length > 0 ? sorted.join(', ') : 'none';
}

/** Reads the query string of `url` for a list route configured by `config`. */
export function readListParams(url: URL, config: ListConfig): ListParams {
  const query = url.searchParams;
  const filters: Record<string, unknown> = {};
  let distinct = false;
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (seen.has(name) || RESERVED_PARAMS.has(name)) continue;
    seen.add(name);
    const filter = config.filters.get(name);
    if (!filter) throw badRequest(`Unknown filter '${name}'. Allowed filters: ${list(config.filters.keys())}.`);
    const text = query.getAll(name).at(-1)!;
    if (text.includes('\u0000')) throw new HttpError(400, { errors: { [name]: [messages.nullCharacters()] } });
    const key = filter.chain.length === 1 && filter.chain[0] === 'exact' ? filter.target.path : `${filter.target.path}__${filter.chain.join('__')}`;
    filters[key] = filterValue(filter, name, text);
    distinct ||= filter.target.multiValued;
  }

  let ordering: string[] | undefined;
  const orderingText = query.get('ordering');
  if (orderingText !== null) {
    ordering = [];
    for (const term of orderingText.split(',').map((t) => t.trim()).filter(Boolean)) {
      const name = term.startsWith('-') ? term.slice(1) : term;
      if (!config.ordering.has(name)) throw badRequest(`Unknown ordering field '${name}'. Allowed: ${list(config.ordering)}.`);
      ordering.push(term);
    }
  }

  const search: QNode[] = [];
  const searchText = query.get('search');
  if (searchText !== null) {
    if (searchText.includes('\u0000')) throw new HttpError(400, { errors: { search: [messages.nullCharacters()] } });
    if (config.search.length === 0) throw badRequest(`Unknown filter 'search'. Allowed filters: ${list(config.filters.keys())}.`);
    for (const term of searchText.split(/\s+/).filter(Boolean).slice(0, 20)) {
      search.push(config.search.map(({ lookup }) => Q({ [lookup]: term })).reduce((a, b) => a.or(b)));
    }
    if (search.length > 0) distinct ||= config.search.some((s) => s.multiValued);
  }

  const page = positive('page', query.get('page')) ?? 1;
  const pageSize = Math.min(positive('page size', query.get('pageSize')) ?? config.pageSize, config.maxPageSize);
  return { filters, ordering, search, distinct, page, pageSize };
}
