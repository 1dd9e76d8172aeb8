/**
 * The demo's narrator and step runner: each step prints a numbered title and a few indented
 * lines; a step that is not available in this build says so and the story goes on; a step
 * that fails ends the story (cleanup still runs).
 */
import type { Io } from '../command.js';

export type StepOutcome = 'done' | 'missing' | 'failed';

export class StepMissing extends Error {
  override name = 'StepMissing';
}

export interface Narrator {
  /** One indented line of the current step. */
  say(line: string): void;
  /** A command as a person would type it, then its output indented. */
  shell(command: string, output: readonly string[]): void;
}

export interface Step<C> {
  title: string;
  run(ctx: C, n: Narrator): Promise<void>;
}

export interface StoryResult {
  outcomes: { title: string; outcome: StepOutcome; reason?: string }[];
  ok: boolean;
}

export async function tell<C>(io: Io, ctx: C, steps: readonly Step<C>[]): Promise<StoryResult> {
  const outcomes: StoryResult['outcomes'] = [];
  const n: Narrator = {
    say: (line) => io.out(`   ${line}`),
    shell: (command, output) => {
      io.out(`   $ ${command}`);
      for (const l of output) for (const part of l.split('\n')) if (part.length > 0) io.out(`     ${part}`);
    },
  };
  let i = 0;
  for (const step of steps) {
    i++;
    io.out(`${String(i).padStart(2)}. ${step.title}`);
    try {
      await step.run(ctx, n);
      outcomes.push({ title: step.title, outcome: 'done' });
    } catch (err) {
      if (err instanceof StepMissing) {
        n.say(`(not available in this build: ${err.message})`);
        outcomes.push({ title: step.title, outcome: 'missing', reason: err.message });
        continue;
      }
      const message = err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err);
      n.say(`FAILED: ${message}`);
      outcomes.push({ title: step.title, outcome: 'failed', reason: message });
      return { outcomes, ok: false };
    }
  }
  return { outcomes, ok: true };
}
