/** The query layer's public surface (loading it provides the model layer's query port). */
import './model-port.js';

export { QuerySet, type BulkCreateOptions } from './queryset.js';
export { Manager } from './manager.js';
export { RelatedManager, ReverseManyToOneManager, ManyRelatedManager } from './related-managers.js';
export {
  F, Q, Value, Case, When, Func, Coalesce, Concat, Lower, Upper, Length, Now, Cast,
  Subquery, OuterRef, Exists, RawSQL,
  Expression, OrderBy, CombinedExpression, type Lookups,
} from './expressions.js';
export { Count, Sum, Avg, Min, Max, StdDev, Variance, Aggregate, type AggregateOptions } from './aggregates.js';
export { Prefetch } from './prefetch-spec.js';
export { prefetchRelatedObjects } from './prefetch.js';
export { LOOKUPS, TRANSFORMS, type LookupName, type TransformName } from './lookups.js';
export type { ValuesRow, AnnotatedRow, ScalarKeys, CheckedLookups } from './types.js';
