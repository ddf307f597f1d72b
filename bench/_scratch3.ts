import { inArray, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { articles } from './fixtures.js';
const dialect = new PgDialect();
const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
const col = articles.id;
const dj = () => sql`${col} IN (${sql.join(ids.map((v) => sql`${sql.param(v, col)}`), sql`, `)})`;
const dz = () => inArray(col, ids);
const flat = () => sql`${col} IN ${ids.map((v) => sql.param(v, col))}`;
for (const round of [1, 2, 3]) for (const [name, f] of [['djazzle-style', dj], ['drizzle inArray', dz], ['flat params', flat]] as const) {
  for (let i = 0; i < 50; i++) dialect.sqlToQuery(f());
  const t = performance.now();
  for (let i = 0; i < 300; i++) dialect.sqlToQuery(f());
  if (round === 3) console.log(name.padEnd(16), ((performance.now() - t) / 300).toFixed(3), 'ms per 1000-value IN build');
}
