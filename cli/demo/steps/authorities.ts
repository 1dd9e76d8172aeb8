/** Step: the national root, an enterprise and the platform's services get keys and certificates. */
import { join } from 'node:path';
import { ENTERPRISE_DEFAULT_ROLES, ROLES, algName, certify, initRoot, kidHex } from '../../../sdk/index.js';
import type { DemoContext } from '../context.js';
import type { Step } from '../story.js';

export const COUNTRY = '86';
export const ENTERPRISE = '1234';

export const authoritiesStep: Step<DemoContext> = {
  title: 'A national root, an enterprise and the platform services get their keys',
  async run(ctx, n) {
    const alg = ctx.alg;
    const root = initRoot({ dir: join(ctx.dir, 'root'), country: COUNTRY, name: 'Demo national robot ID root', alg });
    n.say(`root of country ${COUNTRY}: ${algName(root.signer.alg)} key ${kidHex(root.signer.kid)} (the trust store every verifier holds)`);
    const enterprise = await certify({
      root,
      dir: join(ctx.dir, 'enterprise'),
      subjectKind: 'enterprise',
      subject: ENTERPRISE,
      name: 'Demo Humanoids Co.',
      roles: [...ENTERPRISE_DEFAULT_ROLES],
      alg,
    });
    n.say(`enterprise ${ENTERPRISE} "Demo Humanoids Co." certified by the root for: ${ENTERPRISE_DEFAULT_ROLES.join(', ')}`);
    const platform = (name: string, dir: string, roles: (typeof ROLES)[keyof typeof ROLES][]) =>
      certify({ root, dir: join(ctx.dir, dir), subjectKind: 'platform', subject: name, name: `Demo platform ${name}`, roles, alg });
    ctx.platform = {
      recall: await platform('recall-1', 'platform-recall', [ROLES.recallIssue]),
      cosigner: await platform('recall-2', 'platform-recall-2', [ROLES.recallIssue]),
      index: await platform('index', 'platform-index', [ROLES.indexSign]),
      receipt: await platform('receipt', 'platform-receipt', [ROLES.receiptSign]),
    };
    n.say('platform services certified: two recall signers, the index signer, the receipt signer');
    ctx.root = root;
    ctx.enterprise = enterprise;
  },
};
