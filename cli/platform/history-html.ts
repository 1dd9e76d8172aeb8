/**
 * `fleet history --html`: one self-contained file (no script, no fetched asset) a regulator
 * can archive: the unit, its state, and every entry with who signed it and whether it
 * verified. Every text is escaped; nothing in a history can inject markup.
 */
import type { HistoryEntry, UnitHistory } from '../../sdk/index.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ESC[c]!);
const when = (t: number): string => (t > 0 ? new Date(t * 1000).toISOString().replace('.000Z', 'Z') : '-');

function details(e: HistoryEntry): string {
  const parts: string[] = [];
  if (e.technician) parts.push(`technician ${e.technician}`);
  if (e.note) parts.push(e.note);
  if (e.facility) parts.push(`facility ${e.facility}`);
  if (e.order) {
    const o = e.order;
    parts.push(`${o.transition} order by ${o.issuer}${o.region ? `, region ${o.region}` : ''}${o.operator ? `, operator ${o.operator}` : ''}${o.verified ? '' : ` (order does not verify: ${o.problem ?? ''})`}`);
  }
  if (e.recall) parts.push(`recall ${e.recall.recallId} rev ${e.recall.revision}: ${e.recall.status}${e.recall.reason ? ` (${e.recall.reason})` : ''}`);
  if (e.chain && e.chain !== 'linked' && e.chain !== 'first') parts.push(`chain: ${e.chain}`);
  if (e.problem) parts.push(`problem: ${e.problem}`);
  return parts.map(esc).join('<br>');
}

export function historyHtml(h: UnitHistory, generatedAt: Date): string {
  const rows = h.entries
    .map(
      (e) =>
        `<tr class="${e.verified ? 'ok' : 'bad'}"><td>${esc(when(e.time))}</td><td>${esc(e.what)}</td><td>${e.seq ?? ''}</td><td>${esc(e.signedBy)}</td><td>${e.verified ? 'verified' : 'DOES NOT VERIFY'}</td><td>${details(e)}</td></tr>`,
    )
    .join('\n');
  const facts = [
    ['Unit', h.code],
    ['Model', h.modelName ?? 'unknown'],
    ['Enterprise', h.enterprise ?? 'unknown'],
    ['Lifecycle state', h.state + (h.recycled ? ', recycled' : '')],
    ['Registration', h.registration ? `region ${h.registration.region}, operator ${h.registration.operator}` : 'none'],
    ['Entries', `${h.entries.length} (${h.problems} that do not verify)`],
  ]
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Traced history of ${esc(h.code)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#111}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
th,td{border:1px solid #bbb;padding:.35rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
tr.bad td{background:#fde2e2}
.verdict{font-size:1.2rem;font-weight:600}
</style></head><body>
<h1>Traced history of ${esc(h.code)}</h1>
<p class="verdict">${h.problems === 0 ? 'Every entry verified.' : `${h.problems} entr${h.problems === 1 ? 'y does' : 'ies do'} not verify.`}</p>
<table>${facts}</table>
<table><thead><tr><th>Time (UTC)</th><th>What</th><th>Seq</th><th>Signed by</th><th>Verification</th><th>Details</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>Generated ${esc(generatedAt.toISOString())} by robot-id fleet history; each entry re-verified against the trust store at generation.</p>
</body></html>
`;
}
