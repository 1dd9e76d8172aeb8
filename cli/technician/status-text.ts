/**
 * `robot-id status` for people: sections with plain words, local times and durations, instead
 * of epoch milliseconds and inline JSON. `--json` prints the agent's answer unchanged.
 */

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A duration in the largest units that matter: `3 d 4 h`, `12 min 5 s`, `812 ms`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n} ${u}`)
    .join(' ');
}

/** Local date and time (the reader's clock), and how long ago. */
export function when(ms: number | undefined, nowMs: number): string {
  if (ms === undefined) return 'never';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const ago = nowMs - ms;
  return ago >= 0 ? `${local} (${duration(ago)} ago)` : local;
}

function daysLeft(days: number | undefined): string {
  if (days === undefined) return '-';
  return days < 0 ? `EXPIRED ${-days} days ago` : `${days} days left`;
}

function section(title: string, rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([k]) => k.length));
  return [title, ...rows.map(([k, v]) => `  ${(k + ':').padEnd(width + 1)} ${v}`)];
}

export function statusText(s: Obj, nowMs = Date.now()): string[] {
  const outbox = obj(s.outbox);
  const ev = obj(outbox.event);
  const ack = obj(outbox.ack);
  const head = obj(obj(s.eventLog).head);
  const link = obj(s.link);
  const hb = obj(link.heartbeats);
  const health = obj(s.health);
  const recalls = obj(s.recalls);
  const index = obj(s.recallIndex);
  const recovery = obj(s.recovery);
  const policy = obj(recalls.policy);
  const active = Array.isArray(recalls.activeRecalls) ? (recalls.activeRecalls as unknown[]) : [];
  const lines: string[] = [
    ...section('Unit', [
      ['code', String(s.code ?? '-')],
      ['lifecycle', `${String(s.lifecycle ?? '-')}${s.draining === true ? ' (delivering what is pending, then stopping)' : ''}`],
      ['agent', `${String(s.agentVersion ?? '-')}${s.firmwareVersion ? `, firmware ${String(s.firmwareVersion)}` : ''}`],
      ['running for', num(s.uptimeMs) !== undefined ? `${duration(num(s.uptimeMs)!)} (boot ${String(s.bootCount ?? '-')})` : '-'],
      ['clock', num(s.clockBehindMs) ? `system clock ${duration(num(s.clockBehindMs)!)} behind the time floor` : 'ok'],
    ]),
    ...section('Health', [
      ['healthy', health.healthy === true ? 'yes' : health.healthy === false ? 'no' : '-'],
      ['last confirmed', when(num(health.lastConfirmedAt), nowMs)],
      ['storage', s.storage === 'full' ? `FULL: events refused; waiting to be written: ${(s.storageWaiting as string[] | undefined)?.join(', ') || '-'}` : String(s.storage ?? '-')],
    ]),
  ];
  if (Object.keys(link).length > 0) {
    lines.push(
      ...section('Broker', [
        ['connected', link.connected === true ? 'yes' : 'no'],
        ['connections', `${String(link.connects ?? 0)} made, ${String(link.disconnects ?? 0)} lost, ${String(link.closedBeforeConnack ?? 0)} closed before accepting`],
        ['heartbeats', `${String(hb.sent ?? 0)} sent, last acknowledged ${when(num(hb.lastConfirmedAt), nowMs)}`],
      ]),
    );
  }
  lines.push(
    ...section('Delivery', [
      ['event log', `newest entry ${String(head.seq ?? 0)}, confirmed by the platform up to ${String(ev.confirmed ?? 0)}`],
      ['acknowledgements', `${String(ack.head ?? 0)} made, ${String(ack.confirmed ?? 0)} confirmed`],
      ['waiting', `${String(outbox.depth ?? 0)} to deliver`],
      ['last start', `${String(recovery.entriesScanned ?? 0)} entries checked, ${String(recovery.chainBreaks ?? 0)} chain breaks, ${String(recovery.tornTailBytes ?? 0)} torn bytes cut`],
    ]),
  );
  const trust = obj(s.trust);
  if (Object.keys(trust).length > 0) {
    const items = Array.isArray(obj(trust.expiry).items) ? (obj(trust.expiry).items as Obj[]) : [];
    const rejected = obj(trust.rejected);
    lines.push(
      ...section('Trust', [
        ['root', `country ${String(trust.country ?? '-')}, version ${String(trust.rootVersion ?? '-')}`],
        ...items.map((i): [string, string] => [`${String(i.kind)} expires`, `${String(i.subject)}: ${daysLeft(num(i.daysLeft))}`]),
        ['rotations refused', String(rejected.total ?? 0) + (obj(rejected.last).code ? ` (last: ${String(obj(rejected.last).code)})` : '')],
      ]),
    );
  }
  if (Object.keys(recalls).length > 0) {
    const t = obj(policy.thresholds);
    lines.push(
      ...section('Recalls', [
        ['in force', active.length === 0 ? 'none' : `${active.length}, strongest: ${String(recalls.strongestAction ?? '-')}`],
        ['policy', `${policy.source === 'signed' ? `signed, version ${String(policy.version)}` : 'default'} (signers needed: stop ${String(t.stop ?? '-')}, restrict ${String(t.restrict ?? '-')}, notify ${String(t.notify ?? '-')})`],
        ['recall index', Object.keys(index).length === 0 ? '-' : index.stale === true ? 'STALE: cut off from recall information' : 'current'],
        ['revoked', index.revoked === true || (typeof index.revoked === 'object' && index.revoked !== null && Object.values(index.revoked).some(Boolean)) ? 'YES: this unit is revoked by the platform' : 'no'],
      ]),
    );
  }
  return lines;
}
