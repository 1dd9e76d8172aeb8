/**
 * `robot-id order sign`: an authority (the unit's enterprise, or a platform key with the
 * order.issue role) signs a lifecycle order for one unit, on its own machine; a platform key
 * with registration.issue signs a registration (operator and region).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { ORDER_SUBJECTS, RobotIdError, kidHex, loadAuthority, openSign1, orderKind, orderRole, parseCode, signOrder, toHex, type OrderSubject } from '../../sdk/index.js';
import { operatorPseudonym } from '../platform/operators.js';
import { createRootLogger, loadConfig, startAgent } from '../../agent/index.js';
import { EXIT, UsageError, optionalString, printError, requireString, type Command } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';

/** --transition takes the order's transition or the state it leads to. */
const ALIASES: Record<string, OrderSubject> = {
  decommissioned: 'decommissioned',
  scrapped: 'scrapped',
  recommissioned: 'recommissioned',
  'in-service': 'recommissioned',
  registered: 'registered',
};

export const orderSignCommand: Command = {
  path: ['order', 'sign'],
  summary: 'sign a decommission, recommission or scrap order (order.issue), or a registration (registration.issue), for one unit',
  usage:
    'order sign --code <code> --transition decommissioned|recommissioned|scrapped|registered --key <authority-dir> --out <file> [--operator <id> --region <6 digits>] [--valid-days <n>] [--reason <text>] [--json]',
  options: {
    code: { type: 'string' },
    transition: { type: 'string' },
    operator: { type: 'string' },
    region: { type: 'string' },
    key: { type: 'string' },
    out: { type: 'string' },
    'valid-days': { type: 'string' },
    reason: { type: 'string' },
    json: { type: 'boolean' },
    ...passphraseOption,
  },
  async run(values, _p, io) {
    const t = requireString(values, 'transition');
    const transition = ALIASES[t];
    if (!transition) throw new UsageError(`--transition: expected one of ${ORDER_SUBJECTS.join(', ')}, got ${t}`);
    const operatorId = optionalString(values, 'operator');
    const region = optionalString(values, 'region');
    if (transition === 'registered') {
      if (!operatorId) throw new UsageError('--operator: a registration names its operator (the platform\'s id for them; only a pseudonym goes in the order)');
      if (!region || !/^[0-9]{6}$/.test(region)) throw new UsageError(`--region: expected the 6-digit administrative division code of the place of operation, got ${region ?? 'nothing'}`);
    } else if (operatorId !== undefined || region !== undefined) {
      throw new UsageError(`--operator and --region go only with --transition registered`);
    }
    const days = Number(optionalString(values, 'valid-days') ?? '30');
    if (!Number.isInteger(days) || days <= 0 || days > 3650) throw new UsageError('--valid-days: expected a whole number 1..3650');
    const authority = loadAuthority(requireString(values, 'key'), { passphrase: readPassphrase(values) });
    const cert = authority.verified?.certificate;
    if (!authority.certificate || !cert) throw new UsageError(`--key: expected an enterprise or platform authority, got a ${authority.meta.kind}`);
    const role = orderRole(transition);
    if (!cert.roles.includes(role)) throw new UsageError(`--key: ${cert.subject} lacks the ${role} role`);
    const code = parseCode(requireString(values, 'code'), authority.verified!.root.codeScheme);
    if (cert.subjectKind === 'enterprise' && code.enterprise !== cert.subject) {
      throw new UsageError(`--code: ${code.code} belongs to enterprise ${code.enterprise}; ${cert.subject} may order only its own units`);
    }
    const issuedAt = Math.floor(Date.now() / 1000);
    const orderId = new Uint8Array(randomBytes(16));
    const bytes = await signOrder(authority.signer, authority.certificate, {
      code: code.code,
      transition,
      orderId,
      issuedAt,
      notAfter: issuedAt + days * 86400,
      reason: optionalString(values, 'reason'),
      ...(transition === 'registered' ? { operator: operatorPseudonym(authority.dir, operatorId!), region } : {}),
    });
    const out = requireString(values, 'out');
    writeFileSync(out, bytes, { mode: 0o644 });
    const summary = {
      out,
      code: code.code,
      transition,
      orderId: toHex(orderId),
      issuer: cert.subject,
      kid: kidHex(authority.signer.kid),
      notAfter: issuedAt + days * 86400,
      ...(region ? { region } : {}),
    };
    io.out(values.json ? JSON.stringify(summary) : `${transition} order for ${code.code} signed by ${cert.subject}, written to ${out}`);
    return EXIT.OK;
  },
};

/**
 * `robot-id order apply`: records an order while the agent is stopped, the way to recommission
 * or scrap a decommissioned unit (whose agent does not run). The event joins the outbox; the
 * next start of the agent delivers it.
 */
export const orderApplyCommand: Command = {
  path: ['order', 'apply'],
  summary: 'record a signed order in the unit\'s event log while the agent is stopped (recommission or scrap a decommissioned unit)',
  usage: 'order apply --order <signed-file> [--config <file> | --state-dir <dir>] [--json]',
  options: { order: { type: 'string' }, config: { type: 'string' }, 'state-dir': { type: 'string' }, json: { type: 'boolean' } },
  async run(values, _p, io) {
    const bytes = new Uint8Array(readFileSync(requireString(values, 'order')));
    // The answer is the command's output; the agent's own log lines (state changes) stay out of it.
    const config = loadConfig({ file: optionalString(values, 'config'), overrides: { stateDir: optionalString(values, 'state-dir'), logLevel: 'error' } });
    let kind: string;
    try {
      kind = openSign1(orderKind, bytes).value.transition;
    } catch (err) {
      printError(io, values.json === true, err);
      return EXIT.REJECTED;
    }
    let agent;
    try {
      agent = await startAgent(config, { offline: true, logger: createRootLogger(config.logLevel, 2) });
    } catch (err) {
      // A refusal to open the unit's state (held by a running agent, no identity, ...) is a
      // typed answer about this unit, not a failure of the command.
      if (!(err instanceof RobotIdError)) throw err;
      printError(io, values.json === true, err);
      return EXIT.REJECTED;
    }
    try {
      const logged = await agent.submitEvent({ kind, order: bytes });
      io.out(values.json ? JSON.stringify({ seq: logged.seq, kind, lifecycle: agent.lifecycle.state }) : `${kind} recorded as event ${logged.seq}; the unit is ${agent.lifecycle.state}`);
      return EXIT.OK;
    } catch (err) {
      if (!(err instanceof RobotIdError)) throw err;
      printError(io, values.json === true, err);
      return EXIT.REJECTED;
    } finally {
      await agent.close();
    }
  },
};
