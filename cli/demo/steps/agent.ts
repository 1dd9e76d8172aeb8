/** Step: the agent starts on the robot: start-up checks, event log, outbox, local API, MQTT link. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../agent/config/index.js';
import { startAgent } from '../../../agent/main.js';
import { defaultModules } from '../../../agent/modules.js';
import { recallsModule } from '../../../agent/recall-sync/module.js';
import type { Agent } from '../../../agent/agent.js';
import type { DemoContext } from '../context.js';
import { StepMissing, type Step } from '../story.js';
import { waitFor } from '../wait.js';

export function demoAgent(ctx: DemoContext): Agent {
  const a = ctx.handles.agent as Agent | undefined;
  if (!a) throw new StepMissing('the agent did not start');
  return a;
}

export const agentStep: Step<DemoContext> = {
  title: 'The identity agent starts on the robot',
  async run(ctx, n) {
    if (!ctx.unit || !ctx.broker) throw new StepMissing('no unit or broker');
    const settings = {
      stateDir: ctx.unit.stateDir,
      hardwareIdSource: { file: ctx.unit.hardwareIdFile },
      brokerUrl: ctx.broker.url,
      heartbeatIntervalMs: 500,
      healthMultiple: 6,
      resendIntervalMs: 500,
      reconnectMinMs: 100,
      reconnectMaxMs: 1000,
      logLevel: 'silent',
      // The robot's local action on a recall: the state file its motion controller watches
      // (on a robot /run/robot-id/recall-state.json; docs/packaging.md).
      recallAction: { file: recallStateFile(ctx.unit.stateDir) },
    };
    writeFileSync(ctx.unit.configFile, JSON.stringify(settings, null, 2) + '\n');
    // Only the file: the demo must not pick up a ROBOT_ID_* setting from the shell.
    const config = loadConfig({ file: ctx.unit.configFile, env: {} });
    // The default modules, plus the recall module if this build does not list it yet.
    const modules = defaultModules.some((m) => m.name === recallsModule.name) ? defaultModules : [...defaultModules, recallsModule];
    const agent = await startAgent(config, { modules });
    ctx.handles.agent = agent;
    ctx.cleanups.push(() => agent.close());
    n.say(`identity record verified against the trust store, device key and hardware binding match (boot ${agent.bootCount})`);
    n.say(`local API on ${ctx.unit.socketPath.split(ctx.dir).join('$DEMO')}`);
    const link = await waitFor('the MQTT connection', () => (agent.status().link as { connected?: boolean } | undefined)?.connected, 10_000);
    if (link) n.say(`connected to ${ctx.broker.url}: identity published (retained), signed birth, signed death message left as the MQTT Will`);
  },
};

/** Where the demo robot keeps its recall enforcement state (config `recallAction.file`). */
export function recallStateFile(stateDir: string): string {
  return join(stateDir, 'run', 'recall-state.json');
}
