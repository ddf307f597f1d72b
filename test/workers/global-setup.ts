/**
 * Node-side global setup of the workerd test project: starts the loopback harnesses once (the
 * Workers runtime cannot run PGlite, open listening sockets or spawn PostgreSQL) and hands their
 * URLs to the tests inside workerd through vitest's `provide` / `inject` (`djazzleHarness`).
 * Everything started here is stopped in teardown, and dies with this process in any case.
 */
import type { TestProject } from 'vitest/node';
import { postgresUnavailable, startNeonHttp, startNeonWs, startPostgres, type Harness, type ProvidedHarnesses } from '../harness/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    djazzleHarness: ProvidedHarnesses;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: Harness[] = [];
  const provided: ProvidedHarnesses = {};
  const stop = async () => {
    await Promise.all(started.map((harness) => harness.stop().catch(() => undefined)));
  };
  try {
    const missing = postgresUnavailable();
    if (missing) {
      console.warn(`[djazzle] workerd: skipping the pg driver suite: ${missing}`);
      provided.pg = { skip: missing };
    } else {
      const postgres = await startPostgres();
      started.push(postgres);
      provided.pg = { driver: 'pg', url: postgres.url };
    }
    const ws = await startNeonWs();
    started.push(ws);
    provided['neon-ws'] = { driver: 'neon-ws', url: ws.url };
    const http = await startNeonHttp();
    started.push(http);
    provided['neon-http'] = { driver: 'neon-http', url: http.url, statsUrl: http.statsUrl };
  } catch (error) {
    await stop();
    throw error;
  }
  project.provide('djazzleHarness', provided);
  return stop;
}
