/**
 * POST /v1/attest {nonce}: the unit signs the verifier's nonce with its device key, together
 * with its code, boot count, uptime, agent version and lifecycle state (docs/protocol.md
 * §"Attestation"). The answer proves possession of the key only to whoever made the nonce.
 */
import { RobotIdError, nonceFromText, signAttestation } from '../../../sdk/index.js';
import { ApiError, type Route, type TechnicianDeps } from './types.js';

export function attestRoute(deps: TechnicianDeps): Route {
  return {
    method: 'POST',
    path: '/v1/attest',
    async handle(req) {
      const raw = typeof req.body === 'object' && req.body !== null ? (req.body as { nonce?: unknown }).nonce : undefined;
      let nonce: Uint8Array;
      try {
        nonce = nonceFromText(raw);
      } catch (err) {
        if (err instanceof RobotIdError) throw new ApiError(400, err.code, err.message, { cause: err });
        throw err;
      }
      const lifecycle = deps.status().lifecycle;
      const attestation = await signAttestation(deps.signer, {
        nonce,
        code: deps.identity.code.code,
        identity: deps.identity.bytes,
        bootCount: deps.bootCount,
        uptimeS: (deps.nowMs() - deps.startedAtMs) / 1000,
        swVersion: deps.agentVersion,
        now: deps.now(),
        ...(typeof lifecycle === 'string' ? { lifecycle } : {}),
      });
      return {
        status: 200,
        body: { attestation: Buffer.from(attestation).toString('base64'), identity: Buffer.from(deps.identity.bytes).toString('base64') },
      };
    },
  };
}
