/**
 * The optional TCP listener of the local API (config apiTcpPort / apiTcpHost / apiToken): the
 * same request handler as the Unix socket, behind a bearer token, for a technician's own
 * computer on the robot's service network. Without a token it does not start.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerCheck } from './bearer.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TcpListenerOptions {
  host: string;
  port: number;
  token: string;
  /** Called once per refused request (for a rate-limited log line; never with the token). */
  onRefused?(remote: string | undefined): void;
}

export interface TcpListener {
  readonly server: Server;
  /** The bound port (useful with port 0 in tests). */
  readonly port: number;
  close(): Promise<void>;
}

export async function startTcpListener(handler: RequestHandler, opts: TcpListenerOptions): Promise<TcpListener> {
  const authorized = bearerCheck(opts.token);
  const server = createServer((req, res) => {
    if (!authorized(req.headers.authorization)) {
      opts.onRefused?.(req.socket.remoteAddress);
      req.resume();
      const body = JSON.stringify({ error: { code: 'API_UNAUTHORIZED', message: 'expected Authorization: Bearer <apiToken>' } });
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    handler(req, res);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
