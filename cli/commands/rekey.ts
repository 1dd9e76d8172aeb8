/**
 * `robot-id rekey request|issue|install`: replacing a unit's device key (docs/key-handling.md
 * §"Device rekey"). request and install run on the unit, through the running agent's socket
 * (it holds the state directory) or, with --offline, while the agent is stopped; issue runs on
 * the enterprise's machine.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { AgentClientError, callAgentOk, createRootLogger, loadConfig, requestRekey, stageRekey, startAgent, type Agent } from '../../agent/index.js';
import { RobotIdError, algName, issueRekeyedRecord, kidHex, loadAuthority } from '../../sdk/index.js';
import { ALG_USAGE, algOption, readAlg } from '../alg.js';
import { EXIT, optionalString, printError, requireString, type Command, type Io, type Values } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';
import { agentTarget, agentTargetOptions } from './event.js';

const TARGET_USAGE = '[--offline] [--state-dir <dir> | --socket <path> | --config <file>]';

/** Opens the unit's state while the agent is stopped (the state lock refuses a running one). */
async function offlineAgent(values: Values): Promise<Agent> {
  const config = loadConfig({ file: optionalString(values, 'config'), overrides: { stateDir: optionalString(values, 'state-dir'), logLevel: 'error' } });
  return startAgent(config, { offline: true, lockHolder: 'rekey', logger: createRootLogger(config.logLevel, 2) });
}

/** A typed refusal is exit 1 (3 when the agent cannot be reached); anything else is thrown. */
function refused(io: Io, values: Values, err: unknown): number {
  if (err instanceof AgentClientError) {
    printError(io, values.json === true, err);
    return err.code === 'AGENT_UNREACHABLE' ? EXIT.UNREACHABLE : err.status !== undefined && err.status >= 500 ? EXIT.FAILURE : EXIT.REJECTED;
  }
  if (!(err instanceof RobotIdError)) throw err;
  printError(io, values.json === true, err);
  return EXIT.REJECTED;
}

export const rekeyRequestCommand: Command = {
  path: ['rekey', 'request'],
  summary: 'on the unit: make a new device key (device.key.next) and a request for its identity record, signed by the new and the current key',
  usage: `rekey request --out <file> ${ALG_USAGE} ${TARGET_USAGE} [--json]`,
  options: { ...agentTargetOptions, out: { type: 'string' }, offline: { type: 'boolean' }, json: { type: 'boolean' }, ...algOption },
  async run(values, _p, io) {
    const out = requireString(values, 'out');
    const alg = readAlg(values);
    let r: { request: Uint8Array; newKid: string; created: boolean };
    try {
      if (values.offline) {
        const agent = await offlineAgent(values);
        try {
          r = await requestRekey(agent, alg);
        } finally {
          await agent.close();
        }
      } else {
        const a = await callAgentOk<{ request: string; newKid: string; created: boolean }>(agentTarget(values), 'POST', '/v1/rekey/request', alg === undefined ? {} : { alg: algName(alg) });
        r = { request: new Uint8Array(Buffer.from(a.request, 'base64')), newKid: a.newKid, created: a.created };
      }
    } catch (err) {
      return refused(io, values, err);
    }
    writeFileSync(out, r.request);
    io.out(values.json ? JSON.stringify({ out, newKid: r.newKid, created: r.created }) : `rekey request written to ${out} (new key ${r.newKid}${r.created ? '' : ', made by an earlier request'})`);
    return EXIT.OK;
  },
};

export const rekeyIssueCommand: Command = {
  path: ['rekey', 'issue'],
  summary: 'enterprise: verify a rekey request and issue the new identity record (same code and hardware, recordVersion + 1)',
  usage: 'rekey issue --enterprise <dir> --request <file> --out <file> [--label-out <file>] [--json]',
  options: { enterprise: { type: 'string' }, request: { type: 'string' }, out: { type: 'string' }, 'label-out': { type: 'string' }, json: { type: 'boolean' }, ...passphraseOption },
  async run(values, _p, io) {
    const enterprise = loadAuthority(requireString(values, 'enterprise'), { passphrase: readPassphrase(values) });
    const request = new Uint8Array(readFileSync(requireString(values, 'request')));
    const out = requireString(values, 'out');
    let issued;
    try {
      issued = await issueRekeyedRecord({ enterprise, request });
    } catch (err) {
      return refused(io, values, err);
    }
    writeFileSync(out, issued.bytes);
    const labelOut = optionalString(values, 'label-out');
    if (labelOut) writeFileSync(labelOut, issued.label);
    const code = issued.identity.code.code;
    const v = issued.identity.record.recordVersion;
    io.out(values.json ? JSON.stringify({ out, code, recordVersion: v, deviceKid: kidHex(issued.identity.deviceKid) }) : `identity record ${v} of ${code} written to ${out} (device key ${kidHex(issued.identity.deviceKid)})`);
    return EXIT.OK;
  },
};

export const rekeyInstallCommand: Command = {
  path: ['rekey', 'install'],
  summary: 'on the unit: install the new identity record; the agent restarts with the new key and announces it',
  usage: `rekey install --record <file> [--label <file>] ${TARGET_USAGE} [--json]`,
  options: { ...agentTargetOptions, record: { type: 'string' }, label: { type: 'string' }, offline: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(values, _p, io) {
    const record = new Uint8Array(readFileSync(requireString(values, 'record')));
    const labelFile = optionalString(values, 'label');
    const label = labelFile ? new Uint8Array(readFileSync(labelFile)) : undefined;
    let recordVersion: number;
    let announced: number | undefined;
    try {
      if (values.offline) {
        const agent = await offlineAgent(values);
        try {
          recordVersion = stageRekey(agent, record, label).record.recordVersion;
        } finally {
          await agent.close();
        }
        // Opening again installs what was staged and appends the announcement (agent/startup).
        const again = await offlineAgent(values);
        announced = again.eventLog.head.seq;
        await again.close();
      } else {
        recordVersion = (await callAgentOk<{ recordVersion: number }>(agentTarget(values), 'POST', '/v1/rekey/install', { record: Buffer.from(record).toString('base64'), ...(label ? { label: Buffer.from(label).toString('base64') } : {}) })).recordVersion;
      }
    } catch (err) {
      return refused(io, values, err);
    }
    if (values.json) io.out(JSON.stringify({ recordVersion, ...(announced !== undefined ? { announcedSeq: announced } : { restarting: true }) }));
    else io.out(announced !== undefined ? `identity record ${recordVersion} installed; rekeyed event ${announced} recorded` : `identity record ${recordVersion} staged; the agent restarts (exit 18) and installs it`);
    return EXIT.OK;
  },
};
