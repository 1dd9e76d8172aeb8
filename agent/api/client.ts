/**
 * Client of the agent's local API, for the CLI and for tests: the Unix socket (default) or
 * the TCP listener with a bearer token. Typed errors: AGENT_UNREACHABLE when nothing answers,
 * the agent's own {code, message} when it refuses.
 */
import { request } from 'node:http';
import { RobotIdError } from '../../sdk/index.js';

export type AgentTarget = { socketPath: string } | { url: string; token: string };

export class AgentClientError extends RobotIdError {
  constructor(
    code: string,
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export function callAgent<T = unknown>(target: AgentTarget, method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<ApiResponse<T>> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = { accept: 'application/json' };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = payload.length;
  }
  let base: { socketPath?: string; host?: string; port?: number };
  if ('socketPath' in target) base = { socketPath: target.socketPath };
  else {
    const u = new URL(target.url);
    base = { host: u.hostname, port: Number(u.port || 80) };
    headers.authorization = `Bearer ${target.token}`;
  }
  const where = 'socketPath' in target ? target.socketPath : target.url;
  return new Promise((resolve, reject) => {
    const req = request({ ...base, method, path, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          reject(new AgentClientError('AGENT_PROTOCOL', `agent at ${where}: expected JSON, got ${text.slice(0, 80)}`, res.statusCode));
          return;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed as T });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new AgentClientError('AGENT_UNREACHABLE', `agent at ${where}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, undefined, { cause: err })));
    req.end(payload);
  });
}

/** Like callAgent, but a non-2xx answer becomes an AgentClientError with the agent's code. */
export async function callAgentOk<T = unknown>(target: AgentTarget, method: string, path: string, body?: unknown): Promise<T> {
  const r = await callAgent<T | { error?: { code: string; message: string } }>(target, method, path, body);
  if (r.status >= 200 && r.status < 300) return r.body as T;
  const e = (r.body as { error?: { code: string; message: string } } | undefined)?.error;
  throw new AgentClientError(e?.code ?? 'AGENT_ERROR', e?.message ?? `agent answered ${r.status}`, r.status);
}
