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
 * The parameters are removed before the URL reaches Neon. Unknown `neon_*` parameters, and those
 * of the other Neon driver, are an error (a typo would otherwise silently talk to the real Neon). Settings a URL does not carry
 * fall back to `neonConfig`, which stays usable for anything else (`fetchFunction`, `subtls`).
 */
import { ImproperlyConfigured } from '../core/errors.js';

interface NeonOptions {
  wsProxy?: string;
  useSecureWebSocket?: boolean;
  pipelineTLS?: boolean;
  pipelineConnect?: 'password' | false;
  fetchEndpoint?: string;
}

type NeonDriver = 'neon-ws' | 'neon-http';

const PARAMETERS = {
  neon_ws_proxy: { option: 'wsProxy', driver: 'neon-ws' },
  neon_secure_websocket: { option: 'useSecureWebSocket', driver: 'neon-ws' },
  neon_pipeline_tls: { option: 'pipelineTLS', driver: 'neon-ws' },
  neon_pipeline_connect: { option: 'pipelineConnect', driver: 'neon-ws' },
  neon_fetch_endpoint: { option: 'fetchEndpoint', driver: 'neon-http' },
} as const satisfies Record<string, { option: keyof NeonOptions; driver: NeonDriver }>;

type Parameter = keyof typeof PARAMETERS;

/** The settings each driver reads. */
export type NeonUrlOptions<D extends NeonDriver = NeonDriver> = D extends 'neon-http'
  ? Pick<NeonOptions, 'fetchEndpoint'>
  : Omit<NeonOptions, 'fetchEndpoint'>;

/** Splits `url` into the URL Neon gets and the djazzle `neon_*` settings it carried for `driver`. */
export function takeNeonOptions<D extends NeonDriver>(url: string, driver: D): { url: string; options: NeonUrlOptions<D> } {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return { url, options: {} as NeonUrlOptions<D> };
  const search = new URLSearchParams(url.slice(queryStart + 1));
  const options: NeonOptions = {};
  const accepted = (Object.keys(PARAMETERS) as Parameter[]).filter((key) => PARAMETERS[key].driver === driver);
  for (const key of [...search.keys()]) {
    if (!key.startsWith('neon_')) continue;
    const known = key in PARAMETERS ? (key as Parameter) : undefined;
    if (known === undefined || PARAMETERS[known].driver !== driver) {
      const belongs = known ? ` (it is for the '${PARAMETERS[known].driver}' driver)` : '';
      throw new ImproperlyConfigured(
        `Unknown URL parameter '${key}' for the '${driver}' driver${belongs}. Choices are: ${accepted.join(', ')}.`,
      );
    }
    setOption(options, known, search.get(key) ?? '', driver);
    search.delete(key);
  }
  const rest = search.toString();
  return { url: url.slice(0, queryStart) + (rest ? `?${rest}` : ''), options: options as NeonUrlOptions<D> };
}

function setOption(options: NeonOptions, key: Parameter, value: string, driver: string): void {
  const name = PARAMETERS[key].option;
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
