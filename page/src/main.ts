/**
 * The technician's page: scan a label, see the verdict first, then the passport; prove the unit
 * holds the label's key (attest) and record maintenance over the service network. One file of
 * wiring over judge.ts (verdicts), scan.ts (QR reading), agent.ts (the local API) and i18n.ts.
 */
import { makeNonce } from '../../sdk/attestation/nonce.js';
import { verifyAttestation, type VerifiedAttestation } from '../../sdk/attestation/verify.js';
import { nobleEd25519 } from '../../sdk/crypto/ed25519-noble.js';
import { formatCode } from '../../sdk/code/format.js';
import { fromBase64, parseTrustBundle, parseTrustBundleText, toBase64, type TrustBundle } from '../../sdk/label/bundle.js';
import { verifyLabelAttestation } from '../../sdk/label/attest.js';
import { RobotIdError } from '../../sdk/errors.js';
import { AgentCallError, callAgent, type AgentTarget } from './agent.js';
import { applyTexts, has, setLang, t } from './i18n.js';
import { describeError, judge, type Judgement } from './judge.js';
import { readImageFile, startCamera, type CameraScan } from './scan.js';

const STORE = { bundle: 'robot-id.bundle', bundleSource: 'robot-id.bundle-source', embeddedSeen: 'robot-id.embedded-seen', lang: 'robot-id.lang', agentUrl: 'robot-id.agent-url' } as const;
const KINDS = ['maintenance', 'part-replaced', 'fault', 'software-update', 'maintenance-started', 'maintenance-finished'] as const;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

let bundle: TrustBundle | undefined;
let current: Judgement | undefined;
let lastText: string | undefined;
let unitFacts: { lifecycle?: string; region?: string; recalls?: string[] } | undefined;
let camera: CameraScan | undefined;

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    // Storage refused (a private window, a file: URL in some browsers): keep it in memory only.
    return undefined;
  }
}

// ---- trust bundle ----

/** A short fingerprint of a text (FNV-1a, 32 bits): enough to tell one embedded bundle from another. */
function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `${text.length}:${h.toString(16)}`;
}

/**
 * The bundle in use: the one this browser holds, unless this page carries a bundle it has not
 * seen before (a page written for another world, or a newer one), which then takes over; a file
 * the technician picks later replaces it as before.
 */
function loadBundle(): void {
  const stored = storage()?.getItem(STORE.bundle);
  const raw = $('rid-bundle').textContent?.trim();
  const embedded = raw && raw !== 'null' ? raw : undefined;
  const fresh = embedded !== undefined && storage()?.getItem(STORE.embeddedSeen) !== fingerprint(embedded);
  for (const text of fresh ? [embedded, stored] : [stored, embedded]) {
    if (!text) continue;
    try {
      bundle = parseTrustBundleText(text);
      if (text === embedded && (fresh || !stored)) {
        storage()?.setItem(STORE.bundle, text);
        storage()?.setItem(STORE.bundleSource, 'embedded');
        storage()?.setItem(STORE.embeddedSeen, fingerprint(text));
      }
      return;
    } catch {
      // A bundle that does not parse is passed over; the user loads a new one.
    }
  }
}

/**
 * Served by a unit with no bundle held yet: the bundle that unit offers (GET trust-bundle.json),
 * marked as the unit's; loading a file replaces it. A page from a file never asks.
 */
async function bundleFromUnit(): Promise<void> {
  if (bundle || !location.protocol.startsWith('http')) return;
  try {
    const res = await fetch('trust-bundle.json', { cache: 'no-store' });
    if (!res.ok) return;
    const text = await res.text();
    bundle = parseTrustBundleText(text);
    storage()?.setItem(STORE.bundle, text);
    storage()?.setItem(STORE.bundleSource, 'unit');
    showBundle();
    if (lastText) check(lastText);
  } catch {
    // No bundle offered, or not one: the technician loads their own.
  }
}

function showBundle(): void {
  const el = $('trust-status');
  if (!bundle) el.textContent = t('trustNone');
  else {
    el.textContent = t('trustHeld', { roots: bundle.trust.roots.length, enterprises: bundle.certificates.size, revoked: bundle.revocations.codes.size });
    el.dataset.source = storage()?.getItem(STORE.bundleSource) ?? 'file';
    if (el.dataset.source === 'unit') el.textContent += ' ' + t('trustFromUnit');
  }
}

async function onTrustFile(file: File): Promise<void> {
  const text = await file.text();
  try {
    bundle = parseTrustBundle(JSON.parse(text) as unknown);
    storage()?.setItem(STORE.bundle, text);
    storage()?.setItem(STORE.bundleSource, 'file');
    $('scan-note').textContent = '';
  } catch (err) {
    $('scan-note').textContent = t('trustBad', { detail: describeError(err) });
  }
  showBundle();
  if (lastText) check(lastText);
}

// ---- verdict and passport ----

const TITLES = { valid: 'verdictValid', invalid: 'verdictInvalid', revoked: 'verdictRevoked', scrapped: 'verdictScrapped', nobundle: 'verdictNoBundle', none: 'verdictNone' } as const;

function render(): void {
  const j = current;
  const box = $('verdict');
  box.dataset.verdict = j ? j.state : 'none';
  $('verdict-title').textContent = t(TITLES[j ? j.state : 'none']);
  const reason = j?.state === 'valid' ? t(j.kind === 'label' ? 'validLabel' : 'validRecord', { enterprise: j.enterpriseName ?? '' }) : j?.reason ? t(has(j.reason) ? j.reason : 'reason.other') : '';
  $('verdict-reason').textContent = reason;
  $('verdict-detail').hidden = !j?.detail;
  $('verdict-code').textContent = j?.detail ?? '';
  renderPassport(j);
}

function row(dl: HTMLElement, term: string, value: string, note?: string): void {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  if (note) {
    const small = document.createElement('small');
    small.textContent = note;
    dd.append(small);
  }
  dl.append(dt, dd);
}

function renderPassport(j: Judgement | undefined): void {
  const section = $('passport');
  if (!j?.code) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const c = j.code;
  $('code-display').textContent = formatCode(c, { separator: ' ' });
  const seg = $('segments');
  seg.replaceChildren();
  const country = `country.${c.country}`;
  row(seg, t('segCountry'), c.country, has(country) ? t(country) : undefined);
  row(seg, t('segEnterprise'), c.enterprise, j.enterpriseName ?? t('unknownName'));
  row(seg, t('segModel'), c.model, j.modelName || t('unknownName'));
  row(seg, t('segSerial'), c.serial);
  const facts = $('facts');
  facts.replaceChildren();
  if (j.issuedAt) row(facts, t('issuedOn'), new Date(j.issuedAt * 1000).toISOString().slice(0, 10));
  const fromFile = bundle?.units[c.code];
  const lifecycle = unitFacts?.lifecycle ?? fromFile?.lifecycle;
  const lifecycleNote = unitFacts?.lifecycle ? t('fromUnit') : fromFile?.lifecycle ? t('fromFile') : undefined;
  row(facts, t('lifecycle'), lifecycle ? (has(`state.${lifecycle}`) ? t(`state.${lifecycle}`) : lifecycle) : t('lifecycleUnknown'), lifecycleNote);
  const region = unitFacts?.region ?? fromFile?.region;
  row(facts, t('region'), region ?? t('regionUnknown'), region ? (unitFacts?.region ? t('fromUnit') : t('fromFile')) : undefined);
  const recalls = unitFacts?.recalls ?? fromFile?.recalls?.map((r) => (r.title ? `${r.id}: ${r.title}` : r.id));
  row(facts, t('recalls'), recalls && recalls.length > 0 ? recalls.join(', ') : t('recallsNone'), recalls ? (unitFacts?.recalls ? t('fromUnit') : t('fromFile')) : undefined);
}

function check(text: string): void {
  lastText = text.trim();
  unitFacts = undefined;
  $('attest-result').textContent = '';
  current = judge(lastText, bundle);
  render();
  $('verdict').focus();
}

// ---- the unit: attestation, status, maintenance ----

function target(): AgentTarget {
  const url = ($('agent-url') as HTMLInputElement).value.trim() || location.origin;
  storage()?.setItem(STORE.agentUrl, url);
  return { url, token: ($('agent-token') as HTMLInputElement).value.trim() };
}

function agentFailure(err: unknown): string {
  if (err instanceof AgentCallError) return t(err.kind === 'unreachable' ? 'unreachable' : 'refused', { detail: err.message });
  if (err instanceof RobotIdError) return t('attestFail', { reason: has(`reason.${err.code}`) ? t(`reason.${err.code}`) : err.message }) + ` (${err.code})`;
  return describeError(err);
}

async function attest(): Promise<void> {
  const out = $('attest-result');
  out.className = '';
  out.textContent = '…';
  if (!bundle) {
    out.textContent = t('reason.noBundle');
    return;
  }
  try {
    const tgt = target();
    const nonce = makeNonce();
    const answer = await callAgent<{ attestation: string; identity: string }>(tgt, 'POST', '/v1/attest', { nonce: toBase64(nonce, true) });
    const attestation = fromBase64(answer.attestation);
    const check = { nonce, identity: fromBase64(answer.identity), trust: bundle.trust, revocations: bundle.revocations, now: Math.floor(Date.now() / 1000), backend: nobleEd25519 };
    let v: VerifiedAttestation;
    if (current?.state === 'valid' && current.label) v = verifyLabelAttestation(current.label, attestation, check);
    else if (current?.state === 'valid' && current.recordBytes) v = verifyAttestation(attestation, { ...check, identity: current.recordBytes });
    else v = verifyAttestation(attestation, check);
    out.className = 'ok';
    out.dataset.result = 'ok';
    out.textContent = t('attestOk', { code: formatCode(v.identity.code, { separator: ' ' }), boot: v.claims.bootCount, sw: v.claims.swVersion });
    // What the unit reports of itself (lifecycle, recalls) is shown as its word, beside the proof.
    try {
      const status = await callAgent<{ lifecycle?: string; registration?: { region?: string }; recalls?: { activeRecalls?: { recallId?: string; id?: string; summary?: string }[] } }>(tgt, 'GET', '/v1/status');
      unitFacts = {
        lifecycle: status.lifecycle ?? v.claims.lifecycle,
        ...(status.registration?.region ? { region: status.registration.region } : {}),
        recalls: (status.recalls?.activeRecalls ?? []).map((r) => String(r.recallId ?? r.id ?? r.summary ?? '?')),
      };
    } catch {
      unitFacts = { ...(v.claims.lifecycle ? { lifecycle: v.claims.lifecycle } : {}) };
    }
    if (!current?.code) {
      current = { state: 'valid', kind: 'record', identity: v.identity, code: v.identity.code, enterpriseName: v.identity.enterprise.certificate.name, modelName: v.identity.record.modelName, issuedAt: v.identity.record.issuedAt };
    }
    render();
  } catch (err) {
    out.className = 'bad';
    out.dataset.result = 'fail';
    out.textContent = agentFailure(err);
  }
}

async function recordMaintenance(ev: Event): Promise<void> {
  ev.preventDefault();
  const out = $('maintenance-result');
  out.textContent = '…';
  const note = ($('m-note') as HTMLTextAreaElement).value.trim();
  try {
    const ack = await callAgent<{ seq: number }>(target(), 'POST', '/v1/maintenance', {
      technician: ($('m-technician') as HTMLInputElement).value.trim(),
      kind: ($('m-kind') as HTMLSelectElement).value,
      ...(note ? { note } : {}),
    });
    out.className = 'ok';
    out.dataset.seq = String(ack.seq);
    out.textContent = t('recorded', { seq: ack.seq });
  } catch (err) {
    out.className = 'bad';
    out.textContent = agentFailure(err);
  }
}

// ---- start ----

function fillKinds(): void {
  const sel = $('m-kind') as HTMLSelectElement;
  const chosen = sel.value;
  sel.replaceChildren(...KINDS.map((k) => Object.assign(document.createElement('option'), { value: k, textContent: t(`kind.${k}`) })));
  if (chosen) sel.value = chosen;
}

function relabel(): void {
  applyTexts();
  document.title = t('title');
  fillKinds();
  showBundle();
  $('camera-toggle').textContent = t(camera ? 'scanStop' : 'scanCamera');
  render();
}

function start(): void {
  const saved = storage()?.getItem(STORE.lang);
  const langSel = $('lang') as HTMLSelectElement;
  langSel.value = setLang(saved ?? (navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en'));
  langSel.addEventListener('change', () => {
    setLang(langSel.value);
    storage()?.setItem(STORE.lang, langSel.value);
    relabel();
  });
  loadBundle();
  const url = $('agent-url') as HTMLInputElement;
  url.value = storage()?.getItem(STORE.agentUrl) ?? (location.protocol.startsWith('http') ? location.origin : '');
  relabel();
  $('paste-check').addEventListener('click', () => check(($('paste') as HTMLTextAreaElement).value));
  $('photo').addEventListener('change', () => {
    const file = ($('photo') as HTMLInputElement).files?.[0];
    if (!file) return;
    void readImageFile(file).then(
      (text) => {
        $('scan-note').textContent = text ? '' : t('scanNothing');
        if (text) check(text);
      },
      () => ($('scan-note').textContent = t('scanNothing')),
    );
  });
  $('trust-file').addEventListener('change', () => {
    const file = ($('trust-file') as HTMLInputElement).files?.[0];
    if (file) void onTrustFile(file);
  });
  $('trust-clear').addEventListener('click', () => {
    storage()?.removeItem(STORE.bundle);
    storage()?.removeItem(STORE.bundleSource);
    bundle = undefined;
    showBundle();
    if (lastText) check(lastText);
  });
  $('camera-toggle').addEventListener('click', () => {
    if (camera) {
      camera.stop();
      camera = undefined;
      relabel();
      return;
    }
    if (!navigator.mediaDevices?.getUserMedia) {
      $('scan-note').textContent = t('cameraNone');
      return;
    }
    startCamera($('camera') as HTMLVideoElement, (text) => {
      camera = undefined;
      relabel();
      check(text);
    }).then(
      (c) => {
        camera = c;
        $('camera-toggle').textContent = t('scanStop');
      },
      () => ($('scan-note').textContent = t('cameraNone')),
    );
  });
  $('attest').addEventListener('click', () => void attest());
  void bundleFromUnit();
  $('maintenance').addEventListener('submit', (ev) => void recordMaintenance(ev));
}

start();
