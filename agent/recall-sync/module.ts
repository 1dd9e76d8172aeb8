/**
 * The 'recalls' agent module: composes the recall handler (agent/recall: verify, store, act,
 * acknowledge) with recall sync (this folder: subscriptions, the signed index, revocations,
 * freshness) over the running wire. The two are built together because each needs the other:
 * sync feeds the handler's notices and the handler's verifiers take sync's revocations.
 *
 * Reports: heartbeat fields activeRecalls, recallIndexStale and revoked; status sections
 * 'recalls' and 'recallIndex' on the local socket. Without a broker the handler still
 * re-establishes active recalls after boot (the overlay survives reboots offline).
 */
import type { Agent, AgentModule } from '../agent.js';
import { wireOf } from '../link/module.js';
import { RecallHandler } from '../recall/index.js';
import { agentPath } from '../state-files.js';
import { certificateCacheOf } from '../cert-cache.js';
import { RecallSync } from './sync.js';
import { rootTrustOf } from '../trust/module.js';

export const recallsModule: AgentModule = {
  name: 'recalls',
  async start(agent: Agent) {
    const log = agent.log.child({ module: 'recalls' });
    // Built after the handler (it feeds it); the handler asks for revocations only later.
    const holder: { sync?: RecallSync } = {};
    const handler = RecallHandler.open({
      identity: agent.identity,
      trust: agent.trust,
      device: agent.signer,
      now: () => agent.time.nowSeconds(),
      acks: agent.outbox,
      dir: agentPath(agent.config.stateDir, 'recalls'),
      action: agent.config.recallAction,
      policyFile: agent.config.recallPolicyFile,
      log,
      revocations: () => holder.sync?.revocations() ?? RecallSync.noRevocations,
      certCache: certificateCacheOf(agent),
    });
    await handler.start();
    agent.addStatusSection('recalls', () => handler.status());
    // On a full disk an accepted recall is enforced from memory and written once there is space.
    agent.storage.addPendingWrite({ name: 'recall store', pending: () => handler.store.unsaved, retry: () => handler.store.retrySave() });
    const wire = wireOf(agent);
    if (!wire) {
      log.warn({}, 'no broker: recall delivery is off; held recalls stay in force');
      return { close: () => handler.idle() };
    }
    const s = new RecallSync({
      code: agent.code,
      deviceKid: agent.identity.deviceKid,
      trust: agent.trust,
      dir: agentPath(agent.config.stateDir, 'recallIndex'),
      notices: handler,
      certCache: certificateCacheOf(agent),
      rotations: rootTrustOf(agent),
      maxAgeMs: agent.config.recallIndexMaxAgeMs,
      log: agent.log.child({ module: 'recall-sync' }),
      now: () => agent.time.nowMs(),
      overlapS: () => handler.overlapS(),
      // A change of stale or revoked goes out at once rather than with the next heartbeat.
      onChange: () => void wire.heartbeat.beat(),
    });
    holder.sync = s;
    wire.heartbeat.addSource(() => ({ activeRecalls: handler.activeRecalls().map((r) => r.recallId), ...s.heartbeat() }));
    agent.addStatusSection('recallIndex', () => s.status());
    s.start(wire.link);
    return {
      close: async () => {
        s.stop();
        await s.idle();
        await handler.idle();
      },
    };
  },
};
