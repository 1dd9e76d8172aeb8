/**
 * The local API server: HTTP/1.1 with JSON bodies over a Unix domain socket in the state
 * directory (mode 0660, group = config.socketGroup), and optionally on TCP for the service
 * network, where every request needs `Authorization: Bearer <apiToken>`.
 */
import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { bearerCheck } from './bearer.js';
import { ApiError, errorResponse } from './errors.js';
import type { Router } from './router.js';
import { PAGE_HEADERS } from './page/html.js';

export const MAX_BODY_BYTES = 64 * 1024;

export interface ApiServerOptions {
  router: Router;
  log: Logger;
  socketPath: string;
  socketGroup?: string;
  tcp?: { port: number; host: string; token: string; maxConnections?: number; requestTimeoutMs?: number };
  /** The technician's page served at GET / without a token (agent/api/page/); undefined: 404. */
  page?: () => string | undefined;
  /** The trust bundle offered to that page at GET /trust-bundle.json, when the operator put one in the state dir. */
  pageBundle?: () => string | undefined;
}

const DEFAULT_TCP_MAX_CONNECTIONS = 32;
const DEFAULT_TCP_REQUEST_TIMEOUT_MS = 5_000;

export interface ApiServer {
  /** Bound TCP port when the TCP listener is on (useful with port 0 in tests). */
  tcpPort?: number;
  close(): Promise<void>;
}

/**
 * The body, parsed as JSON. Read with plain 'data'/'end' listeners rather than `for await`: an
 * async iterator costs a promise per chunk, a measurable part of a small event's handling.
 */
function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(new ApiError('BAD_REQUEST', `request body: expected at most ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      failed = true;
      reject(err);
    });
    req.on('end', () => {
      if (failed) return;
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8')) as unknown);
      } catch (err) {
        reject(new ApiError('BAD_REQUEST', `request body: expected JSON (${(err as Error).message})`));
      }
    });
  });
}

/** Path and query of a request target: a URL object only when there is a query to parse. */
function target(raw: string | undefined): { pathname: string; searchParams: URLSearchParams } {
  const s = raw ?? '/';
  const q = s.indexOf('?');
  // Dot segments and anything not a plain path are left to the URL parser, as before.
  if (q < 0 && s.startsWith('/') && !s.includes('/.') && !s.includes('\\')) return { pathname: s, searchParams: new URLSearchParams() };
  const url = new URL(s, 'http://agent');
  return { pathname: url.pathname, searchParams: url.searchParams };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The TCP API answers any origin: it authenticates with a bearer token, never with cookies, so
 * a page from a file or another host can use it only with the token the technician types in.
 */
const CORS_HEADERS = { 'access-control-allow-origin': '*', 'access-control-allow-private-network': 'true' } as const;

/** TCP sockets that have not yet sent an authenticated request, with the timer that closes them. */
const unproven = new WeakMap<Socket, NodeJS.Timeout>();

function handler(options: ApiServerOptions, token?: string) {
  const log = options.log;
  return (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const url = target(req.url);
      try {
        // The page is public (it holds no secret; docs/local-api.md §"The page"); every API route keeps its token.
        if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
          const html = options.page?.();
          if (html === undefined) send(res, 404, { error: { code: 'NOT_FOUND', message: 'the technician page is not built into this agent' } });
          else {
            res.writeHead(200, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(html), connection: 'close' });
            res.end(html);
          }
          return;
        }
        if (req.method === 'GET' && url.pathname === '/trust-bundle.json') {
          const text = options.pageBundle?.();
          if (text === undefined) send(res, 404, { error: { code: 'NOT_FOUND', message: 'this unit offers no trust bundle' } });
          else {
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'close' });
            res.end(text);
          }
          return;
        }
        if (token !== undefined && req.method === 'OPTIONS') {
          // CORS preflight of a page opened from a file or another host: it still needs the token.
          res.writeHead(204, { ...CORS_HEADERS, 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'authorization, content-type', 'access-control-max-age': '600', connection: 'close' });
          res.end();
          return;
        }
        if (token !== undefined) for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
        if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
          // No keep-alive for a client without the token: its connection ends with the answer.
          res.setHeader('www-authenticate', 'Bearer');
          res.setHeader('connection', 'close');
          send(res, 401, { error: { code: 'UNAUTHORIZED', message: 'expected Authorization: Bearer <api token>' } });
          return;
        }
        if (token !== undefined) {
          // Proven: from now on Node's own keep-alive and request timeouts govern the connection.
          clearTimeout(unproven.get(req.socket));
          unproven.delete(req.socket);
        }
        const m = options.router.match(req.method ?? 'GET', url.pathname);
        if ('status' in m) {
          send(res, m.status, { error: { code: m.status === 404 ? 'NOT_FOUND' : 'METHOD_NOT_ALLOWED', message: `${req.method} ${url.pathname}` } });
          return;
        }
        const body = await readBody(req);
        const result = await m.handler({ method: req.method ?? 'GET', path: url.pathname, params: m.params, query: url.searchParams, body, req });
        if (result.contentType !== undefined) {
          const text = String(result.body);
          res.writeHead(result.status, { 'content-type': result.contentType, 'content-length': Buffer.byteLength(text) });
          res.end(text);
        } else send(res, result.status, result.body);
      } catch (err) {
        const r = errorResponse(err);
        if (r.status >= 500) log.error({ err, path: url.pathname }, 'api request failed');
        else log.info({ path: url.pathname, reason: r.body.error.code }, 'api request refused');
        if (!res.headersSent) send(res, r.status, r.body);
      }
    })();
  };
}

/** Hash-then-compare (bearer.ts): neither the token nor its length leaks through timing. */
function bearerMatches(header: string | undefined, token: string): boolean {
  return bearerCheck(token)(header);
}

function groupId(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[0] === group);
  if (!line) throw new Error(`socketGroup: no group named ${group} in /etc/group`);
  return Number(line.split(':')[2]);
}

function listen(server: Server, target: string | { port: number; host: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  // A socket file left by a previous run (the agent was killed) is removed; anything else at
  // that path is not ours to delete.
  if (existsSync(options.socketPath)) {
    if (!lstatSync(options.socketPath).isSocket()) throw new Error(`${options.socketPath} exists and is not a socket`);
    unlinkSync(options.socketPath);
  }
  const unix = createServer(handler(options));
  await listen(unix, options.socketPath);
  chmodSync(options.socketPath, options.socketGroup ? 0o660 : 0o600);
  if (options.socketGroup) chownSync(options.socketPath, -1, groupId(options.socketGroup));
  let tcp: Server | undefined;
  let tcpPort: number | undefined;
  if (options.tcp) {
    // The service network is not trusted to be polite: a bounded number of connections (more
    // are closed on arrival, so descriptors stay free for the log, the broker and the Unix
    // socket), each given a few seconds to deliver a complete request, checked every second.
    const timeout = options.tcp.requestTimeoutMs ?? DEFAULT_TCP_REQUEST_TIMEOUT_MS;
    tcp = createServer({ requestTimeout: timeout, headersTimeout: timeout, keepAliveTimeout: Math.min(timeout, 5_000), connectionsCheckingInterval: Math.min(timeout, 1_000) }, handler(options, options.tcp.token));
    tcp.maxConnections = options.tcp.maxConnections ?? DEFAULT_TCP_MAX_CONNECTIONS;
    // Node times out a request only once its bytes start arriving; a connection that sends
    // nothing would be held forever. Each must send an authenticated request in time.
    tcp.on('connection', (socket: Socket) => {
      const timer = setTimeout(() => socket.destroy(), timeout);
      timer.unref();
      unproven.set(socket, timer);
      socket.once('close', () => clearTimeout(timer));
    });
    await listen(tcp, options.tcp);
    const addr = tcp.address();
    tcpPort = typeof addr === 'object' && addr ? addr.port : undefined;
  }
  return {
    tcpPort,
    async close() {
      await Promise.all([closeServer(unix), tcp ? closeServer(tcp) : Promise.resolve()]);
      if (existsSync(options.socketPath)) unlinkSync(options.socketPath);
    },
  };
}
