/**
 * Signing recalls on the signer's own machine (docs/protocol.md §"Who may sign a recall"):
 *   recall sign --notice <file.json> --key <dir> --out <file>   the first signature
 *   recall cosign <signed-file> --key <dir>                     adds one, in place, atomically
 *   recall verify <signed-file> --trust <file> [--code <code>]  what a robot would decide
 *   policy sign --root <dir> --version <n> --stop <n> ...       the root-signed thresholds
 * Signing refuses a notice its key may not sign (role, scope) before writing anything.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  DEFAULT_CODE_SCHEME,
  DEFAULT_THRESHOLDS,
  DEFAULT_TRANSFER_RULE,
  DEFAULT_OVERLAP_S,
  TRANSFER_RULES,
  ROLES,
  RecallRejectedError,
  TrustStore,
  cosignRecall,
  kidHex,
  loadAuthority,
  noticeFromJson,
  parseCode,
  parseTime,
  signPolicy,
  signRecall,
  policyForUnit,
  verifyRecallNotice,
  writeFileAtomicSync,
  type Authority,
  type Thresholds,
  type TransferRule,
  type VerifiedRecall,
} from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, requirePositional, requireString, type Command, type Io, type Values } from '../command.js';
import { passphraseOption, readPassphrase } from '../passphrase.js';

/** Thresholds of one for the signer's own check: it judges role and scope, not the count. */
const ANY_COUNT: Thresholds = { notify: 1, restrict: 1, stop: 1 };

function recallKey(values: Values): Authority {
  const a = loadAuthority(requireString(values, 'key'), { passphrase: readPassphrase(values) });
  const cert = a.verified?.certificate;
  if (!a.certificate || !cert) throw new UsageError(`--key: expected an enterprise or platform authority, got a ${a.meta.kind}`);
  if (!cert.roles.includes(ROLES.recallIssue)) throw new UsageError(`--key: ${cert.subject} lacks the ${ROLES.recallIssue} role`);
  return a;
}

function summary(v: VerifiedRecall, out: string): Record<string, unknown> {
  const n = v.notice;
  return {
    file: out,
    recallId: n.recallId,
    revision: n.revision,
    action: n.action,
    status: n.status,
    target: n.target,
    signers: v.subjects,
    kids: v.signers.map((s) => kidHex(s.kid)),
    defaultThreshold: DEFAULT_THRESHOLDS[n.action],
  };
}

function report(io: Io, values: Values, body: Record<string, unknown>, text: string): number {
  io.out(values.json ? JSON.stringify(body) : text);
  return EXIT.OK;
}

function rejected(io: Io, values: Values, err: unknown): number {
  if (!(err instanceof RecallRejectedError)) throw err;
  if (values.json) io.out(JSON.stringify({ valid: false, error: err.toJSON() }));
  else io.err(`rejected: ${err.code}: ${err.message}`);
  return EXIT.REJECTED;
}

const readBytes = (path: string) => new Uint8Array(readFileSync(path));

export const recallSignCommand: Command = {
  path: ['recall', 'sign'],
  summary: 'sign a recall notice (JSON, see docs/protocol.md) with an enterprise or platform key holding recall.issue',
  usage: 'recall sign --notice <file.json> --key <authority-dir> --out <file> [--json]',
  options: { notice: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, ...passphraseOption },
  async run(values, _p, io) {
    const out = requireString(values, 'out');
    if (existsSync(out)) throw new UsageError(`--out: ${out} exists; refusing to overwrite a signed notice`);
    const a = recallKey(values);
    const path = requireString(values, 'notice');
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new UsageError(`--notice: ${path}: expected a JSON file (${(err as Error).message})`);
    }
    const now = Math.floor(Date.now() / 1000);
    try {
      const input = noticeFromJson(json, { issuer: a.verified!.certificate.subject, now, scheme: a.verified!.root.codeScheme });
      const bytes = await signRecall(input, a.signer, a.certificate!);
      const v = verifyRecallNotice(bytes, { trust: a.trust, now, thresholds: ANY_COUNT, skipTime: true });
      writeFileAtomicSync(out, bytes);
      const s = summary(v, out);
      return report(io, values, s, `recall ${v.notice.recallId} revision ${v.notice.revision} (${v.notice.action}) signed by ${v.subjects[0]}, written to ${out}`);
    } catch (err) {
      return rejected(io, values, err);
    }
  },
};

export const recallCosignCommand: Command = {
  path: ['recall', 'cosign'],
  summary: 'add your signature to a signed recall notice, in place (a key signs once)',
  usage: 'recall cosign <signed-file> --key <authority-dir> [--json]',
  options: { key: { type: 'string' }, json: { type: 'boolean' }, ...passphraseOption },
  async run(values, positionals, io) {
    const file = requirePositional(positionals, 0, '<signed-file>');
    const a = recallKey(values);
    const now = Math.floor(Date.now() / 1000);
    try {
      const before = readBytes(file);
      verifyRecallNotice(before, { trust: a.trust, now, thresholds: ANY_COUNT, skipTime: true }); // co-sign only what verifies
      const after = await cosignRecall(before, a.signer, a.certificate!);
      const v = verifyRecallNotice(after, { trust: a.trust, now, thresholds: ANY_COUNT, skipTime: true }); // the co-signer is in scope
      writeFileAtomicSync(file, after);
      return report(io, values, summary(v, file), `recall ${v.notice.recallId} revision ${v.notice.revision}: ${v.subjects.length} distinct signers (${v.subjects.join(', ')})`);
    } catch (err) {
      if (err instanceof RecallRejectedError) return rejected(io, values, err);
      if (err instanceof Error && 'code' in err && err.code === 'COSE_MALFORMED') {
        return rejected(io, values, new RecallRejectedError('RECALL_MALFORMED', err.message, { cause: err }));
      }
      throw err;
    }
  },
};

export const recallVerifyCommand: Command = {
  path: ['recall', 'verify'],
  summary: 'verify a signed recall notice as a robot would (with --code: also its target)',
  usage: 'recall verify <signed-file> --trust <trust-store> [--code <code> [--policy <file>]] [--at <time>] [--json]',
  options: { trust: { type: 'string' }, code: { type: 'string' }, policy: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean' } },
  async run(values, positionals, io) {
    const file = requirePositional(positionals, 0, '<signed-file>');
    const trust = TrustStore.load(requireString(values, 'trust'));
    const at = optionalString(values, 'at');
    try {
      const now = at === undefined ? Math.floor(Date.now() / 1000) : parseTime(/^\d+$/.test(at) ? Number(at) : at, '--at');
      const policyFile = optionalString(values, 'policy');
      const code = optionalString(values, 'code');
      // A policy is a country's: judged as the robot judges, for a unit (policyForUnit).
      if (policyFile && !code) throw new UsageError('--policy: expected --code too (a recall policy applies to the units of its own country)');
      const scheme = code ? (trust.rootsForCountry(code.trim().slice(0, 2).toUpperCase())[0]?.codeScheme ?? DEFAULT_CODE_SCHEME) : undefined;
      const unit = code ? parseCode(code, scheme) : undefined;
      const thresholds = policyFile && unit ? policyForUnit(readBytes(policyFile), trust, unit.country).policy.thresholds : undefined;
      const bytes = readBytes(file);
      if (/^\s*[{[]/.test(Buffer.from(bytes.subarray(0, 64)).toString('latin1'))) {
        throw new RecallRejectedError('RECALL_MALFORMED', `${file}: expected a signed notice (COSE), got JSON: sign it first (robot-id recall sign --notice ${file} --key <authority-dir> --out <file>)`);
      }
      const v = verifyRecallNotice(bytes, { trust, now, unit, thresholds });
      const body = { valid: true, ...summary(v, file), required: v.required, unit: unit?.code ?? null };
      return report(io, values, body, `valid: recall ${v.notice.recallId} revision ${v.notice.revision} (${v.notice.action}), ${v.subjects.length} of ${v.required} required signers${unit ? `, targets ${unit.code}` : ''}`);
    } catch (err) {
      return rejected(io, values, err);
    }
  },
};

function count(values: Values, name: string, fallback: number): number {
  const v = optionalString(values, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: expected a whole number >= 1, got ${v}`);
  return n;
}

export const policySignCommand: Command = {
  path: ['policy', 'sign'],
  summary: 'sign the recall policy (signatures each action needs, whether used units may change operator) with a root key',
  usage: 'policy sign --root <dir> --version <n> --stop <n> [--restrict <n>] [--notify <n>] [--transfers forbidden|platform-only] [--overlap <seconds>] --out <file> [--json]',
  options: {
    root: { type: 'string' },
    transfers: { type: 'string' },
    overlap: { type: 'string' },
    version: { type: 'string' },
    stop: { type: 'string' },
    restrict: { type: 'string' },
    notify: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    ...passphraseOption,
  },
  async run(values, _p, io) {
    const root = loadAuthority(requireString(values, 'root'), { passphrase: readPassphrase(values) });
    if (root.meta.kind !== 'root') throw new UsageError(`--root: expected a root authority, got ${root.meta.kind}`);
    const version = count(values, 'version', NaN);
    const thresholds = { notify: count(values, 'notify', 1), restrict: count(values, 'restrict', 1), stop: count(values, 'stop', NaN) };
    const transfers = optionalString(values, 'transfers') ?? DEFAULT_TRANSFER_RULE;
    if (!(TRANSFER_RULES as readonly string[]).includes(transfers)) throw new UsageError(`--transfers: expected one of ${TRANSFER_RULES.join(', ')}, got ${transfers}`);
    const overlapText = optionalString(values, 'overlap');
    if (overlapText !== undefined && !/^\d{1,10}$/.test(overlapText)) throw new UsageError(`--overlap: expected a whole number of seconds, got ${overlapText}`);
    const overlapS = overlapText === undefined ? undefined : Number(overlapText);
    const out = requireString(values, 'out');
    try {
      const bytes = await signPolicy(root.signer, { country: root.meta.country, version, issuedAt: Math.floor(Date.now() / 1000), thresholds, transfers: transfers as TransferRule, ...(overlapS === undefined ? {} : { overlapS }) });
      writeFileAtomicSync(out, bytes);
      return report(
        io,
        values,
        { file: out, country: root.meta.country, version, thresholds, transfers, overlapS: overlapS ?? DEFAULT_OVERLAP_S },
        `recall policy ${root.meta.country} version ${version} (stop ${thresholds.stop}, restrict ${thresholds.restrict}, notify ${thresholds.notify}; transfers ${transfers}; renewal overlap ${overlapS ?? DEFAULT_OVERLAP_S} s) written to ${out}`,
      );
    } catch (err) {
      return rejected(io, values, err);
    }
  },
};
