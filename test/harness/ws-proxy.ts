/**
 * A loopback WebSocket-to-TCP proxy that speaks what Neon's driver expects of `neonConfig.wsProxy`:
 * the client opens `ws://127.0.0.1:<port>/v2?address=<db host>:<db port>` and every binary
 * message is the PostgreSQL wire protocol, relayed byte for byte to that address over TCP
 * (Neon's own proxy does the same in front of its compute nodes).
 *
 * Only loopback addresses are relayed, so the proxy can never be used to reach anything else.
 */
import { createServer, type Server } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface WsProxy {
  readonly host: string;
  readonly port: number;
  /** The value for `neonConfig.wsProxy` (or the `neon_ws_proxy` URL parameter): `127.0.0.1:<port>/v2`. */
  readonly wsProxy: string;
  /** WebSocket connections accepted so far. */
  readonly connections: number;
  /** Cuts every open connection, as a network failure would (fault tests). */
  dropConnections(): void;
  stop(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function parseAddress(requestUrl: string | undefined): { host: string; port: number } | string {
  const address = new URL(requestUrl ?? '/', 'http://proxy').searchParams.get('address');
  if (!address) return 'missing ?address=host:port';
  const split = address.lastIndexOf(':');
  const host = split === -1 ? address : address.slice(0, split);
  const port = split === -1 ? 5432 : Number(address.slice(split + 1));
  if (!LOOPBACK.has(host)) return `only loopback addresses are relayed, not '${host}'`;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return `bad port in '${address}'`;
  return { host: host === '[::1]' ? '::1' : host, port };
}

/**
 * Whether `chunk` is whole frontend messages ending with Terminate ('X', length 4). PostgreSQL
 * closes the connection when it reads Terminate; Neon's WebSocket shim relies on that (its
 * `end()` never closes the socket itself: pg calls `write(data, callback)` and the shim takes the
 * callback for an encoding), while pglite-socket keeps the connection open. The proxy closes it,
 * as Neon's proxy sees the server do.
 */
function endsWithTerminate(chunk: Buffer): boolean {
  let offset = 0;
  let last = 0;
  while (offset + 5 <= chunk.length) {
    last = chunk[offset]!;
    const length = chunk.readInt32BE(offset + 1);
    if (length < 4) return false; // not message boundaries (a startup packet, a message split across frames)
    offset += 1 + length;
  }
  return offset === chunk.length && last === 0x58 && chunk.length >= 5 && chunk.readInt32BE(chunk.length - 4) === 4;
}

function relay(ws: WebSocket, host: string, port: number): void {
  const socket = tcpConnect({ host, port });
  socket.setNoDelay(true);
  const pending: Buffer[] = [];
  let connected = false;
  socket.on('connect', () => {
    connected = true;
    for (const chunk of pending.splice(0)) socket.write(chunk);
  });
  socket.on('data', (chunk) => {
    if (ws.readyState === ws.OPEN) ws.send(chunk, { binary: true });
  });
  socket.on('error', () => ws.close(1011, 'database connection failed'));
  socket.on('close', () => {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
  });
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (connected) socket.write(chunk);
    else pending.push(chunk);
    if (endsWithTerminate(chunk)) socket.end(); // the server closes after Terminate; the 'close' handler closes the WebSocket
  });
  ws.on('close', () => socket.destroy());
  ws.on('error', () => socket.destroy());
}

export async function startWsProxy(): Promise<WsProxy> {
  const http: Server = createServer((_, response) => response.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only'));
  const wss = new WebSocketServer({ noServer: true });
  let connections = 0;
  http.on('upgrade', (request, socket, head) => {
    const target = parseAddress(request.url);
    if (typeof target === 'string') {
      socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\n\r\n${target}`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      connections++;
      relay(ws, target.host, target.port);
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  http.unref();
  const { port } = http.address() as { port: number };
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    wsProxy: `127.0.0.1:${port}/v2`,
    get connections() {
      return connections;
    },
    dropConnections() {
      for (const client of wss.clients) client.terminate();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
