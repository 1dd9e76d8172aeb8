import { TrustStore, formatCode, summarizeIdentity, verifyIdentityRecord } from '../../sdk/index.js';
import { EXIT, optionalString, printError, type Command } from '../command.js';
import { callAgent } from '../technician/client.js';
import { withAgent } from '../technician/errors.js';
import { TARGET_USAGE, resolveTarget, targetOptions } from '../technician/target.js';

interface IdentityBody {
  code: string;
  identity: string;
  [k: string]: unknown;
}

export const showCommand: Command = {
  path: ['show'],
  summary: "show the unit's identity as the agent holds it (with --trust: verified here against the trust store)",
  usage: `show ${TARGET_USAGE} [--trust <trust-store>]`,
  options: { ...targetOptions, trust: { type: 'string' } },
  async run(values, _p, io) {
    const json = values.json === true;
    return withAgent(io, json, async () => {
      const { body } = await callAgent<IdentityBody>(resolveTarget(values), 'GET', '/v1/identity');
      const trustFile = optionalString(values, 'trust');
      if (!trustFile) {
        if (json) io.out(JSON.stringify({ ...body, verified: false }));
        else {
          io.out(`code:        ${body.code}`);
          for (const k of ['modelName', 'manufactureDate', 'enterprise', 'enterpriseName', 'deviceKid', 'recordVersion']) {
            if (body[k] !== undefined) io.out(`${(k + ':').padEnd(12)} ${String(body[k])}`);
          }
          io.out('(as the agent reports it; pass --trust to verify the record, `robot-id attest` to prove the unit holds its key)');
        }
        return EXIT.OK;
      }
      try {
        const v = verifyIdentityRecord(new Uint8Array(Buffer.from(body.identity, 'base64')), TrustStore.load(trustFile));
        const out = { verified: true, ...summarizeIdentity(v) };
        if (json) io.out(JSON.stringify(out));
        else {
          io.out(`code:        ${formatCode(v.code)}`);
          io.out(`model:       ${out.modelName} (made ${out.manufactureDate})`);
          io.out(`enterprise:  ${out.enterpriseName} [${out.enterprise}]`);
          io.out(`device key:  ${out.deviceKid}`);
          io.out('record:      verified against the trust store (the unit has not yet proven it holds the key: robot-id attest)');
        }
        return EXIT.OK;
      } catch (err) {
        printError(io, json, err);
        return EXIT.REJECTED;
      }
    });
  },
};
