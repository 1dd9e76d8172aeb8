/** GET /v1/identity: the signed identity record exactly as held, plus its decoded fields. */
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
        body: { ...summarizeIdentity(v), identity: Buffer.from(v.bytes).toString('base64') },
      };
    },
  };
}
