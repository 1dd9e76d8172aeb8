/** Readable output for people: aligned `key: value` lines, times as ISO text. */

function scalar(key: string, v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number' && /(At|Time)$/.test(key) && v > 1e9) {
    // Seconds or milliseconds since the epoch: both are shown as UTC.
    return new Date(v > 1e12 ? v : v * 1000).toISOString();
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Flattens a JSON object one level of nesting deep into indented lines. */
export function keyValueLines(obj: Record<string, unknown>, indent = ''): string[] {
  const keys = Object.keys(obj);
  const width = Math.max(0, ...keys.map((k) => k.length));
  const lines: string[] = [];
  for (const k of keys) {
    const v = obj[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && indent === '') {
      lines.push(`${indent}${k}:`);
      lines.push(...keyValueLines(v as Record<string, unknown>, indent + '  '));
    } else if (Array.isArray(v) && indent === '' && v.length > 0 && typeof v[0] === 'object') {
      lines.push(`${indent}${k}: ${v.length}`);
      for (const item of v) lines.push(`  - ${Object.entries(item as Record<string, unknown>).map(([ik, iv]) => `${ik}=${scalar(ik, iv)}`).join(' ')}`);
    } else {
      lines.push(`${indent}${(k + ':').padEnd(width + 1)} ${scalar(k, v)}`);
    }
  }
  return lines;
}

export function isoSeconds(s: number): string {
  return new Date(s * 1000).toISOString().replace('.000Z', 'Z');
}
