/**
 * `Prefetch(lookup, { queryset, toAttr })`: Django's `Prefetch` object.
 *
 * ```ts
 * Author.objects.prefetchRelated(Prefetch('books', { queryset: Book.objects.filter({ pages__gt: 100 }), toAttr: 'longBooks' }))
 * ```
 */
import { callable } from './expressions.js';

export interface PrefetchOptions {
  queryset?: unknown;
  toAttr?: string;
}

class PrefetchSpec {
  readonly prefetchThrough: string;
  readonly prefetchTo: string;
  readonly queryset: unknown;
  readonly toAttr: string | undefined;
  constructor(lookup: string, options: PrefetchOptions = {}) {
    this.prefetchThrough = lookup;
    this.queryset = options.queryset;
    this.toAttr = options.toAttr;
    const parts = lookup.split('__');
    if (options.toAttr) parts[parts.length - 1] = options.toAttr;
    this.prefetchTo = parts.join('__');
    if (options.queryset !== undefined && (options.queryset as { state?: { values?: unknown } }).state?.values) {
      throw new TypeError('Prefetch querysets cannot use raw(), values(), and values_list().');
    }
  }
}

export const Prefetch = callable(PrefetchSpec);
export type Prefetch = PrefetchSpec;
export { PrefetchSpec };
