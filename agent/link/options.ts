/**
 * MQTT.js options for the link. Callers choose the broker, TLS files, credentials, keepalive
 * and protocol version; the options delivery depends on are fixed here and cannot be
 * overridden (docs/protocol.md §"The link"):
 *   - clientId `rid-<code>`: one persistent identity per unit, never random;
 *   - clean: false (and a session expiry under MQTT 5) so the broker may keep the receipt
 *     subscription, but nothing depends on it: every connect resubscribes and resends;
 *   - reconnectPeriod: 0: MQTT.js never reconnects by itself; the link drives reconnects
 *     with capped exponential backoff and full jitter (backoff.ts);
 *   - a fresh in-memory store per connection and queueQoSZero: false: MQTT.js's own resend
 *     is never what delivery depends on; the outbox is the source of truth.
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';

export interface LinkTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface LinkOptions {
  brokerUrl: string;
  username?: string;
  password?: string;
  tls?: LinkTls;
  keepaliveSeconds: number;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  connectTimeoutMs?: number;
}

export interface Will {
  topic: string;
  payload: Uint8Array;
}

export const SESSION_EXPIRY_S = 7 * 24 * 3600;

export function clientIdFor(code: string): string {
  return `rid-${code}`;
}

export function mqttOptions(options: LinkOptions, code: string, will: Will | undefined): IClientOptions {
  const tls = options.tls ?? {};
  const version = options.protocolVersion ?? 4;
  const base: IClientOptions = {
    username: options.username,
    password: options.password,
    keepalive: options.keepaliveSeconds,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
    cert: tls.certFile ? readFileSync(tls.certFile) : undefined,
    key: tls.keyFile ? readFileSync(tls.keyFile) : undefined,
    rejectUnauthorized: true,
  };
  // Protocol-critical: assigned after the caller's choices so nothing above can change them.
  return {
    ...base,
    protocolVersion: version,
    clientId: clientIdFor(code),
    clean: false,
    reconnectPeriod: 0,
    resubscribe: false,
    queueQoSZero: false,
    // MQTT.js by default restarts its keepalive timer on every PUBACK: a clear and a new
    // setInterval per message, about 2.5% of the event loop under a burst (docs/performance.md).
    // Without it a PINGREQ goes out every keepalive period even while publishing: two bytes.
    // Dead-link detection is unchanged: it still waits for the PINGRESP.
    reschedulePings: false,
    // MQTT.js by default fills a table of 65,536 two-byte Buffers before its first packet, to
    // encode packet ids and lengths from it: about 6 ms of the start and a young-generation
    // collection before the birth message. Encoding each number when it is written costs a
    // 2-byte allocation per packet instead (docs/performance.md §"Start to birth").
    writeCache: false,
    ...(version === 5 ? { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } } : {}),
    will: will ? { topic: will.topic, payload: Buffer.from(will.payload.buffer, will.payload.byteOffset, will.payload.byteLength), qos: 1, retain: false } : undefined,
  };
}
