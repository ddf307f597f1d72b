/**
 * The connect-time probe the server drivers (`pg`, `neon-ws`, `neon-http`) run from `open()`:
 * one `select 1`, so that a wrong URL or an unreachable server fails at `connect()` (Django
 * fails at the first query; djazzle prefers to fail where the URL is given) with an
 * `OperationalError` that names the driver and `host:port`, within `connectTimeoutMs`, never a hang.
 */
import { OperationalError } from '../core/errors.js';
import type { DriverName } from './driver.js';
import { hostAndPort, redact } from './url.js';

export interface ProbeTarget {
  readonly driver: DriverName;
  /** The URL as given to `connect()` (its password is never shown). */
  readonly url: string;
  readonly connectTimeoutMs: number;
  /** Shown after the host, e.g. the HTTP endpoint a `neon-http` connection goes through. */
  readonly via?: string;
}

/**
 * Runs `query` (the driver's `select 1`). On failure or after `connectTimeoutMs` (plus a grace
 * period for the driver's own timeout to win), runs `cleanup` (closing the pool) and throws.
 */
export async function probeConnection(target: ProbeTarget, query: () => Promise<unknown>, cleanup: () => Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${target.connectTimeoutMs} ms (connectTimeoutMs)`)),
      target.connectTimeoutMs + 250,
    );
  });
  const attempt = query();
  attempt.catch(() => undefined); // when the deadline wins, the attempt's late failure is not news
  try {
    await Promise.race([attempt, deadline]);
  } catch (error) {
    await cleanup().catch(() => undefined);
    throw connectError(target, error);
  } finally {
    clearTimeout(timer);
  }
}

/** The `OperationalError` for a failed connection attempt. */
export function connectError(target: ProbeTarget, error: unknown): OperationalError {
  const where = hostAndPort(target.url);
  const via = target.via ? ` (via ${target.via})` : '';
  const reason = describe(error);
  const code = (error as { code?: unknown } | null)?.code; // a SQLSTATE such as 28P01 or 3D000
  return new OperationalError(
    `Could not connect to the database at ${where}${via} with the '${target.driver}' driver: ${reason}. ` +
      `Check that the server is running and that the URL '${redact(target.url)}' is right.`,
    { cause: error, code: typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined },
  );
}

/** The error's message plus the distinct messages of its causes (Neon keeps the network error in `sourceError`). */
function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof AggregateError && current.errors.length > 0) current = current.errors[0];
    const message = messageOf(current);
    if (message && !parts.some((part) => part.includes(message))) parts.push(message);
    const next = current as { cause?: unknown; sourceError?: unknown };
    current = next.sourceError ?? next.cause;
  }
  return parts.join(': ') || String(error);
}

function messageOf(value: unknown): string | undefined {
  if (value instanceof Error) return value.message || value.name;
  if (value && typeof value === 'object' && 'message' in value) return String((value as { message: unknown }).message);
  return typeof value === 'string' ? value : undefined;
}
