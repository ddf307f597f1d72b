/**
 * Django's JSON fixture format (`django.core.serializers.json`), shared by `dumpdata` and
 * `loaddata`: a list of `{ "model": "app.model", "pk": …, "fields": { … } }`, foreign keys by the
 * target's key (or its natural key, a list), many-to-many fields as lists.
 *
 * Field names: djazzle writes its own (`pubDate`, `reporter`) and reads those, the Drizzle keys
 * (`reporterId`), the SQL columns, and Django's snake_case names (`pub_date`, `first_name`), so
 * a fixture written by Django's `dumpdata` loads unchanged when the tables match.
 */
import type { Field } from '../models/field.js';
import type { Options } from '../models/options.js';
import { apps as registry } from '../models/registry.js';

export interface FixtureObject {
  model: string;
  pk?: unknown;
  fields: Record<string, unknown>;
}

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The forward field a fixture key names, by djazzle name, attname, column, or Django's name. */
export function fixtureField(meta: Options, key: string): Field | undefined {
  const byName = meta.forwardField(key) ?? meta.forwardField(camel(key));
  if (byName) return byName;
  const concrete = meta.localForward;
  return (
    concrete.find((f) => f.column === key) ??
    concrete.find((f) => f.isForwardSingle && f.column === `${key}_id`) ??
    concrete.find((f) => f.manyToMany && f.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() === key)
  );
}

/** A field value as Django's JSON encoder writes it: datetimes ISO 8601 (`Z`), dates `YYYY-MM-DD`, big numbers and decimals as strings. */
export function jsonOf(field: Field, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    return field.internalType === 'DateField' ? value.toISOString().slice(0, 10) : value.toISOString();
  }
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

/** A fixture value prepared for a field: naive datetimes are UTC (Django's `USE_TZ = True`). */
export function fromJson(field: Field, value: unknown): unknown {
  if (typeof value === 'string' && field.internalType === 'DateTimeField' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(value)) return `${value}Z`;
  return value;
}

/** Models to dump for `app` / `app.Model` labels (all installed apps when none), targets of foreign keys first. */
export function modelsToDump(labels: readonly string[], installed: readonly string[]): Options[] {
  registry.ensureReady();
  const concrete = (meta: Options) => !meta.proxy && meta.managed && !meta.autoCreated;
  const chosen: Options[] = [];
  const add = (meta: Options) => {
    if (!chosen.includes(meta)) chosen.push(meta);
  };
  const all = registry.getModels().map((m) => m._meta as Options);
  if (labels.length === 0) {
    for (const app of installed) for (const meta of all) if (meta.appLabel === app && concrete(meta)) add(meta);
  }
  for (const label of labels) {
    const [app, model] = label.split('.');
    if (!app || !installed.includes(app)) throw new TypeError(`No installed app with label '${app}'.`);
    if (model === undefined) {
      for (const meta of all) if (meta.appLabel === app && concrete(meta)) add(meta);
      continue;
    }
    const found = registry.findModel(label);
    if (!found) throw new TypeError(`Unknown model: ${label}`);
    add(found._meta as Options);
  }
  // Targets of foreign keys first (a stable topological order), so that databases without deferred constraints load them too.
  const out: Options[] = [];
  const visiting = new Set<Options>();
  const visit = (meta: Options) => {
    if (out.includes(meta) || visiting.has(meta)) return;
    visiting.add(meta);
    for (const field of meta.fields) {
      if (!field.isForwardSingle || !field.relatedModel) continue;
      const target = field.relatedModel._meta as Options;
      if (target !== meta && chosen.includes(target)) visit(target);
    }
    out.push(meta);
  };
  chosen.forEach(visit);
  return out;
}

/** Whether `model` can be found by natural key (its manager has `getByNaturalKey`). */
export function hasNaturalKeyManager(meta: Options): boolean {
  const manager = meta.model.objects as { getByNaturalKey?: unknown };
  return typeof manager.getByNaturalKey === 'function';
}

/** Whether instances of `model` give a natural key (`naturalKey()`). */
export function hasNaturalKey(meta: Options): boolean {
  return typeof (meta.model.prototype as { naturalKey?: unknown }).naturalKey === 'function';
}
