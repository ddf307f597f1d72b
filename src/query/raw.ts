/**
 * A raw statement through the query layer (autoflush, the alias's connection, djazzle's error
 * handling), for layers above that need one query the QuerySet API does not express (the
 * validation layer evaluates check constraints with it).
 */
import type { SQL } from 'drizzle-orm';
import { activeSession } from '../core/ports.js';
import { getConnection } from '../db/connect.js';
import { rowsOf } from '../db/connection.js';

/** Runs `query` on the connection `alias` (default: the session's, else `'default'`) and answers its rows. */
export async function rawQuery(query: SQL, alias?: string): Promise<Record<string, unknown>[]> {
  const session = activeSession();
  if (session) await session.beforeQuery();
  const connection = getConnection(alias ?? session?.alias ?? 'default');
  return rowsOf(await connection.run((db) => db.execute(query)));
}
