/**
 * The agent on the wire: composes the MQTT link, presence (identity, birth, Will, offline),
 * heartbeats, the outbox sender and receipt handling over the running agent's parts. Started
 * by startAgent as the 'link' module when brokerUrl is configured; `wireOf(agent)` gives other
 * modules (recall sync) the link and the heartbeat to extend.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BROKER_FILE, VERSION, readBrokerCredentials, unitTopic, type OfflineReason } from '../../sdk/index.js';
import type { Agent, AgentModule } from '../agent.js';
import { HeartbeatPublisher } from '../heartbeat/heartbeat.js';
import { Presence } from '../presence/presence.js';
import { MqttLink } from './link.js';
import type { LinkOptions } from './options.js';
import { ReceiptHandler } from './receipts.js';
import { certificateCacheOf } from '../cert-cache.js';
import { OutboxSender, type SenderOptions } from './sender.js';

export interface Wire {
  link: MqttLink;
  presence: Presence;
  heartbeat: HeartbeatPublisher;
  sender: OutboxSender;
  receipts: ReceiptHandler;
  status(): Record<string, unknown>;
  stop(reason?: OfflineReason): Promise<void>;
}

export interface WireOptions {
  /** Overrides of the sender's window and unconfirmed limit (tests, benchmarks). */
  sender?: Partial<SenderOptions>;
  protocolVersion?: 4 | 5;
}

/** Link options from the agent config; credentials default to broker.json in the state dir. */
export function linkOptionsOf(agent: Pick<Agent, 'config'>, protocolVersion?: 4 | 5): LinkOptions {
  const c = agent.config;
  if (!c.brokerUrl) throw new RangeError('link: brokerUrl is not configured');
  let username = c.brokerUsername;
  let password = c.brokerPassword;
  const file = join(c.stateDir, BROKER_FILE);
  if (username === undefined && existsSync(file)) ({ username, password } = readBrokerCredentials(file));
  return {
    brokerUrl: c.brokerUrl,
    username,
    password,
    tls: { caFile: c.brokerCaFile, certFile: c.brokerCertFile, keyFile: c.brokerKeyFile },
    keepaliveSeconds: c.brokerKeepaliveSeconds,
    reconnectMinMs: c.reconnectMinMs,
    reconnectMaxMs: c.reconnectMaxMs,
    protocolVersion: protocolVersion ?? c.brokerProtocolVersion,
  };
}

export function startWire(agent: Agent, options: WireOptions = {}): Wire {
  const code = agent.code.code;
  const log = agent.log.child({ module: 'link' });
  const now = (): number => agent.time.nowMs();
  const info = () => ({
    state: agent.lifecycle.state,
    agentVersion: VERSION,
    firmwareVersion: agent.config.firmwareVersion ?? '',
    logSeq: agent.eventLog.head.seq,
  });
  const beatNow = { fn: (): void => undefined };
  const presence = new Presence({
    afterBirth: () => beatNow.fn(),
    code,
    signer: agent.signer,
    identity: agent.identity.bytes,
    bootCount: agent.bootCount,
    heartbeatIntervalMs: agent.config.heartbeatIntervalMs,
    log,
    info,
    now,
  });
  const link = new MqttLink({ code, options: linkOptionsOf(agent, options.protocolVersion), log, will: presence.will });
  const sender = new OutboxSender(code, agent.outbox, link, log, { resendIntervalMs: agent.config.resendIntervalMs, ...options.sender });
  const receipts = new ReceiptHandler({ code, trust: agent.trust, outbox: agent.outbox, log, onProgress: () => sender.progressed(), now, certCache: certificateCacheOf(agent) });
  const heartbeat = new HeartbeatPublisher({
    code,
    signer: agent.signer,
    bootCount: agent.bootCount,
    intervalMs: agent.config.heartbeatIntervalMs,
    agentVersion: VERSION,
    firmwareVersion: agent.config.firmwareVersion ?? '',
    log,
    now,
    status: () => ({
      state: agent.lifecycle.state,
      outboxDepth: agent.outbox.depth(),
      logSeq: agent.eventLog.head.seq,
      logHash: agent.eventLog.head.hash,
      ...(agent.storage.state === 'full' ? { storage: 'full' as const } : {}),
      registration: agent.config.registration === 'waived' ? 'waived' : agent.lifecycle.registration ? 'held' : 'none',
      ...(agent.lifecycle.registration ? { region: agent.lifecycle.registration.region } : {}),
    }),
  });
  beatNow.fn = () => void heartbeat.beat();
  const receiptTopic = unitTopic(code, 'receipt');
  link.subscribe(receiptTopic);
  link.on('message', (topic, payload) => {
    if (topic === receiptTopic) void receipts.handle(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
  });
  presence.attach(link);
  heartbeat.start(link);
  sender.start();
  link.start();
  const wire: Wire = {
    link,
    presence,
    heartbeat,
    sender,
    receipts,
    status: () => ({
      connected: link.connected,
      session: link.session,
      ...link.stats,
      sender: { ...sender.stats },
      receipts: { ...receipts.stats },
      heartbeats: { ...heartbeat.stats },
    }),
    async stop(reason = 'shutdown') {
      heartbeat.stop();
      sender.stop();
      await link.stop(await presence.offline(reason));
    },
  };
  return wire;
}

const wires = new WeakMap<Agent, Wire>();

/** The running wire of an agent (for modules started after the link), if any. */
export function wireOf(agent: Agent): Wire | undefined {
  return wires.get(agent);
}

export const linkModule: AgentModule = {
  name: 'link',
  async start(agent) {
    if (!agent.config.brokerUrl) {
      agent.log.warn({ module: 'link' }, 'no brokerUrl configured: running offline, events stay in the outbox');
      return;
    }
    const wire = startWire(agent);
    wires.set(agent, wire);
    agent.addStatusSection('link', wire.status);
    return {
      close: async () => {
        const state = agent.lifecycle.state;
        await wire.stop(state === 'scrapped' || state === 'decommissioned' ? state : 'shutdown');
        wires.delete(agent);
      },
    };
  },
};
