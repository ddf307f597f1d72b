/**
 * Per-connection Neon settings read from the connection URL's query string. Neon's driver keeps
 * its settings in a process-wide `neonConfig`; djazzle lets a URL carry them instead, so that one
 * URL fully describes a connection (the same string works on Node, inside workerd, in
 * `DATABASE_URL`) and two connections with different settings do not overwrite each other.
 *
 * | URL parameter | Neon setting | driver |
 * | --- | --- | --- |
 * | `neon_ws_proxy=host:port/v2` | `wsProxy` (Neon appends `?address=<db host>:<db port>`) | `neon-ws` |
 * | `neon_secure_websocket=false` | `useSecureWebSocket` (`ws:` instead of `wss:`) | `neon-ws` |
 * | `neon_pipeline_tls=false` | `pipelineTLS` | `neon-ws` |
 * | `neon_pipeline_connect=false` | `pipelineConnect` (`password` or `false`) | `neon-ws` |
 * | `neon_fetch_endpoint=http://host:port/sql` | `fetchEndpoint` | `neon-http` |
 *
 * The parameters are removed before the URL reaches Neon. Unknown `neon_*` parameters are an
 * error (a typo would otherwise silently talk to the real Neon). Settings a URL does not carry
 * fall back to `neonConfig`, which stays usable for anything else (`fetchFunction`, `subtls`).
 */
import { ImproperlyConfigured } from '../core/errors.js';

export interface NeonUrlOptions {
  wsProxy?: string;
  useSecureWebSocket?: boolean;
  pipelineTLS?: boolean;
  pipelineConnect?: 'password' | false;
  fetchEndpoint?: string;
}

const PARAMETERS = {
  neon_ws_proxy: 'wsProxy',
  neon_secure_websocket: 'useSecureWebSocket',
  neon_pipeline_tls: 'pipelineTLS',
  neon_pipeline_connect: 'pipelineConnect',
  neon_fetch_endpoint: 'fetchEndpoint',
} as const satisfies Record<string, keyof NeonUrlOptions>;

type Parameter = keyof typeof PARAMETERS;

/** Splits `url` into the URL Neon gets and the djazzle `neon_*` settings it carried. */
export function takeNeonOptions(url: string, driver: 'neon-ws' | 'neon-http'): { url: string; options: NeonUrlOptions } {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return { url, options: {} };
  const search = new URLSearchParams(url.slice(queryStart + 1));
  const options: NeonUrlOptions = {};
  for (const key of [...search.keys()]) {
    if (!key.startsWith('neon_')) continue;
    if (!(key in PARAMETERS)) {
      throw new ImproperlyConfigured(
        `Unknown URL parameter '${key}' for the '${driver}' driver. Choices are: ${Object.keys(PARAMETERS).join(', ')}.`,
      );
    }
    setOption(options, key as Parameter, search.get(key) ?? '', driver);
    search.delete(key);
  }
  const rest = search.toString();
  return { url: url.slice(0, queryStart) + (rest ? `?${rest}` : ''), options };
}

function setOption(options: NeonUrlOptions, key: Parameter, value: string, driver: string): void {
  const name = PARAMETERS[key];
  if (name === 'wsProxy' || name === 'fetchEndpoint') {
    if (!value) throw new ImproperlyConfigured(`The URL parameter '${key}' of the '${driver}' driver needs a value.`);
    options[name] = value;
  } else if (name === 'pipelineConnect') {
    if (value !== 'password' && value !== 'false') {
      throw new ImproperlyConfigured(`The URL parameter '${key}' takes 'password' or 'false', not '${value}'.`);
    }
    options.pipelineConnect = value === 'password' ? 'password' : false;
  } else {
    options[name] = parseBoolean(key, value);
  }
}

function parseBoolean(key: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ImproperlyConfigured(`The URL parameter '${key}' takes 'true' or 'false', not '${value}'.`);
}
