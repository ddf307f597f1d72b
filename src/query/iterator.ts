/**
 * `QuerySet.iterator({ chunkSize })`: rows in chunks without holding them all. A server-side
 * cursor (`DECLARE … CURSOR` / `FETCH n`) where the driver has one (PGlite always; `pg` and
 * `neon-ws` inside `atomic()`), keyset chunks on the primary key otherwise. Rows are not cached
 * and not put in the session's identity map.
 */
import { sql } from 'drizzle-orm';
import { QueryBuilder } from 'drizzle-orm/pg-core';
import { activeSession } from '../core/ports.js';
import { getConnection } from '../db/connect.js';
import type { AnyDrizzle } from '../db/driver.js';
import type { Options } from '../models/options.js';
import type { QuerySet } from './queryset.js';
import { planSelect } from './select.js';
import { isSliced } from './state.js';

let cursorCounter = 0;

export async function* iterateChunks(qs: QuerySet<unknown, unknown>, chunkSize: number): AsyncGenerator<unknown> {
  const session = activeSession();
  if (session) await session.beforeQuery();
  const connection = getConnection(qs.db);
  const state = qs.state;
  if (state.combinator || state.prefetch.length > 0) {
    // set operations and prefetching need the whole result; fall back to chunks of the evaluated rows
    yield* await qs.all();
    return;
  }
  const useCursor = connection.capabilities.cursors && (connection.driver === 'pglite' || connection.inAtomicBlock);
  if (useCursor) {
    const plan = planSelect(state, { alias: connection.alias, session: undefined, rawColumns: true });
    if (plan.empty) return;
    const name = `djazzle_cursor_${++cursorCounter}`;
    const query = (plan.build(new QueryBuilder() as unknown as AnyDrizzle) as unknown as { getSQL(): ReturnType<typeof sql> }).getSQL();
    const hold = connection.inAtomicBlock ? sql`` : sql` WITH HOLD`;
    await connection.execute(sql`DECLARE ${sql.raw(name)} NO SCROLL CURSOR${hold} FOR ${query}`);
    try {
      for (;;) {
        const rows = await connection.execute(`FETCH ${chunkSize} FROM ${name}`);
        for (const row of rows) yield plan.mapRawRow(row);
        if (rows.length < chunkSize) break;
      }
    } finally {
      await connection.execute(`CLOSE ${name}`).catch(() => undefined);
    }
    return;
  }
  const meta = qs.meta as Options;
  const ordering = state.ordering ?? meta.ordering;
  const byPk = ordering.length === 0 || (ordering.length === 1 && (ordering[0] === 'pk' || ordering[0] === meta.pk.name));
  if (byPk && !isSliced(state) && !state.reversed) {
    // keyset chunks: WHERE pk > last ORDER BY pk LIMIT n
    let last: unknown;
    for (;;) {
      const extraWhere = last === undefined ? undefined : sql`${meta.pk.drizzleColumn!} > ${sql.param(last, meta.pk.drizzleColumn!)}`;
      const plan = planSelect(state, { alias: connection.alias, session: undefined, extraWhere, forceOrdering: ['pk'], limit: chunkSize });
      if (plan.empty) return;
      const rows = await connection.run((db) => plan.build(db));
      let instance: Record<string, unknown> | undefined;
      for (const row of rows) {
        instance = plan.mapRow(row) as Record<string, unknown>;
        yield instance;
      }
      if (rows.length < chunkSize || !instance) return;
      last = instance[meta.pk.attname];
    }
  }
  // any other ordering: chunks by offset, with the pk as tie-breaker for a stable order
  const stable = qs.orderBy(...(ordering as string[]), 'pk');
  const total = state.high !== undefined ? state.high - state.low : Infinity;
  for (let offset = 0; offset < total; offset += chunkSize) {
    const rows = await stable.slice(offset, Math.min(offset + chunkSize, total)).all();
    for (const row of rows) yield row;
    if (rows.length < chunkSize) return;
  }
}
