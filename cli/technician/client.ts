/**
 * A small client of the agent's local API (docs/local-api.md): HTTP/1.1 with JSON bodies over
 * the Unix socket, or over TCP with a bearer token. Connection failures become
 * AgentUnreachableError (exit status 3); an error answered by the agent becomes
 * AgentApiError carrying the agent's own stable code.
 */
import { request, type RequestOptions } from 'node:http';
import { RobotIdError } from '../../sdk/index.js';

export interface AgentTarget {
  /** Unix socket path, or undefined for TCP. */
  socketPath?: string;
  /** http://host:port for TCP. */
  url?: URL;
  /** Bearer token (TCP only); never printed. */
  token?: string;
  /** A readable name for messages: the socket path or the URL (never the token). */
  label: string;
}

/** Could not connect, or no answer in time. */
export class AgentUnreachableError extends RobotIdError {}

/** The agent answered with an error status; `status` is the HTTP status. */
export class AgentApiError extends RobotIdError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(code, message);
  }
}

export interface AgentResponse<T> {
  status: number;
  body: T;
}

const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/**
 * One request; resolves for every HTTP status listed in `accept` (default: 2xx only) and
 * rejects otherwise. `timeoutMs` bounds connecting and the whole answer.
 */
export function callAgent<T>(
  target: AgentTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  opts: { timeoutMs?: number; accept?: readonly number[] } = {},
): Promise<AgentResponse<T>> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  const options: RequestOptions = target.socketPath
    ? { socketPath: target.socketPath, path, method, headers }
    : { host: target.url!.hostname, port: target.url!.port || 80, path: target.url!.pathname.replace(/\/$/, '') + path, method, headers };
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) req.destroy(new RobotIdError('AGENT_BAD_RESPONSE', `answer larger than ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          reject(new RobotIdError('AGENT_BAD_RESPONSE', `${target.label} ${method} ${path}: expected a JSON answer, got status ${status} with ${size} bytes of something else`));
          return;
        }
        const ok = opts.accept ? opts.accept.includes(status) : status >= 200 && status < 300;
        if (ok) {
          resolve({ status, body: parsed as T });
          return;
        }
        const e = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
        const code = typeof e?.code === 'string' ? e.code : `HTTP_${status}`;
        const message = typeof e?.message === 'string' ? e.message : `status ${status}`;
        reject(new AgentApiError(code, message, status, parsed));
      });
      res.on('error', (err) => reject(err));
    });
    const timer = setTimeout(() => req.destroy(new AgentUnreachableError('AGENT_TIMEOUT', `${target.label}: no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      if (err instanceof RobotIdError) reject(err);
      else {
        const code = (err as NodeJS.ErrnoException).code ?? 'ERROR';
        reject(new AgentUnreachableError('AGENT_UNREACHABLE', `cannot reach the agent at ${target.label} (${code}): is it running?`, { cause: err }));
      }
    });
    req.end(payload);
  });
}
