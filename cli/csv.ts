/** CSV output of the platform's reports (`recall report --csv`, `fleet units --csv`). */

/** One field (RFC 4180): quoted when it holds a comma, a quote or a line break; absent is empty. */
export function csvField(v: string | number | undefined): string {
  const t = v === undefined ? '' : String(v);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** One row of fields. */
export function csvRow(fields: (string | number | undefined)[]): string {
  return fields.map(csvField).join(',');
}
