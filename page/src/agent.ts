/**
 * The unit's local API over the service network (docs/local-api.md): bearer token in every
 * request; the page itself needs none. Answers are data to verify here, never verdicts.
 */
export class AgentCallError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'refused',
    message: string,
  ) {
    super(message);
  }
}

export interface AgentTarget {
  url: string;
  token: string;
}

export async function callAgent<T>(target: AgentTarget, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, target.url).toString(), {
      method,
      headers: { authorization: `Bearer ${target.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      cache: 'no-store',
    });
  } catch (err) {
    throw new AgentCallError('unreachable', (err as Error).message);
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new AgentCallError('refused', `HTTP ${res.status}: not JSON`);
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } }).error;
    throw new AgentCallError('refused', `${e?.code ?? `HTTP ${res.status}`}: ${e?.message ?? ''}`);
  }
  return json as T;
}
