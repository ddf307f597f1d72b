/**
 * Node-side global setup for the Worker tests (`worker.test.ts`): two databases of their own (so
 * that the shared driver suites never see the library's tables), each a PGlite behind
 * `pglite-socket`, reached by the Worker through the `neon-ws` and `neon-http` stand-ins. Both are
 * created and seeded here, on Node (`seed()` runs in `atomic()`, which `neon-http` cannot), and
 * handed to workerd through `inject('djazzleWorker')`.
 */
import type { TestProject } from 'vitest/node';
import { connect, runWithConnection } from 'djazzle';
import { seed } from '../../examples/library/seed.js';
import { type Harness, startNeonHttp, startNeonWs, startPgliteServer } from '../harness/index.js';

export interface WorkerDatabases {
  readonly 'neon-ws': string;
  readonly 'neon-http': string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    djazzleWorker: WorkerDatabases;
  }
}

async function seeded(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = await startPgliteServer();
  const db = await connect(server.url, { driver: 'pg', register: false }); // this database's own 'default'
  try {
    await runWithConnection(db, () => seed(db, { log: () => undefined }));
  } finally {
    await db.close();
  }
  return server;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async () => {
    for (const item of started.reverse()) await item.stop().catch(() => undefined);
  };
  try {
    const wsDb = await seeded();
    started.push(wsDb);
    const ws: Harness = await startNeonWs({ target: wsDb.url });
    started.push(ws);
    const httpDb = await seeded();
    started.push(httpDb);
    const http: Harness = await startNeonHttp({ target: httpDb.url });
    started.push(http);
    project.provide('djazzleWorker', { 'neon-ws': ws.url, 'neon-http': http.url });
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}
