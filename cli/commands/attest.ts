/**
 * `robot-id attest`: proof of identity, run on the technician's own computer. It makes the
 * nonce here, asks the unit to sign it, and verifies the answer here against the identity
 * record, the trust store and the revocation list (docs/protocol.md §"Attestation"). The
 * verdict never rests on the robot's word: a record copied onto another machine cannot answer
 * without the device key, and an old answer does not carry this nonce.
 */
import { readFileSync } from 'node:fs';
import {
  RobotIdError,
  TrustStore,
  decodeQrPayload,
  formatCode,
  isQrPayload,
  kidHex,
  makeNonce,
  nonceToText,
  verifyAttestation,
} from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, printError, requireString, type Command } from '../command.js';
import { loadRevocations } from '../revocations.js';
import { callAgent } from '../technician/client.js';
import { withAgent } from '../technician/errors.js';
import { TARGET_USAGE, resolveTarget, targetOptions } from '../technician/target.js';

export interface AttestAnswer {
  /** base64 of the COSE_Sign1 attestation. */
  attestation: string;
  /** base64 of the identity record the unit holds. */
  identity: string;
}

/** The identity to judge: from --identity (a file or a scanned RID1: payload) or the unit's answer. */
function identityBytes(option: string | undefined, fromUnit: string): Uint8Array {
  if (option === undefined) return new Uint8Array(Buffer.from(fromUnit, 'base64'));
  if (isQrPayload(option)) return decodeQrPayload(option);
  const bytes = new Uint8Array(readFileSync(option));
  const text = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  return isQrPayload(text) ? decodeQrPayload(Buffer.from(bytes).toString('utf8')) : bytes;
}

export const attestCommand: Command = {
  path: ['attest'],
  summary: "prove the unit holds its identity: a fresh nonce from here, the unit's signed answer verified here",
  usage: `attest --trust <trust-store> [--revocations <file>] [--code <expected>] [--identity <file|RID1:...>] [--max-skew <s>] ${TARGET_USAGE}`,
  options: {
    ...targetOptions,
    trust: { type: 'string' },
    revocations: { type: 'string' },
    code: { type: 'string' },
    identity: { type: 'string' },
    'max-skew': { type: 'string' },
  },
  async run(values, _p, io) {
    const json = values.json === true;
    const trust = TrustStore.load(requireString(values, 'trust'));
    const revocations = loadRevocations(optionalString(values, 'revocations'));
    const skewRaw = optionalString(values, 'max-skew');
    const maxClockSkewS = skewRaw === undefined ? undefined : Number(skewRaw);
    if (maxClockSkewS !== undefined && (!Number.isSafeInteger(maxClockSkewS) || maxClockSkewS < 0)) throw new UsageError(`--max-skew: expected seconds, got ${skewRaw}`);
    const target = resolveTarget(values);
    return withAgent(io, json, async () => {
      const nonce = makeNonce();
      const { body } = await callAgent<AttestAnswer>(target, 'POST', '/v1/attest', { nonce: nonceToText(nonce) });
      const now = Math.floor(Date.now() / 1000);
      try {
        if (typeof body.attestation !== 'string' || typeof body.identity !== 'string') {
          throw new RobotIdError('ATTEST_MALFORMED', 'answer: expected base64 attestation and identity fields');
        }
        const v = verifyAttestation(new Uint8Array(Buffer.from(body.attestation, 'base64')), {
          nonce,
          identity: identityBytes(optionalString(values, 'identity'), body.identity),
          trust,
          revocations,
          now,
          expectedCode: optionalString(values, 'code'),
          maxClockSkewS,
        });
        const c = v.claims;
        const result = {
          valid: true,
          code: v.identity.code.code,
          modelName: v.identity.record.modelName,
          enterprise: v.identity.enterprise.certificate.subject,
          enterpriseName: v.identity.enterprise.certificate.name,
          deviceKid: kidHex(v.identity.deviceKid),
          bootCount: c.bootCount,
          uptimeS: c.uptimeS,
          swVersion: c.swVersion,
          lifecycle: c.lifecycle,
          clockSkewS: v.clockSkewS,
        };
        if (json) io.out(JSON.stringify(result));
        else {
          io.out(`attested: ${formatCode(v.identity.code)} (${result.modelName}) of ${result.enterpriseName} [${result.enterprise}]`);
          io.out(`  holds device key ${result.deviceKid}: signed our fresh nonce`);
          io.out(`  boot ${c.bootCount}, up ${c.uptimeS} s, ${c.swName} ${c.swVersion}${c.lifecycle ? `, ${c.lifecycle}` : ''}, clock ${v.clockSkewS >= 0 ? '+' : ''}${v.clockSkewS} s`);
        }
        return EXIT.OK;
      } catch (err) {
        if (!(err instanceof RobotIdError)) throw err;
        if (json) io.out(JSON.stringify({ valid: false, error: err.toJSON() }));
        else printError(io, false, err);
        return EXIT.REJECTED;
      }
    });
  },
};
