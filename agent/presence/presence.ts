/**
 * Presence (docs/protocol.md §"Birth, death and offline"). For every connection attempt the
 * link asks for the Will: a death signed now with the attempt's birth sequence (boot,
 * session). Once connected the unit publishes its identity record (retained) and a signed
 * birth with the same sequence. On orderly shutdown a signed offline message goes out before
 * the clean disconnect (which makes the broker discard the Will).
 */
import type { Logger } from 'pino';
import { signBirth, signDeath, signOffline, unitTopic, type OfflineReason, type Signer } from '../../sdk/index.js';
import type { MqttLink } from '../link/link.js';
import type { Will } from '../link/options.js';

export interface PresenceInfo {
  state: string;
  agentVersion: string;
  firmwareVersion: string;
  logSeq: number;
}

export interface PresenceDeps {
  code: string;
  signer: Signer;
  /** The identity record bytes exactly as provisioned. */
  identity: Uint8Array;
  bootCount: number;
  heartbeatIntervalMs: number;
  log: Logger;
  info(): PresenceInfo;
  /** Milliseconds clock (default Date.now). */
  now?: () => number;
  /** Called once the birth is out (the first heartbeat follows it, never precedes it). */
  afterBirth?: () => void;
}

export class Presence {
  readonly stats = { births: 0, birthErrors: 0 };
  private link: MqttLink | undefined;

  constructor(private readonly deps: PresenceDeps) {}

  private seconds(): number {
    return Math.floor((this.deps.now ?? Date.now)() / 1000);
  }

  /** The link's Will provider. */
  readonly will = async (session: number): Promise<Will> => ({
    topic: unitTopic(this.deps.code, 'death'),
    payload: await signDeath(this.deps.signer, { code: this.deps.code, boot: this.deps.bootCount, session, time: this.seconds() }),
  });

  attach(link: MqttLink): void {
    this.link = link;
    link.on('connect', (session) => void this.announce(link, session));
  }

  private async announce(link: MqttLink, session: number): Promise<void> {
    const { code, signer } = this.deps;
    const info = this.deps.info();
    try {
      await link.publish(unitTopic(code, 'identity'), this.deps.identity, { qos: 1, retain: true });
      const birth = await signBirth(signer, {
        code,
        boot: this.deps.bootCount,
        session,
        time: this.seconds(),
        state: info.state,
        agentVersion: info.agentVersion,
        firmwareVersion: info.firmwareVersion,
        heartbeatIntervalS: Math.ceil(this.deps.heartbeatIntervalMs / 1000),
        logSeq: info.logSeq,
      });
      await link.publish(unitTopic(code, 'birth'), birth, { qos: 1 });
      this.stats.births++;
      this.deps.afterBirth?.();
    } catch (err) {
      // The connection dropped while announcing; the next connect announces again.
      this.stats.birthErrors++;
      this.deps.log.warn({ session, err: { message: (err as Error).message } }, 'birth not published');
    }
  }

  /** The clean offline message for the current session (for link.stop). */
  async offline(reason: OfflineReason): Promise<Will> {
    const session = this.link?.session ?? 0;
    return {
      topic: unitTopic(this.deps.code, 'offline'),
      payload: await signOffline(this.deps.signer, { code: this.deps.code, boot: this.deps.bootCount, session, time: this.seconds(), reason }),
    };
  }
}
