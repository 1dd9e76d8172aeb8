/** Reading Prometheus text exposition in tests: samples by exact series, the address a process printed. */

/** The value of one sample (name with its labels exactly as the exposition writes them). */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Every sample of a metric name: labels text (e.g. `{scope="c/86"}`, or '') to value. */
export function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(l);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

/** The metrics URL from the "metrics on http://…/metrics" note a command prints. */
export function metricsUrl(lines: string[]): string | undefined {
  for (const l of lines) {
    const m = /metrics on (http:\/\/[^\s/]+\/metrics)/.exec(l);
    if (m) return m[1];
  }
  return undefined;
}

export async function scrape(url: string): Promise<string> {
  const r = await fetch(url);
  if (r.status !== 200) throw new Error(`GET ${url}: status ${r.status}`);
  return r.text();
}
