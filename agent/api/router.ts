/**
 * A small router for the local API: routes are (method, path pattern) -> handler, where a
 * pattern segment `:name` captures. Handlers return { status, body } or throw: a RobotIdError
 * becomes its JSON body with a status chosen by its code (errors.ts), anything else a 500.
 * One file per route group in routes/ registers its routes here.
 */
import type { IncomingMessage } from 'node:http';

export interface RequestContext {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when none). */
  body: unknown;
  req: IncomingMessage;
}

export interface RouteResult {
  status: number;
  /** Sent as JSON; with `contentType`, a string sent as it is. */
  body: unknown;
  contentType?: string;
}

export type Handler = (ctx: RequestContext) => Promise<RouteResult> | RouteResult;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

/** Params of a route without `:name` segments: shared, never written. */
const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export class Router {
  private readonly routes: Route[] = [];
  /** Routes without captures by "METHOD /path": one lookup for the common requests. */
  private readonly exact = new Map<string, Handler>();

  add(method: 'GET' | 'POST' | 'PUT' | 'DELETE', pattern: string, handler: Handler): this {
    if (!pattern.startsWith('/v1/')) throw new Error(`route ${pattern}: expected a path under /v1/`);
    const segments = pattern.split('/').filter(Boolean);
    this.routes.push({ method, segments, handler });
    // A static route goes in the map unless a route added before it would win the scan in match().
    const key = `${method} ${pattern}`;
    const earlier = this.routes.slice(0, -1).some((r) => r.method === method && matchSegments(r.segments, segments));
    if (!segments.some((p) => p.startsWith(':')) && !earlier) this.exact.set(key, handler);
    return this;
  }

  /** The handler for a request, or why there is none (404 / 405). */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | { status: 404 | 405 } {
    const hit = this.exact.get(`${method} ${path}`);
    if (hit) return { handler: hit, params: NO_PARAMS };
    const parts = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const r of this.routes) {
      const params = matchSegments(r.segments, parts);
      if (!params) continue;
      pathMatched = true;
      if (r.method === method) return { handler: r.handler, params };
    }
    return { status: pathMatched ? 405 : 404 };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(parts[i]!);
    else if (p !== parts[i]) return undefined;
  }
  return params;
}
