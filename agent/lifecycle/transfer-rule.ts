/**
 * The transfer rule a unit applies to a second registration (sdk lifecycle TRANSFER_RULES):
 * the one its root's recall policy sets, read where the recall handler keeps it (the policy
 * delivered in the country index) and from the configured policy file, the higher version
 * winning. Read when a registration is submitted (rare), so it holds in offline mode too
 * (`order apply`, where the recall module does not run). No verified policy: the scheme's
 * default, `forbidden`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { policyForUnit, transferRuleOf, type RecallPolicy, type TransferRule, type TrustStore } from '../../sdk/index.js';
import { RECALL_STORE_FILES } from '../recall/index.js';
import { agentPath } from '../state-files.js';

export function heldTransferRule(opts: { stateDir: string; policyFile?: string; trust: TrustStore; country: string }): TransferRule {
  let best: RecallPolicy | undefined;
  for (const file of [join(agentPath(opts.stateDir, 'recalls'), RECALL_STORE_FILES.policy), opts.policyFile]) {
    if (!file || !existsSync(file)) continue;
    try {
      const p = policyForUnit(new Uint8Array(readFileSync(file)), opts.trust, opts.country).policy;
      if (!best || p.version > best.version) best = p;
    } catch {
      // A policy that does not verify sets nothing (the recall handler reports it).
    }
  }
  return transferRuleOf(best);
}
