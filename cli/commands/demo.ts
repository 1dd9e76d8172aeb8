/**
 * `robot-id demo` (what `npm start` runs): the whole story in a temporary directory, told in a
 * few seconds, leaving nothing behind. Steps live in cli/demo/steps/, one file each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, type Command } from '../command.js';
import type { DemoContext } from '../demo/context.js';
import { tell } from '../demo/story.js';
import { ALG_USAGE, algOption, readAlg } from '../alg.js';
import { algName } from '../../sdk/index.js';

/** The demo never runs longer than this, whatever a step does. */
const DEMO_TIMEOUT_MS = 60_000;

function externalBroker(): string | undefined {
  // The CLI entry point reads this one variable for the demo; the agent's own settings all
  // go through agent/config.
  const url = process.env.ROBOT_ID_BROKER_URL;
  return url && url.length > 0 ? url : undefined;
}

export const demoCommand: Command = {
  path: ['demo'],
  summary: 'a complete demonstration in a temporary directory (what `npm start` runs); removes everything after',
  usage: `demo [--keep] ${ALG_USAGE}`,
  options: { keep: { type: 'boolean' }, ...algOption },
  async run(values, _p, io) {
    // Loaded on use, not with the CLI: every command, the agent included, would otherwise
    // evaluate the demo's steps and its embedded broker (aedes) at start-up; about 0.6 MiB of
    // the agent's idle RSS (medians of 7 to 12 starts, docs/performance.md).
    const { demoSteps } = await import('../demo/steps/index.js');
    const started = Date.now();
    const dir = mkdtempSync(join(tmpdir(), 'robot-id-demo-'));
    const alg = readAlg(values);
    const ctx: DemoContext = { dir, io, externalBrokerUrl: externalBroker(), alg, cleanups: [], handles: {} };
    const suite = alg === undefined ? '' : `; every key ${algName(alg)}`;
    io.out(`robot-id demo: one humanoid robot's identity, from the factory to recycling (working in ${dir})${suite}`);
    io.out('');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new Error(`the demo took longer than ${DEMO_TIMEOUT_MS / 1000} s`)), DEMO_TIMEOUT_MS);
    });
    let result;
    try {
      result = await Promise.race([tell(io, ctx, demoSteps), timeout]);
    } catch (err) {
      io.out(`   FAILED: ${(err as Error).message}`);
      result = { ok: false, outcomes: [] };
    } finally {
      clearTimeout(timer);
      for (const undo of ctx.cleanups.reverse()) {
        try {
          await undo();
        } catch (err) {
          io.err(`cleanup: ${(err as Error).message}`);
        }
      }
      if (!values.keep) rmSync(dir, { recursive: true, force: true });
    }
    const missing = result.outcomes.filter((o) => o.outcome === 'missing');
    const done = result.outcomes.filter((o) => o.outcome === 'done').length;
    io.out('');
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (!result.ok) io.out(`The demo stopped at a failed step after ${secs} s.`);
    else io.out(`The end: ${done} steps in ${secs} s${missing.length ? `; not in this build: ${missing.map((m) => m.title).join('; ')}` : ''}.`);
    io.out(values.keep ? `Kept ${dir}.` : 'Temporary directory removed, broker closed.');
    return result.ok ? EXIT.OK : EXIT.REJECTED;
  },
};
