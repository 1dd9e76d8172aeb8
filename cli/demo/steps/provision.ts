/** Step: the factory provisions one unit: device key, signed identity record, state directory. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { algName, formatCode, provisionUnit } from '../../../sdk/index.js';
import type { DemoContext } from '../context.js';
import { StepMissing, type Step } from '../story.js';
import { ENTERPRISE } from './authorities.js';

export const MODEL = '000042';
export const CODE = `86${ENTERPRISE}${MODEL}00000000000000007`;

export const provisionStep: Step<DemoContext> = {
  title: 'The factory provisions a humanoid robot',
  async run(ctx, n) {
    if (!ctx.enterprise) throw new StepMissing('no enterprise');
    const stateDir = join(ctx.dir, 'robot');
    const hardwareIdFile = join(ctx.dir, 'machine-id');
    const hardwareId = 'demo-machine-0007';
    writeFileSync(hardwareIdFile, hardwareId + '\n');
    const p = await provisionUnit({
      enterprise: ctx.enterprise,
      code: CODE,
      modelName: 'Demo H1 humanoid',
      hardwareId,
      stateDir,
      registryFile: join(ctx.dir, 'registry.jsonl'),
      alg: ctx.alg,
    });
    const configFile = join(ctx.dir, 'agent.json');
    ctx.unit = { stateDir, code: CODE, identity: p.identity, configFile, socketPath: join(stateDir, 'agent.sock'), hardwareIdFile };
    n.say(`code ${formatCode(p.identity.code)} (country-enterprise-model-serial)`);
    n.say(`${algName(p.identity.deviceAlg)} device key ${p.registration.deviceKid} generated on the unit; the identity record binds it, signed by the enterprise`);
    n.say('registration record appended to the platform registry');
  },
};
