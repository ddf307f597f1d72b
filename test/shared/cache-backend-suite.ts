/**
 * The contract every content-type cache backend keeps (unstorage-style: one suite, every
 * backend). Run against the memory backend on Node (test/contenttypes-cache.test.ts) and against
 * Cloudflare KV and the Cache API inside workerd (test/workers/contenttypes-cache.test.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CacheBackend } from 'djazzle/contenttypes';

let run = 0;

export function cacheBackendSuite(label: string, make: () => CacheBackend | Promise<CacheBackend>): void {
  describe(`cache backend contract: ${label}`, () => {
    let backend: CacheBackend;
    let prefix: string;
    beforeEach(async () => {
      backend = await make();
      prefix = `contract-${label}-${++run}-${Date.now()}`;
    });
    const key = (name: string) => `${prefix}:${name}`;

    it('has a name and get, set and delete', () => {
      expect(typeof backend.name).toBe('string');
      expect(backend.name.length).toBeGreaterThan(0);
      for (const method of ['get', 'set', 'delete'] as const) expect(typeof backend[method]).toBe('function');
    });

    it('answers null for a key it does not hold', async () => {
      expect(await backend.get(key('missing'))).toBeNull();
    });

    it('stores a value and reads it back as stored', async () => {
      const value = JSON.stringify({ id: 7, appLabel: 'news', model: 'article', note: 'ünïcødé ✓' });
      await backend.set(key('one'), value, { ttl: 3600 });
      expect(await backend.get(key('one'))).toBe(value);
      const large = 'x'.repeat(16_384);
      await backend.set(key('large'), large, { ttl: 3600 });
      expect(await backend.get(key('large'))).toBe(large);
    });

    it('overwrites a value', async () => {
      await backend.set(key('over'), 'first', { ttl: 3600 });
      await backend.set(key('over'), 'second', { ttl: 3600 });
      expect(await backend.get(key('over'))).toBe('second');
    });

    it('deletes a key, and deleting a key it does not hold is no error', async () => {
      await backend.set(key('gone'), 'value', { ttl: 3600 });
      await backend.delete(key('gone'));
      expect(await backend.get(key('gone'))).toBeNull();
      await expect(backend.delete(key('never-set'))).resolves.toBeUndefined();
    });

    it('keeps keys apart, whatever characters they hold', async () => {
      const names = ['djazzle:ct:v1:default:id:1', 'djazzle:ct:v1:default:id:10', 'djazzle:ct:v1:default:nk:news.article', 'a/b?c=d#e f', 'ümlaut%20key'];
      for (const [i, name] of names.entries()) await backend.set(key(name), `value-${i}`, { ttl: 3600 });
      for (const [i, name] of names.entries()) expect(await backend.get(key(name))).toBe(`value-${i}`);
      await backend.delete(key(names[0]!));
      expect(await backend.get(key(names[0]!))).toBeNull();
      expect(await backend.get(key(names[1]!))).toBe('value-1');
    });

    it('accepts short and long TTLs (a backend may raise a short one to its minimum)', async () => {
      await backend.set(key('short'), 'a', { ttl: 1 });
      await backend.set(key('long'), 'b', { ttl: 30 * 86_400 });
      expect(await backend.get(key('long'))).toBe('b');
      expect(['a', null]).toContain(await backend.get(key('short')));
    });
  });
}
