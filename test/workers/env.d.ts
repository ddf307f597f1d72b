/** The bindings of test/workers/wrangler.toml, as the tests inside workerd see them (`import { env } from 'cloudflare:workers'`). */
declare module 'cloudflare:workers' {
  interface KVListResult {
    keys: Array<{ name: string; expiration?: number }>;
  }
  export const env: {
    CONTENT_TYPES: import('djazzle/contenttypes').KVNamespaceLike & { list(options?: { prefix?: string }): Promise<KVListResult> };
  };
}
