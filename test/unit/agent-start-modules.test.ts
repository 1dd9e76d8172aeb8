// What `robot-id agent` evaluates at start, from the import graph esbuild resolves: prom-client
// is reachable only through the dynamic import of the metrics route (config metricsEnabled), so
// an agent without metrics never loads it and its start-up cost is unchanged.
import { build, type Metafile } from 'esbuild';
import { expect, it } from 'vitest';

/** Inputs of the chunks reachable from the entries by static imports only, and through any import. */
function reachable(meta: Metafile, entries: string[]): { statically: Set<string>; anyhow: Set<string> } {
  const walk = (withDynamic: boolean): Set<string> => {
    const seen = new Set<string>();
    const inputs = new Set<string>();
    const todo = Object.entries(meta.outputs)
      .filter(([, o]) => o.entryPoint !== undefined && entries.includes(o.entryPoint))
      .map(([path]) => path);
    while (todo.length) {
      const path = todo.pop()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const out = meta.outputs[path]!;
      for (const i of Object.keys(out.inputs)) inputs.add(i);
      for (const imp of out.imports) if (!imp.external && (withDynamic || imp.kind === 'import-statement')) todo.push(imp.path);
    }
    return inputs;
  };
  return { statically: walk(false), anyhow: walk(true) };
}

it('the agent command loads prom-client only through the metrics route, never at start', async () => {
  // The agent's own entry (the script the loaders start for `robot-id agent`), and its path
  // through cli/main.ts: the two modules imported there before the agent starts.
  const entries = ['cli/agent-main.ts', 'cli/commands/agent.ts', 'cli/run-command.ts'];
  const r = await build({
    entryPoints: entries,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    write: false,
    outdir: 'out',
    metafile: true,
    logLevel: 'silent',
    external: ['cbor-extract'],
  });
  const { statically, anyhow } = reachable(r.metafile, entries);
  const prom = (s: Set<string>) => [...s].filter((i) => i.includes('node_modules/prom-client/'));
  expect(prom(anyhow).length).toBeGreaterThan(0); // the metrics route does reach it
  expect(prom(statically)).toEqual([]);
  expect(statically.has('agent/api/routes/metrics.ts')).toBe(true);
}, 60_000);
