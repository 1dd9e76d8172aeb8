/** GET /v1/identity: the signed identity record exactly as held, plus its decoded fields. */
import { kidHex } from '../../../sdk/index.js';
import type { Route, TechnicianDeps } from './types.js';

export function identityRoute(deps: TechnicianDeps): Route {
  return {
    method: 'GET',
    path: '/v1/identity',
    handle() {
      const v = deps.identity;
      return {
        status: 200,
        body: {
          code: v.code.code,
          modelName: v.record.modelName,
          manufactureDate: v.record.manufactureDate,
          enterprise: v.enterprise.certificate.subject,
          enterpriseName: v.enterprise.certificate.name,
          deviceKid: kidHex(v.deviceKid),
          recordVersion: v.record.recordVersion,
          identity: Buffer.from(v.bytes).toString('base64'),
        },
      };
    },
  };
}
