/**
 * `robot-id order sign`: an authority (the unit's enterprise, or a platform key with the
 * order.issue role) signs a lifecycle order for one unit, on its own machine.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { ORDER_TRANSITIONS, ROLES, RobotIdError, kidHex, loadAuthority, openSign1, orderKind, parseCode, signOrder, toHex, type OrderTransition } from '../../sdk/index.js';
import { createRootLogger, loadConfig, startAgent } from '../../agent/index.js';
import { EXIT, UsageError, optionalString, printError, requireString, type Command } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';

/** --transition takes the order's transition or the state it leads to. */
const ALIASES: Record<string, OrderTransition> = { decommissioned: 'decommissioned', scrapped: 'scrapped', recommissioned: 'recommissioned', 'in-service': 'recommissioned' };

export const orderSignCommand: Command = {
  path: ['order', 'sign'],
  summary: 'sign a decommission, recommission or scrap order for one unit (enterprise or platform key with order.issue)',
  usage: 'order sign --code <code> --transition decommissioned|recommissioned|scrapped --key <authority-dir> --out <file> [--valid-days <n>] [--reason <text>] [--json]',
  options: {
    code: { type: 'string' },
    transition: { type: 'string' },
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
    if (!transition) throw new UsageError(`--transition: expected one of ${ORDER_TRANSITIONS.join(', ')}, got ${t}`);
    const days = Number(optionalString(values, 'valid-days') ?? '30');
    if (!Number.isInteger(days) || days <= 0 || days > 3650) throw new UsageError('--valid-days: expected a whole number 1..3650');
    const authority = loadAuthority(requireString(values, 'key'), { passphrase: readPassphrase(values) });
    const cert = authority.verified?.certificate;
    if (!authority.certificate || !cert) throw new UsageError(`--key: expected an enterprise or platform authority, got a ${authority.meta.kind}`);
    if (!cert.roles.includes(ROLES.orderIssue)) throw new UsageError(`--key: ${cert.subject} lacks the ${ROLES.orderIssue} role`);
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
    });
    const out = requireString(values, 'out');
    writeFileSync(out, bytes, { mode: 0o644 });
    const summary = { out, code: code.code, transition, orderId: toHex(orderId), issuer: cert.subject, kid: kidHex(authority.signer.kid), notAfter: issuedAt + days * 86400 };
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
