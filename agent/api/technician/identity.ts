/** GET /v1/identity: the signed identity record exactly as held, its decoded fields, and the signed label when held. */
import { summarizeIdentity } from '../../../sdk/index.js';
import type { Route, TechnicianDeps } from './types.js';

export function identityRoute(deps: TechnicianDeps): Route {
  return {
    method: 'GET',
    path: '/v1/identity',
    handle() {
      const v = deps.identity;
      return {
        status: 200,
        body: { ...summarizeIdentity(v), identity: Buffer.from(v.bytes).toString('base64'), ...(deps.label ? { label: Buffer.from(deps.label).toString('base64') } : {}) },
      };
    },
  };
}
